"""Publish the contract as JSON Schemas: ``python -m hub.core.validation.schema_export schemas/``.

One schema per registered event (``hub.core.events``): the FHIR R4 structure generated from the pydantic
models (``bundle_adapter().json_schema()``) plus the Bundle, MessageHeader and Patient (§2) and the event's required
content (§4), which its focus module (``validation/events``) declares.
JSON Schema cannot express everything (reference resolution, Modulus 11, time bounds); the
validator is the authority, the schemas are the published, machine-readable shape.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from hub.core.events import EventSpec, event_specs
from hub.core.messages import CS_MESSAGE_EVENT, EXT_EVENT_TYPE, NS_NHS_NUMBER, NS_ODS
from hub.core.validation.json_schema import dt, ext
from hub.core.validation.limits import MAX_FOCUS
from hub.core.validation.values import URN_UUID_RE, UUID_RE
from hub.core.validation.vocabulary import EVENT_TYPES

BASE_ID = "https://safeguarding-hub.example/schemas"


def _focus(spec: EventSpec) -> dict:
    """The focus resource's required content (§4), as JSON Schema: from the event's focus module."""
    rtype = spec.focus_type
    s: dict = {"type": "object", "required": ["resourceType"], "properties": {"resourceType": {"const": rtype}}}
    if rtype != "Patient":
        s["required"].append("identifier")
    return spec.focus_module().focus_schema(s)


def event_schema(spec: EventSpec, structure: dict) -> dict:
    event = spec.code
    defs = structure.get("$defs", {})
    root = {k: v for k, v in structure.items() if k != "$defs"}
    header = {
        "type": "object",
        "required": ["resourceType", "id", "eventCoding", "extension", "source", "sender", "focus"],
        "properties": {
            "resourceType": {"const": "MessageHeader"},
            "id": {"type": "string", "pattern": f"^{UUID_RE.pattern}$"},
            "eventCoding": {"type": "object", "required": ["system", "code"],
                            "properties": {"system": {"const": CS_MESSAGE_EVENT}, "code": {"const": event}}},
            "extension": {"type": "array", "contains": ext(EXT_EVENT_TYPE, "valueCode",
                                                            {"enum": list(EVENT_TYPES)})},
            "source": {"type": "object", "required": ["endpoint", "contact"]},
            # v1.1: an entry of the Bundle (a urn:uuid fullUrl), never a contained resource
            "sender": {"type": "object", "required": ["reference"],
                       "properties": {"reference": {"type": "string", "pattern": "^urn:uuid:"}}},
            "focus": {"type": "array", "minItems": 1, "maxItems": MAX_FOCUS},
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
            "timestamp": dt(),
            "entry": {
                "type": "array",
                "prefixItems": [entry(header)],
                "items": {"type": "object", "properties": {"fullUrl": {
                    "type": "string", "pattern": f"^{URN_UUID_RE.pattern}$"}}},
                "allOf": [{"contains": entry(patient)}, {"contains": entry(sender_org)},
                          {"contains": entry(_focus(spec))}],
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
    return {spec.code: event_schema(spec, structure) for spec in event_specs()}


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
