"""Build the example messages in events/valid/ and events/invalid/ (deterministic; re-run after contract changes).

    .venv/bin/python events/build_examples.py [DIR]    # DIR defaults to events/

Every event in the registry (hub.core.events) needs an example here; the build stops when one is missing.
"""
from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from hub.core.events import event_spec, event_specs

HUB = "https://safeguarding-hub.example/fhir"
CS = f"{HUB}/CodeSystem/concept"
HERE = Path(__file__).parent

# synthetic NHS numbers from the 999 test range, all passing Modulus 11
CHILD_NHS = "9990012008"
SIBLING_NHS = "9990012016"
HOUSEHOLD = "HH-0001"
BIRTH = "2026-03-10"

AGENCIES = {
    "gp": ("A81001", "Riverside Medical Practice"),
    "hospital": ("RX1", "County Hospitals NHS Trust"),
    "health-visiting": ("HV001", "Northshire Health Visiting Service"),
    "police": ("P42", "Northshire Police"),
    "social-care": ("LA123", "Northshire Council Children's Services"),
}


def u(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://safeguarding-hub.example/examples/{name}"))


def org(kind: str) -> dict:
    ods, name = AGENCIES[kind]
    return {"resourceType": "Organization", "id": f"org-{ods.lower()}",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": ods}],
            "name": name}


def patient(gp: bool = True, nhs: str = CHILD_NHS) -> dict:
    p = {
        "resourceType": "Patient",
        "id": "child",
        "extension": [{"url": f"{HUB}/StructureDefinition/household",
                       "valueIdentifier": {"system": "https://safeguarding-hub.example/Id/household", "value": HOUSEHOLD}}],
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "name": [{"use": "official", "family": "Example", "given": ["Sam"]}],
        "gender": "unknown",
        "birthDate": BIRTH,
    }
    if gp:
        p["generalPractitioner"] = [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                                    "value": "A81001"}, "display": "Riverside Medical Practice"}]
    return p


