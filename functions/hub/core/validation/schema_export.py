"""Publish the contract as JSON Schemas: ``python -m hub.core.validation.schema_export schemas/``.

One schema per event code: the FHIR R4 structure generated from the pydantic models
(``bundle_adapter().json_schema()``) plus that event's envelope and required content (§2-4).
JSON Schema cannot express everything (reference resolution, Modulus 11, time bounds); the
validator is the authority, the schemas are the published, machine-readable shape.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from hub.core.messages import (
    CS_CONCEPT,
    CS_MESSAGE_EVENT,
    CS_VACCINE,
    EVENT_CODES,
    EXT_CASE_CLOSURE,
    EXT_CHILD_SEEN,
    EXT_CHILD_SEEN_ALONE,
    EXT_EVENT_TYPE,
    NS_NHS_NUMBER,
    NS_ODS,
)
from hub.core.validation import envelope as env

BASE_ID = "https://safeguarding-hub.example/schemas"
FULL_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def _coding_in(system: str, codes) -> dict:
    return {"type": "object", "required": ["system", "code"],
            "properties": {"system": {"const": system}, "code": {"enum": sorted(codes)}}}


def _cc_with(system: str, codes) -> dict:
    return {"type": "object", "required": ["coding"],
            "properties": {"coding": {"type": "array", "contains": _coding_in(system, codes)}}}


def _ext(url: str, value: str | None = None, value_schema: dict | None = None) -> dict:
    props: dict = {"url": {"const": url}}
    req = ["url"]
    if value:
        props[value] = value_schema or {}
        req.append(value)
    return {"type": "object", "required": req, "properties": props}


def _dt() -> dict:
    return {"type": "string", "pattern": FULL_DATETIME}


def _focus(event: str) -> dict:
    """The focus resource's required content (§4), as JSON Schema."""
    rtype = env.FOCUS_TYPE[event]
    s: dict = {"type": "object", "required": ["resourceType"], "properties": {"resourceType": {"const": rtype}}}
    props, req = s["properties"], s["required"]
    if rtype != "Patient":
        req.append("identifier")
    if event == "child-registered":
        req += ["identifier", "birthDate", "generalPractitioner"]
    elif event == "plan-started":
        req += ["status", "type", "period", "managingOrganization", "careManager", "patient"]
        props["status"] = {"const": "active"}
        props["type"] = {"type": "array", "contains": _cc_with(CS_CONCEPT, env.PLAN_CODES)}
        props["period"] = {"type": "object", "required": ["start"], "properties": {"start": _dt()}}
    elif event == "plan-ended":
        req += ["status", "period", "extension", "patient"]
        props["status"] = {"const": "finished"}
        props["period"] = {"type": "object", "required": ["end"], "properties": {"end": _dt()}}
        closure = _ext(EXT_CASE_CLOSURE)
        closure["required"].append("extension")
        closure["properties"]["extension"] = {"type": "array", "allOf": [
            {"contains": _ext("closedToSocialCare", "valueBoolean", {"type": "boolean"})},
            {"contains": _ext("stepDownPlan", "valueBoolean", {"type": "boolean"})},
        ]}
        props["extension"] = {"type": "array", "contains": closure}
    elif event in ("injury-observed", "concern-recorded", "mobility-assessed"):
        req += ["status", "code", "effectiveDateTime", "subject"]
        props["effectiveDateTime"] = _dt()
        group = {"injury-observed": env.INJURY_CODES, "concern-recorded": env.RISK_CODES,
                 "mobility-assessed": env.MOBILITY_CODES}[event]
        props["code"] = _cc_with(CS_CONCEPT, group)
        if event == "injury-observed":
            props["status"] = {"enum": ["final", "amended", "entered-in-error"]}
            req += ["bodySite", "performer"]
        if event == "mobility-assessed":
            req.append("valueBoolean")
    elif event in ("medical-examination", "child-seen"):
        req += ["type", "period", "subject"]
        codes = env.EXAMINATION_CODES if event == "medical-examination" else env.SEEN_CODES
        props["type"] = {"type": "array", "contains": _cc_with(CS_CONCEPT, codes)}
        props["period"] = {"type": "object", "required": ["start"], "properties": {"start": _dt()}}
        if event == "child-seen":
            req.append("extension")
            props["extension"] = {"type": "array", "allOf": [
                {"contains": _ext(EXT_CHILD_SEEN, "valueBoolean", {"type": "boolean"})},
                {"contains": _ext(EXT_CHILD_SEEN_ALONE, "valueBoolean", {"type": "boolean"})},
            ]}
    elif event == "immunisation-recorded":
        req += ["status", "vaccineCode", "protocolApplied", "occurrenceDateTime", "patient"]
        props["status"] = {"enum": ["completed", "not-done"]}
        props["vaccineCode"] = _cc_with(CS_VACCINE, env.VACCINE_CODES)
        props["occurrenceDateTime"] = _dt()
        props["protocolApplied"] = {"type": "array", "prefixItems": [
            {"type": "object", "required": ["doseNumberPositiveInt"]}]}
        s["if"] = {"properties": {"status": {"const": "not-done"}}}
        s["then"] = {"required": ["statusReason"]}
    elif event == "appointment-outcome":
        req += ["status", "serviceType", "start", "participant"]
        props["status"] = {"enum": ["fulfilled", "noshow", "cancelled"]}
        props["serviceType"] = {"type": "array", "contains": _cc_with(CS_CONCEPT, env.APPOINTMENT_CODES)}
        props["start"] = _dt()
        s["if"] = {"properties": {"status": {"const": "cancelled"}}}
        s["then"] = {"required": ["cancelationReason"]}
    return s


