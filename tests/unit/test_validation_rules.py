"""Contract rules (spec §2-4): each fault is a 422 with a located issue; valid content yields typed facts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from hub.core.messages import (
    AppointmentFact,
    ConcernFact,
    ExaminationFact,
    ImmunisationFact,
    InjuryFact,
    MobilityFact,
    PlanFact,
    RegistrationFact,
    SeenFact,
)
from hub.core.validation.nhs import nhs_number_valid, ods_code_valid

E0, E1, E2, E3 = (f"Bundle.entry[{i}].resource" for i in range(4))
HUB = "https://safeguarding-hub.example/fhir"
CS = f"{HUB}/CodeSystem/concept"


def fault(verdict, code: str, expression: str) -> None:
    assert verdict.status == 422, verdict.outcome
    assert verdict.message is None
    issues = verdict.outcome["issue"]
    assert all(i["severity"] == "error" and i["diagnostics"] and i["expression"] for i in issues)
    found = [(i["code"], i["expression"][0]) for i in issues]
    assert (code, expression) in found, found


# ---- NHS number and ODS ----------------------------------------------------------------
@pytest.mark.parametrize("value,ok", [
    ("9912003888", True), ("9449306753", True), ("9434765919", True), ("9912003814", False),
    ("9990012008", True), ("991200388", False), ("99120038880", False), ("991200388a", False),
    ("", False), (None, False), (9912003888, False), ("0000000000", True), ("1000000010", False),
])
def test_nhs_number_modulus_11(value, ok):
    assert nhs_number_valid(value) is ok


def test_nhs_number_check_digit_10_is_invalid():
    # 1000000010: sum = 10, 11 - 10 = 1 ... find a prefix whose check would be 10 and assert every digit fails
    from tests.support.nhs import check_digit

    prefix = next(p for p in (f"{n:09d}" for n in range(100000000, 100001000)) if check_digit(p) is None)
    assert not any(nhs_number_valid(prefix + str(d)) for d in range(10))


@pytest.mark.parametrize("value,ok", [("A81001", True), ("RX1", True), ("P42", True), ("LA123", True),
                                      ("AB", False), ("ABCDEFGHI", False), ("a81001", False), ("A81 01", False)])
def test_ods_code_pattern(value, ok):
    assert ods_code_valid(value) is ok


# ---- envelope (§2) ------------------------------------------------------------------------
def test_rules_bundle_type_must_be_message(check, valid_message):
    b = valid_message("child-seen")
    b["type"] = "collection"
    fault(check(b), "value", "Bundle.type")


def test_rules_bundle_needs_id_and_timestamp(check, valid_message):
    b = valid_message("child-seen")
    del b["id"], b["timestamp"]
    v = check(b)
    fault(v, "required", "Bundle.id")
    fault(v, "required", "Bundle.timestamp")


def test_rules_full_urls_are_unique_urn_uuids(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][1]["fullUrl"] = "http://example.org/Organization/1"
    b["entry"][1]["resource"]["id"] = "x"
    fault(check(b), "value", "Bundle.entry[1].fullUrl")
    b = valid_message("child-seen")
    b["entry"][3]["fullUrl"] = b["entry"][1]["fullUrl"]
    fault(check(b), "duplicate", "Bundle.entry[3].fullUrl")


def test_rules_every_literal_reference_resolves(check, valid_message):
    b = valid_message("concern-recorded")
    b["entry"][3]["resource"]["focus"][0]["reference"] = "RelatedPerson/parent-1"
    fault(check(b), "not-found", f"{E3}.focus[0].reference")


def test_rules_logical_references_need_no_entry(check, valid_message):
    b = valid_message("concern-recorded")
    b["entry"][3]["resource"]["focus"] = [{"identifier": {"system": "https://p42.example/Id/person",
                                                          "value": "PX-1"}}]
    assert check(b).status == 202


def test_rules_contained_references_resolve_locally(check, valid_message):
    b = valid_message("injury-observed")
    obs = b["entry"][3]["resource"]
    obs["contained"] = [{"resourceType": "Practitioner", "id": "doc", "name": [{"family": "Doc"}]}]
    obs["performer"] = [{"reference": "#doc"}]
    assert check(b).status == 202
    obs["performer"] = [{"reference": "#nobody"}]
    fault(check(b), "not-found", f"{E3}.performer[0].reference")


def test_rules_entry0_must_be_message_header(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][0], b["entry"][1] = b["entry"][1], b["entry"][0]
    v = check(b)
    fault(v, "structure", "Bundle.entry[0].resource")


def test_rules_message_header_id_is_a_uuid(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][0]["resource"]["id"] = "msg-1"
    fault(check(b), "value", f"{E0}.id")


def test_rules_event_coding_system_and_code(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][0]["resource"]["eventCoding"]["system"] = "http://example.org/events"
    fault(check(b), "code-invalid", f"{E0}.eventCoding.system")
    b = valid_message("child-seen")
    b["entry"][0]["resource"]["eventCoding"]["code"] = "child-visited"
    fault(check(b), "code-invalid", f"{E0}.eventCoding.code")
    b = valid_message("child-seen")
    del b["entry"][0]["resource"]["eventCoding"]
    b["entry"][0]["resource"]["eventUri"] = "https://example.org/child-seen"
    fault(check(b), "required", f"{E0}.eventCoding")


@pytest.mark.parametrize("value", ["create", "New", "", None])
def test_rules_message_event_type_extension(check, valid_message, value):
    b = valid_message("child-seen")
    b["entry"][0]["resource"]["extension"][0]["valueCode"] = value
    if value is None:
        del b["entry"][0]["resource"]["extension"][0]["valueCode"]
        fault(check(b), "code-invalid", f"{E0}.extension[0].valueCode")
    else:
        v = check(b)
        assert v.status == 422
        assert any(i["expression"][0].startswith(f"{E0}.extension[0]") for i in v.outcome["issue"])


@pytest.mark.parametrize("event_type", ["update", "cancel"])
def test_rules_update_and_cancel_keep_focus_id_and_identifier(check, valid_message, event_type):
    b = valid_message("injury-observed")
    b["entry"][0]["resource"]["extension"][0]["valueCode"] = event_type
    v = check(b)
    assert v.status == 202 and v.message.event_type == event_type
    del b["entry"][3]["resource"]["id"]
    del b["entry"][3]["resource"]["identifier"]
    v = check(b)
    fault(v, "required", f"{E3}.id")
    fault(v, "required", f"{E3}.identifier")


def test_rules_source_endpoint_and_contact(check, valid_message):
    b = valid_message("child-seen")
    del b["entry"][0]["resource"]["source"]["contact"]
    fault(check(b), "required", f"{E0}.source.contact")
    b = valid_message("child-seen")
    del b["entry"][0]["resource"]["source"]["endpoint"]
    assert check(b).status == 422  # endpoint is also FHIR-required


def test_rules_sender_is_an_organization_entry_with_ods(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][0]["resource"]["sender"] = {"reference": b["entry"][2]["fullUrl"]}  # the Patient
    fault(check(b), "invalid", f"{E0}.sender.reference")
    b = valid_message("child-seen")
    b["entry"][1]["resource"]["identifier"][0]["system"] = "https://example.org/Id/org"
    fault(check(b), "required", f"{E1}.identifier")
    b = valid_message("child-seen")
    b["entry"][1]["resource"]["identifier"][0]["value"] = "TOOLONGODS"
    fault(check(b), "value", f"{E1}.identifier[0].value")
    b = valid_message("child-seen")
    del b["entry"][0]["resource"]["sender"]
    fault(check(b), "required", f"{E0}.sender")


def test_rules_focus_type_matches_event(check, valid_message):
    b = valid_message("medical-examination")
    b["entry"][0]["resource"]["eventCoding"]["code"] = "injury-observed"
    fault(check(b), "invalid", f"{E0}.focus[0]")
    b = valid_message("medical-examination")
    del b["entry"][0]["resource"]["focus"]
    fault(check(b), "required", f"{E0}.focus")


def test_rules_patient_nhs_number_and_birth_date(check, valid_message):
    b = valid_message("child-seen")
    b["entry"][2]["resource"]["identifier"][0]["value"] = "9912003814"
    fault(check(b), "value", f"{E2}.identifier[0].value")
    b = valid_message("child-seen")
    b["entry"][2]["resource"]["identifier"] = [{"system": "https://example.org/mrn", "value": "1"}]
    fault(check(b), "required", f"{E2}.identifier")
    b = valid_message("child-seen")
    del b["entry"][2]["resource"]["birthDate"]
    fault(check(b), "required", f"{E2}.birthDate")
    b = valid_message("child-seen")
    b["entry"][2]["resource"]["birthDate"] = "2026-02-30"
    fault(check(b), "value", f"{E2}.birthDate")
    b = valid_message("child-seen")
    b["entry"][2]["resource"]["birthDate"] = "2026-13-01"
    fault(check(b), "value", f"{E2}.birthDate")


def test_rules_one_child_per_message(check, valid_message):
    b = valid_message("child-seen")
    twin = dict(b["entry"][2], fullUrl="urn:uuid:0b0b0b0b-0000-4000-8000-000000000001")
    b["entry"].append(twin)
    fault(check(b), "business-rule", "Bundle.entry[4].resource")


def test_rules_patient_must_be_present(check, valid_message):
    b = valid_message("mobility-assessed")
    del b["entry"][2]
    v = check(b)
    fault(v, "required", "Bundle.entry")


def test_rules_general_practitioner_forms(check, valid_message):
    b = valid_message("child-registered")
    gp = b["entry"][2]["resource"]["generalPractitioner"][0]
    gp["identifier"]["system"] = "https://example.org/gp"
    fault(check(b), "value", f"{E2}.generalPractitioner[0].identifier.system")
    b = valid_message("child-registered.gp-reference")
    assert check(b).message.patient.gp_ods == "A81001"
    b["entry"][2]["resource"]["generalPractitioner"] = [{"reference": b["entry"][1]["fullUrl"]}]
    assert check(b).status == 202
    b["entry"][2]["resource"]["generalPractitioner"] = [{"reference": b["entry"][0]["fullUrl"]}]
    fault(check(b), "invalid", f"{E2}.generalPractitioner[0].reference")


def test_rules_household_extension(check, valid_message):
    b = valid_message("child-seen")
    assert check(b).message.patient.household == "HH-0001"
    b["entry"][2]["resource"]["extension"][0]["valueIdentifier"]["system"] = "https://example.org/hh"
    fault(check(b), "value", f"{E2}.extension[0].valueIdentifier")


@pytest.mark.parametrize("event,element", [
    ("child-seen", "subject"), ("injury-observed", "subject"), ("immunisation-recorded", "patient"),
    ("plan-started", "patient"),
])
def test_rules_focus_refers_to_the_patient_entry(check, valid_message, event, element):
    b = valid_message(event)
    b["entry"][3]["resource"][element] = {"reference": b["entry"][1]["fullUrl"]}
    fault(check(b), "invalid", f"{E3}.{element}.reference")
    del b["entry"][3]["resource"][element]
    v = check(b)
    assert v.status == 422
    assert f"{E3}.{element}" in [i["expression"][0] for i in v.outcome["issue"]]


def test_rules_appointment_participant_actor_is_the_patient(check, valid_message):
    b = valid_message("appointment-outcome")
    b["entry"][3]["resource"]["participant"][0]["actor"] = {"display": "someone"}
    fault(check(b), "required", f"{E3}.participant")


def test_rules_focus_needs_business_identifier(check, valid_message):
    b = valid_message("appointment-outcome")
    del b["entry"][3]["resource"]["identifier"]
    fault(check(b), "required", f"{E3}.identifier")


# ---- time bounds ------------------------------------------------------------------------------
def test_rules_clinical_time_at_most_five_minutes_after_receipt(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["effectiveDateTime"] = "2026-11-01T12:04:59Z"
    assert check(b).status == 202
    b["entry"][3]["resource"]["effectiveDateTime"] = "2026-11-01T12:05:01Z"
    fault(check(b), "business-rule", f"{E3}.effectiveDateTime")


def test_rules_clinical_time_no_earlier_than_12_months_before_birth(check, valid_message):
    b = valid_message("concern-recorded")  # birth 2026-03-10
    b["entry"][3]["resource"]["effectiveDateTime"] = "2025-03-10T00:00:00Z"
    assert check(b).status == 202
    b["entry"][3]["resource"]["effectiveDateTime"] = "2025-03-09T23:00:00Z"
    fault(check(b), "business-rule", f"{E3}.effectiveDateTime")


@pytest.mark.parametrize("value,code", [
    ("2026-07-14", "value"), ("2026-07", "value"), ("2026-07-14T10:45:00", "value"),
    ("2026-07-14T10:45+01:00", "value"), ("2026-02-30T10:00:00Z", "value"), ("yesterday", "value"),
])
def test_rules_clinical_times_are_full_datetimes_with_zone(check, valid_message, value, code):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["effectiveDateTime"] = value
    fault(check(b), code, f"{E3}.effectiveDateTime")


def test_rules_partial_dates_are_legal_where_fhir_allows(check, valid_message):
    # GIVEN non-clinical FHIR dates/dateTimes with reduced precision
    b = valid_message("child-seen")
    b["entry"][2]["resource"]["name"][0]["period"] = {"start": "2026", "end": "2026-04"}
    b["entry"][2]["resource"]["deceasedBoolean"] = False
    assert check(b).status == 202


# ---- events (§3, §4) ------------------------------------------------------------------------
def test_rules_child_registered_fact(check, valid_message):
    v = check(valid_message("child-registered"))
    assert v.status == 202
    (fact,) = v.message.facts
    assert isinstance(fact, RegistrationFact)
    assert fact.key == "https://fhir.nhs.uk/Id/nhs-number|9990012008"
    assert fact.patient.birth_date == date(2026, 3, 10) and fact.patient.gp_ods == "A81001"
    assert v.message.event == "child-registered" and v.message.sender_ods == "A81001"
    assert v.message.timestamp.tzinfo is not None and v.message.raw["resourceType"] == "Bundle"


def test_rules_child_registered_requires_gp(check, valid_message):
    b = valid_message("child-registered")
    del b["entry"][2]["resource"]["generalPractitioner"]
    fault(check(b), "required", f"{E2}.generalPractitioner")


def test_rules_plan_started_fact_and_requirements(check, valid_message):
    v = check(valid_message("plan-started"))
    (fact,) = v.message.facts
    assert isinstance(fact, PlanFact)
    assert (fact.status, fact.plan_type, fact.cp_category, fact.la_ods) == (
        "active", "child-protection-plan", "neglect", "LA123")
    assert fact.start == datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc) and fact.care_manager
    for element in ("managingOrganization", "careManager"):
        b = valid_message("plan-started")
        del b["entry"][3]["resource"][element]
        fault(check(b), "required", f"{E3}.{element}")
    b = valid_message("plan-started")
    b["entry"][3]["resource"]["status"] = "planned"
    fault(check(b), "value", f"{E3}.status")
    b = valid_message("plan-started")
    del b["entry"][3]["resource"]["period"]
    fault(check(b), "required", f"{E3}.period.start")
    b = valid_message("plan-started")
    b["entry"][3]["resource"]["type"][0]["coding"] = [{"system": CS, "code": "child-in-need-plan"}]
    assert check(b).message.facts[0].plan_type == "child-in-need-plan"
    b["entry"][3]["resource"]["type"][0]["coding"] = [{"system": CS, "code": "bruise"}]
    fault(check(b), "code-invalid", f"{E3}.type[0].coding[0].code")


def test_rules_plan_started_cp_category_may_be_a_separate_type(check, valid_message):
    b = valid_message("plan-started")
    b["entry"][3]["resource"]["type"] = [{"coding": [{"system": CS, "code": "child-protection-plan"}]},
                                         {"coding": [{"system": CS, "code": "physical-abuse"}]}]
    assert check(b).message.facts[0].cp_category == "physical-abuse"


def test_rules_plan_ended_fact_and_case_closure(check, valid_message):
    v = check(valid_message("plan-ended"))
    (fact,) = v.message.facts
    assert (fact.status, fact.closed_to_social_care, fact.step_down_plan, fact.step_down_plan_type,
            fact.step_down_to_ods) == ("finished", True, True, "early-help", "HV001")
    assert fact.end == datetime(2026, 10, 2, 11, 0, tzinfo=timezone.utc)
    b = valid_message("plan-ended")
    closure = b["entry"][3]["resource"]["extension"][0]
    closure["extension"] = [{"url": "closedToSocialCare", "valueBoolean": True},
                            {"url": "stepDownPlan", "valueBoolean": False}]
    assert check(b).status == 202  # no step-down plan: type and target not needed
    closure["extension"] = [{"url": "closedToSocialCare", "valueBoolean": True}]
    fault(check(b), "required", f"{E3}.extension[0].extension")
    b = valid_message("plan-ended")
    del b["entry"][3]["resource"]["extension"]
    fault(check(b), "required", f"{E3}.extension")
    b = valid_message("plan-ended")
    b["entry"][3]["resource"]["status"] = "active"
    del b["entry"][3]["resource"]["period"]["end"]
    v = check(b)
    fault(v, "value", f"{E3}.status")
    fault(v, "required", f"{E3}.period.end")


def test_rules_injury_observed_fact_and_statuses(check, valid_message):
    v = check(valid_message("injury-observed"))
    (fact,) = v.message.facts
    assert isinstance(fact, InjuryFact)
    assert (fact.code, fact.status, fact.body_site) == ("bruise", "final", "left cheek")
    for status in ("amended", "entered-in-error"):
        b = valid_message("injury-observed")
        b["entry"][3]["resource"]["status"] = status
        assert check(b).message.facts[0].status == status
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["status"] = "preliminary"
    fault(check(b), "code-invalid", f"{E3}.status")


def test_rules_injury_code_binding(check, valid_message):
    # GIVEN only a SNOMED coding (no hub injury code) THEN rejected
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["code"]["coding"] = b["entry"][3]["resource"]["code"]["coding"][1:]
    fault(check(b), "code-invalid", f"{E3}.code")
    # GIVEN a hub code from the wrong group
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "independently-mobile"
    fault(check(b), "code-invalid", f"{E3}.code.coding[0].code")


def test_rules_body_site_text_is_enough(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["bodySite"] = {"coding": [{"system": "http://snomed.info/sct", "code": "60819002",
                                                         "display": "Cheek"}]}
    assert check(b).message.facts[0].body_site == "Cheek"
    b["entry"][3]["resource"]["bodySite"] = {"id": "x"}
    fault(check(b), "required", f"{E3}.bodySite")


def test_rules_medical_examination_fact(check, valid_message):
    (fact,) = check(valid_message("medical-examination")).message.facts
    assert isinstance(fact, ExaminationFact)
    assert fact.type == "cp-medical"
    assert fact.reason_keys == ("https://rx1.agency.example/Id/records|ED-55501",)
    b = valid_message("medical-examination")
    b["entry"][3]["resource"]["type"][0]["coding"][0]["code"] = "home-visit"
    fault(check(b), "code-invalid", f"{E3}.type[0].coding[0].code")
    b = valid_message("medical-examination")
    del b["entry"][3]["resource"]["reasonReference"]
    assert check(b).message.facts[0].reason_keys == ()


def test_rules_immunisation_recorded_facts(check, valid_message):
    facts = check(valid_message("immunisation-recorded")).message.facts
    assert [(f.vaccine, f.dose, f.status) for f in facts] == [("6-in-1", 1, "completed"), ("rotavirus", 1, "completed")]
    assert all(isinstance(f, ImmunisationFact) and f.occurrence.tzinfo for f in facts)


def test_rules_immunisation_requirements(check, valid_message):
    b = valid_message("immunisation-recorded")
    imm = b["entry"][3]["resource"]
    del imm["protocolApplied"]
    imm["vaccineCode"]["coding"] = [{"system": "http://snomed.info/sct", "code": "999"}]
    v = check(b)
    fault(v, "required", f"{E3}.protocolApplied")
    fault(v, "code-invalid", f"{E3}.vaccineCode")
    b = valid_message("immunisation-recorded")
    b["entry"][3]["resource"]["status"] = "not-done"
    fault(check(b), "required", f"{E3}.statusReason")
    b["entry"][3]["resource"]["statusReason"] = {"text": "parent declined"}
    assert check(b).message.facts[0].status == "not-done"
    b = valid_message("immunisation-recorded")
    b["entry"][3]["resource"]["protocolApplied"][0] = {"doseNumberString": "first"}
    fault(check(b), "required", f"{E3}.protocolApplied[0].doseNumberPositiveInt")
    b = valid_message("immunisation-recorded")
    del b["entry"][3]["resource"]["occurrenceDateTime"]
    b["entry"][3]["resource"]["occurrenceString"] = "last spring"
    fault(check(b), "required", f"{E3}.occurrenceDateTime")


def test_rules_vaccination_procedure_mismatch_is_a_warning(check, valid_message):
    b = valid_message("immunisation-recorded")
    b["entry"][3]["resource"]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] = "720539004"  # MenB 1
    v = check(b)
    assert v.status == 202
    assert [i["severity"] for i in v.outcome["issue"]] == ["information", "warning"]


def test_rules_appointment_outcome_facts(check, valid_message):
    (fact,) = check(valid_message("appointment-outcome")).message.facts
    assert isinstance(fact, AppointmentFact) and fact.missed and fact.service_type == "health-visiting"
    b = valid_message("appointment-outcome")
    b["entry"][3]["resource"]["status"] = "cancelled"
    b["entry"][3]["resource"]["cancelationReason"] = {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "code": "pat"}]}
    fact = check(b).message.facts[0]
    assert fact.cancel_reason == "pat" and fact.missed
    b["entry"][3]["resource"]["status"] = "booked"
    fault(check(b), "code-invalid", f"{E3}.status")
    b = valid_message("appointment-outcome")
    b["entry"][3]["resource"]["serviceType"] = [{"coding": [{"system": CS, "code": "dentist"}]}]
    fault(check(b), "code-invalid", f"{E3}.serviceType[0].coding[0].code")
    del b["entry"][3]["resource"]["serviceType"]
    fault(check(b), "required", f"{E3}.serviceType")


def test_rules_child_seen_fact_and_extensions(check, valid_message):
    (fact,) = check(valid_message("child-seen")).message.facts
    assert isinstance(fact, SeenFact) and (fact.type, fact.seen, fact.seen_alone) == ("home-visit", True, False)
    b = valid_message("child-seen")
    b["entry"][3]["resource"]["extension"][1] = {"url": f"{HUB}/StructureDefinition/child-seen-alone",
                                                 "valueString": "no"}
    fault(check(b), "required", f"{E3}.extension[1]")
    b = valid_message("child-seen")
    b["entry"][3]["resource"]["type"][0]["coding"][0]["code"] = "cp-medical"
    fault(check(b), "code-invalid", f"{E3}.type[0].coding[0].code")


def test_rules_concern_recorded_fact_and_focus(check, valid_message):
    (fact,) = check(valid_message("concern-recorded")).message.facts
    assert isinstance(fact, ConcernFact) and fact.code == "domestic-abuse"
    b = valid_message("concern-recorded")
    b["entry"][3]["resource"]["focus"] = [{"reference": b["entry"][1]["fullUrl"]}]
    fault(check(b), "invalid", f"{E3}.focus[0].reference")
    b = valid_message("concern-recorded")
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "bruise"
    fault(check(b), "code-invalid", f"{E3}.code.coding[0].code")


def test_rules_mobility_assessed_fact(check, valid_message):
    (fact,) = check(valid_message("mobility-assessed")).message.facts
    assert isinstance(fact, MobilityFact) and fact.mobile is False
    b = valid_message("mobility-assessed")
    del b["entry"][3]["resource"]["valueBoolean"]
    fault(check(b), "required", f"{E3}.valueBoolean")


# ---- structure (the FHIR R4 models) ----------------------------------------------------------------
def test_rules_unknown_elements_are_rejected_everywhere(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["code"]["coding"][0]["colour"] = "red"
    b["entry"][2]["resource"]["name"][0]["nickname"] = "x"
    b["entry"][0]["resource"]["source"]["phone"] = "x"
    v = check(b)
    fault(v, "structure", f"{E3}.code.coding[0].colour")
    fault(v, "structure", f"{E2}.name[0].nickname")
    fault(v, "structure", f"{E0}.source.phone")


def test_rules_extensions_are_allowed_anywhere(check, valid_message):
    b = valid_message("injury-observed")
    ext = [{"url": "https://example.org/x", "valueString": "y"}]
    obs = b["entry"][3]["resource"]
    obs["code"]["coding"][0]["extension"] = ext
    obs["modifierExtension"] = ext
    obs["_status"] = {"extension": ext}
    b["entry"][2]["resource"]["name"][0]["_given"] = [{"extension": ext}]
    assert check(b).status == 202


def test_rules_unsupported_resource_types(check, valid_message):
    b = valid_message("child-seen")
    b["entry"].append({"fullUrl": "urn:uuid:0b0b0b0b-0000-4000-8000-000000000002",
                       "resource": {"resourceType": "Medication", "id": "m"}})
    fault(check(b), "not-supported", "Bundle.entry[4].resource")


def test_rules_wrong_primitive_types(check, valid_message):
    b = valid_message("mobility-assessed")
    b["entry"][3]["resource"]["valueBoolean"] = "false"
    b["entry"][2]["resource"]["gender"] = 1
    v = check(b)
    fault(v, "structure", f"{E3}.valueBoolean")
    fault(v, "structure", f"{E2}.gender")


def test_rules_too_long_code(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "x" * 10_000
    fault(check(b), "too-long", f"{E3}.code.coding[0].code")


def test_rules_all_faults_are_collected(check, valid_message):
    # GIVEN five independent faults WHEN validated THEN every one is reported in one outcome
    b = valid_message("injury-observed")
    b["entry"][2]["resource"]["identifier"][0]["value"] = "9912003814"
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "domestic-abuse"
    b["entry"][3]["resource"]["colour"] = "red"
    del b["entry"][0]["resource"]["source"]["contact"]
    b["entry"][3]["resource"]["effectiveDateTime"] = "2031-01-01T00:00:00Z"
    v = check(b)
    for code, expr in [("value", f"{E2}.identifier[0].value"), ("code-invalid", f"{E3}.code.coding[0].code"),
                       ("structure", f"{E3}.colour"), ("required", f"{E0}.source.contact"),
                       ("business-rule", f"{E3}.effectiveDateTime")]:
        fault(v, code, expr)


def test_rules_now_may_be_naive_utc(check, valid_message):
    v = check(valid_message("child-seen"), at=datetime(2026, 11, 1, 12, 0))
    assert v.status == 202
    # the visit started 10:00Z: receipt at 09:55Z is exactly 5 minutes early, 09:54:59Z is too early
    start = datetime(2026, 6, 10, 10, 0, tzinfo=timezone.utc)
    b = valid_message("child-seen")
    b["timestamp"] = "2026-06-10T10:00:00Z"  # sent when the visit started (v1.1 bounds Bundle.timestamp too)
    assert check(b, at=start - timedelta(minutes=5)).status == 202
    late = check(b, at=start - timedelta(minutes=5, seconds=1))
    assert late.status == 422
    assert {i["expression"][0] for i in late.outcome["issue"]} == {"Bundle.timestamp", f"{E3}.period.start"}