def message(name: str, event: str, kind: str, timestamp: str, focus: list[dict], extra: list[dict] = (),
            pat: dict | None = None) -> dict:
    spec = event_spec(event)
    if spec is None:
        raise ValueError(f"{event} is not in the event registry (hub.core.events)")
    if spec.accepted_from is not None and kind not in spec.accepted_from:
        raise ValueError(f"{event} is not accepted from {kind}")
    focus_is_patient = spec.patient_element is None
    ods, _ = AGENCIES[kind]
    urls = {k: f"urn:uuid:{u(name + '/' + k)}" for k in ("header", "sender", "patient")}
    focus_urls = [f"urn:uuid:{u(name + '/focus/' + str(i))}" for i in range(len(focus))]
    extra_urls = [f"urn:uuid:{u(name + '/extra/' + str(i))}" for i in range(len(extra))]
    refs = {"PATIENT": urls["patient"], "SENDER": urls["sender"],
            **{f"EXTRA{i}": x for i, x in enumerate(extra_urls)}}

    def fix(node):
        if isinstance(node, dict):
            return {k: (refs.get(v, v) if k == "reference" else fix(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [fix(v) for v in node]
        return node

    header = {
        "resourceType": "MessageHeader",
        "id": u(name + "/message-id"),
        "extension": [{"url": f"{HUB}/StructureDefinition/message-event-type", "valueCode": "new"}],
        "eventCoding": {"system": f"{HUB}/CodeSystem/message-event", "code": event},
        "source": {"name": AGENCIES[kind][1], "endpoint": f"https://{ods.lower()}.agency.example/fhir",
                   "contact": {"system": "email", "value": f"safeguarding.{ods.lower()}@agency.example"}},
        "sender": {"reference": urls["sender"], "display": AGENCIES[kind][1]},
        "focus": [{"reference": url} for url in focus_urls],
    }
    entries = [{"fullUrl": urls["header"], "resource": header},
               {"fullUrl": urls["sender"], "resource": org(kind)}]
    if not focus_is_patient:
        entries.append({"fullUrl": urls["patient"], "resource": pat or patient()})
    for url, res in zip(focus_urls, focus):
        entries.append({"fullUrl": url, "resource": fix(res)})
    for url, res in zip(extra_urls, extra):
        entries.append({"fullUrl": url, "resource": fix(res)})
    if focus_is_patient:
        header["focus"] = [{"reference": focus_urls[0]}]
    return {"resourceType": "Bundle", "id": u(name + "/bundle"), "type": "message", "timestamp": timestamp,
            "entry": entries}


def ident(kind: str, value: str) -> list[dict]:
    return [{"system": f"https://{AGENCIES[kind][0].lower()}.agency.example/Id/records", "value": value}]


def concept(code: str, display: str | None = None) -> dict:
    c = {"system": CS, "code": code}
    if display:
        c["display"] = display
    return {"coding": [c]}


def build() -> dict[str, dict]:
    ex: dict[str, dict] = {}
    gp_patient = patient()
    ex["child-registered"] = message("child-registered", "child-registered", "gp", "2026-03-20T09:15:00Z",
                                     [gp_patient])
    ex["plan-started"] = message("plan-started", "plan-started", "social-care", "2026-06-01T14:05:00+01:00", [{
        "resourceType": "EpisodeOfCare", "id": "cp-plan-1", "identifier": ident("social-care", "CPP-1001"),
        "status": "active",
        "type": [{"coding": [{"system": CS, "code": "child-protection-plan"}, {"system": CS, "code": "neglect"}]}],
        "patient": {"reference": "PATIENT"},
        "managingOrganization": {"reference": "SENDER"},
        "period": {"start": "2026-06-01T10:00:00+01:00"},
        "careManager": {"reference": "EXTRA0", "display": "Lead social worker"},
    }], extra=[{"resourceType": "Practitioner", "id": "sw-1",
                "identifier": [{"system": "https://la123.agency.example/Id/staff", "value": "SW-77"}],
                "name": [{"family": "Worker", "given": ["Lead"]}]}])
    ex["plan-ended"] = message("plan-ended", "plan-ended", "social-care", "2026-10-02T16:00:00+01:00", [{
        "resourceType": "EpisodeOfCare", "id": "cp-plan-1", "identifier": ident("social-care", "CPP-1001"),
        "status": "finished",
        "extension": [{"url": f"{HUB}/StructureDefinition/case-closure", "extension": [
            {"url": "closedToSocialCare", "valueBoolean": True},
            {"url": "stepDownPlan", "valueBoolean": True},
            {"url": "stepDownPlanType", "valueCode": "early-help"},
            {"url": "stepDownTo", "valueReference": {"identifier": {
                "system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "HV001"}}},
        ]}],
        "type": [concept("child-protection-plan")],
        "patient": {"reference": "PATIENT"},
        "managingOrganization": {"reference": "SENDER"},
        "period": {"start": "2026-06-01T10:00:00+01:00", "end": "2026-10-02T12:00:00+01:00"},
    }])
    ex["injury-observed"] = message("injury-observed", "injury-observed", "hospital", "2026-07-14T11:30:00+01:00", [{
        "resourceType": "Observation", "id": "inj-1", "identifier": ident("hospital", "ED-55501"),
        "status": "final",
        "code": {"coding": [{"system": CS, "code": "bruise", "display": "Bruise"},
                            {"system": "http://snomed.info/sct", "code": "125667009", "display": "Contusion"}]},
        "subject": {"reference": "PATIENT"},
        "effectiveDateTime": "2026-07-14T10:45:00+01:00",
        "bodySite": {"text": "left cheek"},
        "performer": [{"identifier": {"system": "https://rx1.agency.example/Id/staff", "value": "DR-12"},
                       "display": "Emergency department doctor"}],
        "note": [{"text": "Bruise about 2 cm noted at triage."}],
    }])
    ex["medical-examination"] = message("medical-examination", "medical-examination", "hospital",
                                        "2026-07-14T17:00:00+01:00", [{
        "resourceType": "Encounter", "id": "exam-1", "identifier": ident("hospital", "ENC-8801"),
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [concept("cp-medical", "Child protection medical")],
        "subject": {"reference": "PATIENT"},
        "period": {"start": "2026-07-14T15:00:00+01:00", "end": "2026-07-14T16:00:00+01:00"},
        "reasonReference": [{"identifier": ident("hospital", "ED-55501")[0]}],
    }])
    ex["immunisation-recorded"] = message("immunisation-recorded", "immunisation-recorded", "gp",
                                          "2026-05-06T12:00:00+01:00", [{
        "resourceType": "Immunization", "id": "imm-1", "identifier": ident("gp", "IMM-3001"),
        "extension": [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure",
                       "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct",
                                                            "code": "1082441000000108"}]}}],
        "status": "completed",
        "vaccineCode": {"coding": [{"system": f"{HUB}/CodeSystem/vaccine", "code": "6-in-1"}]},
        "patient": {"reference": "PATIENT"},
        "occurrenceDateTime": "2026-05-05T10:20:00+01:00",
        "protocolApplied": [{"doseNumberPositiveInt": 1}],
    }, {
        "resourceType": "Immunization", "id": "imm-2", "identifier": ident("gp", "IMM-3002"),
        "status": "completed",
        "vaccineCode": {"coding": [{"system": f"{HUB}/CodeSystem/vaccine", "code": "rotavirus"}]},
        "patient": {"reference": "PATIENT"},
        "occurrenceDateTime": "2026-05-05T10:25:00+01:00",
        "protocolApplied": [{"doseNumberPositiveInt": 1}],
    }])
    ex["appointment-outcome"] = message("appointment-outcome", "appointment-outcome", "health-visiting",
                                        "2026-08-03T09:00:00+01:00", [{
        "resourceType": "Appointment", "id": "appt-1", "identifier": ident("health-visiting", "APT-4410"),
        "status": "noshow",
        "serviceType": [concept("health-visiting")],
        "start": "2026-08-02T10:00:00+01:00",
        "end": "2026-08-02T10:30:00+01:00",
        "participant": [{"actor": {"reference": "PATIENT"}, "status": "declined"}],
    }])
    ex["child-seen"] = message("child-seen", "child-seen", "health-visiting", "2026-06-10T15:00:00+01:00", [{
        "resourceType": "Encounter", "id": "visit-1", "identifier": ident("health-visiting", "HV-VIS-201"),
        "extension": [{"url": f"{HUB}/StructureDefinition/child-seen", "valueBoolean": True},
                      {"url": f"{HUB}/StructureDefinition/child-seen-alone", "valueBoolean": False}],
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH"},
        "type": [concept("home-visit")],
        "subject": {"reference": "PATIENT"},
        "period": {"start": "2026-06-10T11:00:00+01:00"},
    }])
    ex["concern-recorded"] = message("concern-recorded", "concern-recorded", "police", "2026-06-20T02:10:00+01:00", [{
        "resourceType": "Observation", "id": "concern-1", "identifier": ident("police", "INC-90210"),
        "status": "final",
        "code": concept("domestic-abuse", "Domestic abuse"),
        "subject": {"reference": "PATIENT"},
        "focus": [{"reference": "EXTRA0"}],
        "effectiveDateTime": "2026-06-19T23:40:00+01:00",
    }], extra=[{"resourceType": "RelatedPerson", "id": "parent-1", "patient": {"reference": "PATIENT"},
                "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                                              "code": "MTH"}]}],
                "name": [{"family": "Example", "given": ["Alex"]}]}])
    ex["mobility-assessed"] = message("mobility-assessed", "mobility-assessed", "health-visiting",
                                      "2026-05-01T13:00:00+01:00", [{
        "resourceType": "Observation", "id": "mob-1", "identifier": ident("health-visiting", "HV-MOB-17"),
        "status": "final",
        "code": concept("independently-mobile"),
        "subject": {"reference": "PATIENT"},
        "effectiveDateTime": "2026-05-01T10:00:00+01:00",
        "valueBoolean": False,
    }])
    # a GP given as a reference to an Organization entry, and a sibling in the same household
    sib = patient(nhs=SIBLING_NHS)
    sib["id"] = "sibling"
    sib["birthDate"] = "2024-01-15"
    sib["generalPractitioner"] = [{"reference": "EXTRA0"}]
    ex["child-registered.gp-reference"] = message("child-registered-2", "child-registered", "gp",
                                                  "2026-03-21T09:15:00Z", [sib], extra=[org("gp")])
    missing = [spec.code for spec in event_specs() if spec.code not in ex]
    if missing:
        raise SystemExit(f"no example for the registered event(s) {', '.join(missing)}: add one to build()")
    return ex


def main_valid(valid: dict[str, dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, msg in valid.items():
        (out / f"{name}.json").write_text(json.dumps(msg, indent=2) + "\n")
        print(name)


# ---- invalid examples: NAME.json + NAME.expected.json (the issues that must appear) ------------------
E0, E1, E2, E3 = (f"Bundle.entry[{i}].resource" for i in range(4))


def _invalid(valid: dict[str, dict]):
    """-> (name, body: dict | bytes, status, [(code, expression)][, caller]); a caller {ods, kind} where the
    verdict depends on who sends it (authorisation, spec §1)."""
    import copy

    def m(name):
        return copy.deepcopy(valid[name])

    out = []
    b = m("injury-observed")
    b["entry"][2]["resource"]["identifier"][0]["value"] = "9912003814"
    out.append(("bad-nhs-number", b, 422, [("value", f"{E2}.identifier[0].value")]))

    b = m("injury-observed")
    b["entry"][3]["resource"]["colour"] = "purple"
    out.append(("unknown-element", b, 422, [("structure", f"{E3}.colour")]))

    b = m("injury-observed")
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "domestic-abuse"
    out.append(("injury-with-risk-code", b, 422, [("code-invalid", f"{E3}.code.coding[0].code")]))

    b = m("injury-observed")
    b["entry"][3]["resource"]["subject"]["reference"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    out.append(("unresolved-reference", b, 422, [("not-found", f"{E3}.subject.reference")]))

    b = m("injury-observed")
    b["entry"][3]["resource"]["effectiveDateTime"] = "2031-01-01T10:00:00Z"
    out.append(("effective-in-future", b, 422, [("business-rule", f"{E3}.effectiveDateTime")]))

    b = m("injury-observed")
    b["entry"][3]["resource"]["effectiveDateTime"] = "2026-07-14"
    out.append(("effective-without-time", b, 422, [("value", f"{E3}.effectiveDateTime")]))

    b = m("injury-observed")
    del b["entry"][3]["resource"]["bodySite"]
    del b["entry"][3]["resource"]["performer"]
    out.append(("injury-missing-body-site-and-performer", b, 422,
                [("required", f"{E3}.bodySite"), ("required", f"{E3}.performer")]))

    b = m("child-seen")
    b["entry"][0]["resource"]["extension"] = [{"url": "https://example.org/other", "valueString": "x"}]
    out.append(("missing-event-type", b, 422, [("required", f"{E0}.extension")]))

    b = m("child-seen")
    b["entry"][3]["fullUrl"] = b["entry"][2]["fullUrl"]
    out.append(("duplicate-fullurl", b, 422, [("duplicate", "Bundle.entry[3].fullUrl")]))

    b = m("child-seen")
    b["type"] = "collection"
    b["entry"][0]["resource"]["id"] = "not-a-uuid"
    out.append(("not-a-message", b, 422, [("value", "Bundle.type"), ("value", f"{E0}.id")]))

    b = m("child-seen")
    b["entry"][3]["resource"]["extension"] = b["entry"][3]["resource"]["extension"][:1]
    out.append(("child-seen-without-seen-alone", b, 422, [("required", f"{E3}.extension")]))

    b = m("plan-started")
    b["entry"][0]["resource"]["focus"] = [{"reference": b["entry"][2]["fullUrl"]}]
    out.append(("plan-focus-is-patient", b, 422, [("invalid", f"{E0}.focus[0]")]))

    b = m("plan-started")
    b["entry"][3]["resource"]["type"][0]["coding"] = b["entry"][3]["resource"]["type"][0]["coding"][:1]
    del b["entry"][3]["resource"]["careManager"]
    out.append(("cp-plan-without-category", b, 422, [("required", f"{E3}.type"), ("required", f"{E3}.careManager")]))

    b = m("plan-ended")
    b["entry"][3]["resource"]["extension"][0]["extension"] = b["entry"][3]["resource"]["extension"][0]["extension"][:2]
    out.append(("step-down-without-type", b, 422, [("required", f"{E3}.extension[0].extension")]))

    b = m("immunisation-recorded")
    b["entry"][3]["resource"]["status"] = "not-done"
    b["entry"][3]["resource"]["vaccineCode"]["coding"][0]["code"] = "flu"
    out.append(("immunisation-not-done-without-reason", b, 422,
                [("required", f"{E3}.statusReason"), ("code-invalid", f"{E3}.vaccineCode.coding[0].code")]))

    b = m("appointment-outcome")
    b["entry"][3]["resource"]["status"] = "cancelled"
    out.append(("appointment-cancelled-without-reason", b, 422, [("required", f"{E3}.cancelationReason")]))

    b = m("concern-recorded")
    b["entry"][1]["resource"]["identifier"][0]["value"] = "p42"
    out.append(("sender-ods-lower-case", b, 422, [("value", f"{E1}.identifier[0].value")]))

    b = m("mobility-assessed")
    b["entry"][3]["resource"]["valueString"] = "yes"
    out.append(("two-values", b, 422, [("structure", E3)]))

    b = m("child-registered")
    del b["entry"][2]["resource"]["generalPractitioner"]
    b["entry"][2]["resource"]["birthDate"] = "2026-02-30"
    out.append(("registration-without-gp", b, 422,
                [("required", f"{E2}.generalPractitioner"), ("value", f"{E2}.birthDate")]))

    b = m("medical-examination")
    b["entry"][0]["resource"]["eventCoding"]["code"] = "examination"
    b["entry"][3]["resource"]["period"]["start"] = "2026-07-14T15:00:00"
    b["entry"][3]["resource"]["class"] = "AMB"
    out.append(("many-faults", b, 422, [("code-invalid", f"{E0}.eventCoding.code"),
                                        ("structure", f"{E3}.class")]))

    text = json.dumps(valid["child-seen"]).encode()
    out.append(("truncated", text[: len(text) // 2], 400, [("structure", None)]))
    out.append(("top-level-array", b"[" + text + b"]", 400, [("structure", None)]))
    dup = text.replace(b'"type": "message"', b'"type": "message", "type": "message"', 1)
    out.append(("duplicate-key", dup, 422, [("structure", "Bundle.type")]))
    out += _invalid_v1_1(m, text)
    return out


def _invalid_v1_1(m, text: bytes):
    """The contract v1.1 changes, one example each."""
    out = []
    b = m("concern-recorded")
    b["timestamp"] = "9999-12-31T23:59:59-14:00"  # sent "later" than anything, to win every "latest"
    out.append(("timestamp-after-receipt", b, 422, [("business-rule", "Bundle.timestamp")]))

    b = m("child-registered")
    b["entry"][2]["resource"]["identifier"][0]["value"] = CHILD_NHS + "\n"
    out.append(("nhs-number-with-line-break", b, 422, [("value", f"{E2}.identifier[0].value")]))

    b = m("child-registered")
    b["entry"][2]["resource"]["extension"][0]["valueIdentifier"]["value"] = HOUSEHOLD + " "
    out.append(("household-with-trailing-space", b, 422,
                [("value", f"{E2}.extension[0].valueIdentifier.value")]))

    b = m("concern-recorded")
    header = b["entry"][0]["resource"]
    header["contained"] = [{"resourceType": "Organization", "id": "o1", "identifier": [
        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": AGENCIES["gp"][0]}]}]
    header["sender"] = {"reference": "#o1"}
    out.append(("sender-contained", b, 422, [("invalid", f"{E0}.sender")]))

    b = m("child-registered")
    police = AGENCIES["police"][0]
    b["entry"][1]["resource"]["identifier"][0]["value"] = police
    out.append(("child-registered-by-police", b, 403, [("forbidden", f"{E0}.eventCoding.code")],
                {"ods": police, "kind": "police"}))

    b = m("injury-observed")
    b["entry"] += [{"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'bad/{k}')}",
                    "resource": {"resourceType": "Basic"}} for k in range(120)]
    out.append(("too-many-issues", b, 422, [("not-supported", "Bundle.entry[4].resource"), ("too-costly", "Bundle")]))

    out.append(("byte-order-mark", b"\xef\xbb\xbf" + text, 400, [("structure", "Bundle")]))
    return out


def main_invalid(valid: dict[str, dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, body, status, issues, *caller in _invalid(valid):
        raw = body if isinstance(body, bytes) else (json.dumps(body, indent=2) + "\n").encode()
        (out / f"{name}.json").write_bytes(raw)
        expected = {"status": status, "issues": [{"code": c, **({"expression": e} if e else {})} for c, e in issues]}
        if caller:
            expected["caller"] = caller[0]
        (out / f"{name}.expected.json").write_text(json.dumps(expected, indent=2) + "\n")
        print("invalid/", name)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else HERE
    valid = build()
    main_valid(valid, root / "valid")
    main_invalid(valid, root / "invalid")


if __name__ == "__main__":
    main()
