"""FHIR R4 invariants (hub.core.validation.invariants): each broken in a copy of a valid example is refused
at the element that breaks it; the valid examples and UK Core resources still pass (test_validation_examples,
test_validation_ukcore)."""
from __future__ import annotations

import pytest

E = "Bundle.entry[3].resource"  # the focus resource of each valid example


def _issues(verdict, code="invariant"):
    return {(i["diagnostics"].split(":")[0], e) for i in verdict.outcome["issue"] if i["code"] == code
            for e in i.get("expression", [])}


def _break(res: dict, how: str) -> str:
    """Break one invariant in the focus resource; returns the expected (rule, expression)."""
    if how == "empty object":
        res["bodySite"] = {}
        return "ele-1", f"{E}.bodySite"
    if how == "empty array":
        res["note"] = []
        return "ele-1", f"{E}.note"
    if how == "empty string":
        res["note"][0]["text"] = ""
        return "ele-1", f"{E}.note[0].text"
    if how == "empty object in an array":
        res["performer"].append({})
        return "ele-1", f"{E}.performer[1]"
    if how == "extension without value":
        res["bodySite"]["extension"] = [{"url": "https://example.org/x"}]
        return "ext-1", f"{E}.bodySite.extension[0]"
    if how == "extension with value and extensions":
        res["extension"] = [{"url": "https://example.org/x", "valueString": "a",
                             "extension": [{"url": "y", "valueString": "b"}]}]
        return "ext-1", f"{E}.extension[0]"
    if how == "nested extension without value":
        res["extension"] = [{"url": "https://example.org/x", "extension": [{"url": "y"}]}]
        return "ext-1", f"{E}.extension[0].extension[0]"
    if how == "modifier extension without value":
        res["modifierExtension"] = [{"url": "https://example.org/x"}]
        return "ext-1", f"{E}.modifierExtension[0]"
    if how == "period backwards":
        res["identifier"][0]["period"] = {"start": "2026-07-14T10:45:00+01:00", "end": "2026-07-14T09:00:00+01:00"}
        return "per-1", f"{E}.identifier[0].period.start"
    if how == "dangling local reference":
        res["performer"][0] = {"reference": "#nobody"}
        return "ref-1", f"{E}.performer[0].reference"
    if how == "contained not referred to":
        res["contained"] = [{"resourceType": "Practitioner", "id": "p1"}]
        return "dom-3", f"{E}.contained[0]"
    if how == "contained with contained":
        res["contained"] = [{"resourceType": "Practitioner", "id": "p1",
                             "contained": [{"resourceType": "Organization", "id": "o1"}]}]
        res["performer"].append({"reference": "#p1"})
        return "dom-2", f"{E}.contained[0].contained"
    if how == "contained with versionId":
        res["contained"] = [{"resourceType": "Practitioner", "id": "p1", "meta": {"versionId": "2"}}]
        res["performer"].append({"reference": "#p1"})
        return "dom-4", f"{E}.contained[0].meta"
    if how == "contained with security label":
        res["contained"] = [{"resourceType": "Practitioner", "id": "p1",
                             "meta": {"security": [{"system": "s", "code": "R"}]}}]
        res["performer"].append({"reference": "#p1"})
        return "dom-5", f"{E}.contained[0].meta.security"
    if how == "value and dataAbsentReason":
        res["valueString"] = "2 cm"
        res["dataAbsentReason"] = {"text": "not measured"}
        return "obs-6", f"{E}.dataAbsentReason"
    if how == "component with the observation's code and a value":
        res["component"] = [{"code": {"coding": [dict(res["code"]["coding"][0])]}, "valueString": "x"}]
        return "obs-7", f"{E}.component[0]"
    if how == "empty reference range":
        res["referenceRange"] = [{"type": {"text": "normal"}}]
        return "obs-3", f"{E}.referenceRange[0]"
    raise AssertionError(how)


INJURY_CASES = ["empty object", "empty array", "empty string", "empty object in an array", "extension without value",
                "extension with value and extensions", "nested extension without value",
                "modifier extension without value", "period backwards", "dangling local reference",
                "contained not referred to", "contained with contained", "contained with versionId",
                "contained with security label", "value and dataAbsentReason",
                "component with the observation's code and a value", "empty reference range"]


@pytest.mark.parametrize("how", INJURY_CASES)
def test_invariant_broken_in_an_injury_is_refused_where_it_breaks(check, valid_message, how):
    # GIVEN a valid injury-observed message WHEN one FHIR invariant is broken in its Observation
    msg = valid_message("injury-observed")
    want = _break(msg["entry"][3]["resource"], how)
    verdict = check(msg)
    # THEN 422, with the invariant named at the element that breaks it
    assert verdict.status == 422, verdict.outcome
    assert want in _issues(verdict), verdict.outcome


def test_invariant_a_contained_resource_referred_to_from_the_resource_passes(check, valid_message):
    msg = valid_message("injury-observed")
    res = msg["entry"][3]["resource"]
    res["contained"] = [{"resourceType": "Practitioner", "id": "p1"}]
    res["performer"].append({"reference": "#p1"})
    verdict = check(msg)
    assert verdict.status == 202, verdict.outcome


def test_invariant_extensions_with_a_value_or_with_extensions_pass(check, valid_message):
    msg = valid_message("injury-observed")
    res = msg["entry"][3]["resource"]
    res["extension"] = [{"url": "https://example.org/a", "valueString": "a"},
                        {"url": "https://example.org/b", "extension": [{"url": "c", "valueBoolean": False}]}]
    res["identifier"][0]["period"] = {"start": "2026-07-14", "end": "2026-07-14T09:00:00+01:00"}  # same day
    assert check(msg).status == 202


def test_invariant_ele1_holds_outside_the_resources_too(check, valid_message):
    msg = valid_message("injury-observed")
    msg["meta"] = {}
    msg["entry"][1]["search"] = {}
    verdict = check(msg)
    assert verdict.status == 422
    assert {("ele-1", "Bundle.meta"), ("ele-1", "Bundle.entry[1].search")} <= _issues(verdict)


@pytest.mark.parametrize("status, refused", [("booked", True), ("noshow", False), ("cancelled", False)])
def test_invariant_app4_cancellation_reason_only_when_cancelled_or_no_show(check, valid_message, status, refused):
    msg = valid_message("appointment-outcome")
    res = msg["entry"][3]["resource"]
    res["status"] = status
    res["cancelationReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
                                            "code": "pat"}]}
    verdict = check(msg)
    assert (("app-4", f"{E}.cancelationReason") in _issues(verdict)) is refused, verdict.outcome


def test_invariant_app1_a_participant_needs_a_type_or_an_actor(check, valid_message):
    msg = valid_message("appointment-outcome")
    msg["entry"][3]["resource"]["participant"].append({"status": "accepted"})
    verdict = check(msg)
    assert verdict.status == 422
    assert ("app-1", f"{E}.participant[1]") in _issues(verdict)


def test_invariant_app2_start_without_end_is_a_warning_as_the_contract_asks_only_for_start(check, valid_message):
    msg = valid_message("appointment-outcome")
    del msg["entry"][3]["resource"]["end"]
    verdict = check(msg)
    assert verdict.status == 202, verdict.outcome
    warnings = [i for i in verdict.outcome["issue"] if i["severity"] == "warning"]
    assert [(i["diagnostics"][:5], i["expression"]) for i in warnings if i["code"] == "invariant"] == [
        ("app-2", [f"{E}.end"])]