def event_schema(event: str, structure: dict) -> dict:
    defs = structure.get("$defs", {})
    root = {k: v for k, v in structure.items() if k != "$defs"}
    header = {
        "type": "object",
        "required": ["resourceType", "id", "eventCoding", "extension", "source", "sender", "focus"],
        "properties": {
            "resourceType": {"const": "MessageHeader"},
            "id": {"type": "string", "pattern": env.UUID_RE.pattern},
            "eventCoding": {"type": "object", "required": ["system", "code"],
                            "properties": {"system": {"const": CS_MESSAGE_EVENT}, "code": {"const": event}}},
            "extension": {"type": "array", "contains": _ext(EXT_EVENT_TYPE, "valueCode",
                                                            {"enum": list(env.EVENT_TYPES)})},
            "source": {"type": "object", "required": ["endpoint", "contact"]},
            "sender": {"type": "object", "required": ["reference"]},
            "focus": {"type": "array", "minItems": 1},
        },
    }
    patient = {
        "type": "object", "required": ["resourceType", "identifier", "birthDate"],
        "properties": {
            "resourceType": {"const": "Patient"},
            "birthDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "identifier": {"type": "array", "contains": {
                "type": "object", "required": ["system", "value"],
                "properties": {"system": {"const": NS_NHS_NUMBER}, "value": {"type": "string",
                                                                            "pattern": r"^[0-9]{10}$"}}}},
        },
    }
    sender_org = {"type": "object", "required": ["resourceType", "identifier"], "properties": {
        "resourceType": {"const": "Organization"},
        "identifier": {"type": "array", "contains": {
            "type": "object", "required": ["system", "value"],
            "properties": {"system": {"const": NS_ODS}, "value": {"type": "string", "pattern": r"^[A-Z0-9]{3,8}$"}}}},
    }}

    def entry(resource: dict) -> dict:
        return {"type": "object", "required": ["fullUrl", "resource"], "properties": {"resource": resource}}

    contract = {
        "type": "object",
        "required": ["resourceType", "type", "id", "timestamp", "entry"],
        "properties": {
            "resourceType": {"const": "Bundle"},
            "type": {"const": "message"},
            "timestamp": _dt(),
            "entry": {
                "type": "array",
                "prefixItems": [entry(header)],
                "items": {"type": "object", "properties": {"fullUrl": {
                    "type": "string", "pattern": env.URN_UUID_RE.pattern}}},
                "allOf": [{"contains": entry(patient)}, {"contains": entry(sender_org)},
                          {"contains": entry(_focus(event))}],
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_ID}/{event}.schema.json",
        "title": f"Safeguarding Hub message: {event}",
        "description": (f"A FHIR R4 message Bundle carrying the '{event}' event (spec §2-4). Structure generated "
                        "from hub.core.validation.models; reference resolution, NHS number Modulus 11, ODS "
                        "ownership, authorisation and time bounds are checked by the validator only."),
        "allOf": [root, contract],
        "$defs": defs,
    }


def build_all() -> dict[str, dict]:
    from hub.core.validation.models import bundle_adapter

    structure = bundle_adapter().json_schema(by_alias=True)
    return {event: event_schema(event, structure) for event in EVENT_CODES}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for event, schema in build_all().items():
        path = target / f"{event}.schema.json"
        path.write_text(render(schema))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "schemas")
    for path in write(target):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
