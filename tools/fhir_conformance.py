"""The hub's FHIR conformance resources, built from what the code already declares.

- CapabilityStatement: messaging (the events of the registry, the $process-message endpoint, the reliable
  cache of MessageHeader.id), REST (every API route of template.yaml), security (API key; mutual TLS option);
- one MessageDefinition per event of `hub.core.events.REGISTRY` (focus type, accepted sender kinds);
- CodeSystems and ValueSets from `hub.core.validation.vocabulary` and the registry;
- the hub's extensions as StructureDefinitions.

Used by tools/build_fhir_package.py (`make fhir-package`); the hub serves the files it writes.
"""
from __future__ import annotations

from hub import __version__
from hub.core.events import event_specs
from hub.core.messages import AGENCY_KINDS, HUB
from hub.core.validation import vocabulary as voc

DATE = "2026-11-30"  # the contract v1.1 release these resources describe; bump with a new release
PUBLISHER = "Safeguarding Hub"
FHIR_VERSION = "4.0.1"
RELIABLE_CACHE_MINUTES = 7 * 24 * 60  # MessageHeader.id is the idempotency key for 7 days (service/ingest.py)
R4 = "http://hl7.org/fhir"

CONCEPT_GROUPS: dict[str, tuple[frozenset, str]] = {  # group -> (codes, where it is used)
    "injury": (voc.INJURY_CODES, "Observation.code of injury-observed"),
    "risk-factor": (voc.RISK_CODES, "Observation.code of concern-recorded"),
    "mobility": (voc.MOBILITY_CODES, "Observation.code of mobility-assessed (with valueBoolean)"),
    "plan-type": (voc.PLAN_CODES, "EpisodeOfCare.type of plan-started and plan-ended"),
    "cp-category": (voc.CP_CATEGORY_CODES, "an extra EpisodeOfCare.type coding on a child protection plan"),
    "examination-type": (voc.EXAMINATION_CODES, "Encounter.type of medical-examination"),
    "contact-type": (voc.SEEN_CODES, "Encounter.type of child-seen"),
    "appointment-service": (voc.APPOINTMENT_CODES, "Appointment.serviceType of appointment-outcome"),
}
DEFINITIONS = {
    "parent-care-history": "A parent was looked after, or on a child protection plan, as a child.",
    "cp-medical": "A child protection medical by a paediatrician.",
    "independently-mobile": "Whether the child moves about independently (valueBoolean).",
    "child-protection-plan": "A child protection plan (Children Act 1989, s47).",
    "child-in-need-plan": "A child in need plan (Children Act 1989, s17).",
    "5-in-1": "DTaP/IPV/Hib.",
    "new": "A new record.", "update": "Replaces the record with the same focus id and identifier.",
    "cancel": "The record was entered in error; it no longer counts for any rule.",
}
EVENT_TYPES = ("new", "update", "cancel")

# url tail -> (title, context resource, value type or sub-extensions {name: (type, min, description)}, description)
EXTENSIONS: dict[str, tuple] = {
    "message-event-type": ("Message event type", "MessageHeader", "code",
                           "Whether the message records something new, updates or cancels an earlier record."),
    "household": ("Household", "Patient", "Identifier",
                  "Groups siblings: system https://safeguarding-hub.example/Id/household."),
    "case-closure": ("Case closure", "EpisodeOfCare", {
        "closedToSocialCare": ("boolean", 1, "The case is closed to children's social care."),
        "stepDownPlan": ("boolean", 1, "A step-down plan follows."),
        "stepDownPlanType": ("code", 0, "The step-down plan's type (a plan-type code), when there is one."),
        "stepDownTo": ("Reference", 0, "The Organization leading the step-down plan."),
    }, "How a plan ended (required on plan-ended)."),
    "child-seen": ("Child seen", "Encounter", "boolean", "Whether the child was seen at the visit or contact."),
    "child-seen-alone": ("Child seen alone", "Encounter", "boolean", "Whether the child was seen alone."),
    "original-message-id": ("Original message id", "MessageHeader", "id",
                            "On a copy the hub delivers: the MessageHeader.id of the message the agency sent."),
    "ingest-status": ("Ingest status", "OperationOutcome", "integer",
                      "On a POST /$validate reply: the HTTP status POST /$process-message would answer "
                      "(202 accepted, 400, 403, 413, 415 or 422)."),
}


def _pascal(code: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in code.replace("-", " ").split())


def _display(code: str) -> str:
    return code.replace("-", " ").capitalize()


def _meta(resource_type: str, rid: str, title: str, description: str) -> dict:
    return {"resourceType": resource_type, "id": rid, "url": f"{HUB}/{resource_type}/{rid}", "version": __version__,
            "name": _pascal(rid), "title": title, "status": "active", "experimental": False, "date": DATE,
            "publisher": PUBLISHER, "description": description}


def _kinds(spec) -> str:
    allowed = sorted(spec.accepted_from) if spec.accepted_from is not None else list(AGENCY_KINDS)
    refused = [k for k in AGENCY_KINDS if k not in allowed]
    if not refused:
        return "every agency kind"
    return ", ".join(allowed) if len(allowed) <= len(refused) else f"every agency kind but {', '.join(refused)}"


# ---------------------------------------------------------------- code systems and value sets
def _code_system(rid: str, title: str, description: str, concepts: list[dict], **extra) -> dict:
    return {**_meta("CodeSystem", rid, title, description), "caseSensitive": True,
            "valueSet": f"{HUB}/ValueSet/{rid}", "content": "complete", "count": len(concepts), **extra,
            "concept": concepts}


def _concept(code: str, definition: str | None = None, **extra) -> dict:
    out = {"code": code, "display": _display(code)}
    if definition or code in DEFINITIONS:
        out["definition"] = definition or DEFINITIONS[code]
    return {**out, **extra}


def code_systems() -> list[dict]:
    events = [_concept(s.code, f"Focus: {s.focus_type}. Accepted from {_kinds(s)}.") for s in event_specs()]
    groups: dict[str, str] = {}
    for group, (codes, _) in CONCEPT_GROUPS.items():
        for code in codes:
            groups.setdefault(code, group)  # examination and contact types are both Encounter.type codes
    concepts = [_concept(c, **{"property": [{"code": "group", "valueCode": groups[c]}]}) for c in sorted(voc.CONCEPT_CODES)]
    return [
        _code_system("message-event", "Message events", "MessageHeader.eventCoding of the hub's messages "
                     "(contract section 4).", events),
        _code_system("message-event-type", "Message event types", "The valueCode of the message-event-type "
                     "extension.", [_concept(c) for c in EVENT_TYPES]),
        _code_system("concept", "Hub concepts", "Injury, risk factor, mobility, plan, child protection category, "
                     "encounter and appointment codes (contract section 3). SNOMED CT codings may sit alongside.",
                     concepts, property=[{"code": "group", "description": "The binding group: its ValueSet of the same "
                                          "name says where the code is used.", "type": "code"}]),
        _code_system("vaccine", "Vaccines", "Immunization.vaccineCode (contract section 3). A dm+d product coding "
                     "may sit alongside.", [_concept(c) for c in sorted(voc.VACCINE_CODES)]),
        _code_system("agency-kind", "Agency kinds", "The kind of organisation an API key is issued to; it decides "
                     "which events it may send.", [_concept(k) for k in (*AGENCY_KINDS, "commissioner")]),
    ]


def _value_set(rid: str, title: str, description: str, system: str, codes) -> dict:
    return {**_meta("ValueSet", rid, title, description), "immutable": False,
            "compose": {"include": [{"system": f"{HUB}/CodeSystem/{system}",
                                     "concept": [{"code": c} for c in sorted(codes)]}]}}


def value_sets() -> list[dict]:
    out = [_value_set("message-event", "Message events", "Every event code.", "message-event",
                      [s.code for s in event_specs()]),
           _value_set("message-event-type", "Message event types", "new, update, cancel.", "message-event-type",
                      EVENT_TYPES),
           _value_set("vaccine", "Vaccines", "Every hub vaccine code.", "vaccine", voc.VACCINE_CODES),
           _value_set("agency-kind", "Agency kinds", "Every agency kind.", "agency-kind", (*AGENCY_KINDS, "commissioner"))]
    out += [_value_set(group, _display(group), f"Codes for {where}.", "concept", codes)
            for group, (codes, where) in CONCEPT_GROUPS.items()]
    return out


# ---------------------------------------------------------------- extensions
def _element(path: str, eid: str | None = None, **props) -> dict:
    return {"id": eid or path, "path": path, **props}


def _value_type(vtype: str) -> list[dict]:
    if vtype == "Reference":
        return [{"code": "Reference", "targetProfile": [f"{R4}/StructureDefinition/Organization"]}]
    return [{"code": vtype}]


def extension(tail: str) -> dict:
    title, context, value, description = EXTENSIONS[tail]
    url = f"{HUB}/StructureDefinition/{tail}"
    elements = [_element("Extension", short=title, definition=description, min=0, max="1")]
    if isinstance(value, dict):
        elements.append(_element("Extension.extension", slicing={"discriminator": [{"type": "value", "path": "url"}],
                                                                 "rules": "open"}, min=1))
        for name, (vtype, low, text) in value.items():
            sid = f"Extension.extension:{name}"
            elements += [_element("Extension.extension", sid, sliceName=name, short=text, definition=text, min=low, max="1"),
                         _element("Extension.extension.url", f"{sid}.url", fixedUri=name),
                         _element("Extension.extension.value[x]", f"{sid}.value[x]", min=1, type=_value_type(vtype))]
        elements += [_element("Extension.url", fixedUri=url), _element("Extension.value[x]", max="0")]
    else:
        value_el = _element("Extension.value[x]", min=1, type=_value_type(value))
        if tail == "message-event-type":
            value_el["binding"] = {"strength": "required", "valueSet": f"{HUB}/ValueSet/message-event-type"}
        elements += [_element("Extension.extension", max="0"), _element("Extension.url", fixedUri=url), value_el]
    return {**_meta("StructureDefinition", tail, title, description), "fhirVersion": FHIR_VERSION,
            "kind": "complex-type", "abstract": False, "context": [{"type": "element", "expression": context}],
            "type": "Extension", "baseDefinition": f"{R4}/StructureDefinition/Extension", "derivation": "constraint",
            "differential": {"element": elements}}


# ---------------------------------------------------------------- messages
def message_definition(spec) -> dict:
    return {**_meta("MessageDefinition", spec.code, f"{_display(spec.code)} message",
                    f"A {spec.code} message: a FHIR R4 message Bundle whose MessageHeader focuses on "
                    f"{spec.focus_type} resources. Accepted from {_kinds(spec)}; the sender is the authenticated "
                    "agency. Contract section 4 lists the content each event requires."),
            "purpose": f"Tell the safeguarding partners of a {spec.code.replace('-', ' ')}; "
                       "the hub routes minimised copies and runs the safeguarding rules on it.",
            "eventCoding": {"system": f"{HUB}/CodeSystem/message-event", "code": spec.code},
            "category": "notification",
            "focus": [{"code": spec.focus_type, "min": 1, "max": "*"}],
            "responseRequired": "always"}


# ---------------------------------------------------------------- capability statement
def _operation(name: str, definition: str, documentation: str) -> dict:
    return {"name": name, "definition": definition, "documentation": documentation}


def capability_statement(routes: list[dict]) -> dict:
    """`routes`: {"method", "path", "public"} for each API route of template.yaml."""
    defs = {"process-message": f"{R4}/OperationDefinition/MessageHeader-process-message",
            "validate": f"{R4}/OperationDefinition/Resource-validate"}
    docs = {"process-message": "Submit a FHIR R4 message Bundle: 202 accepted, 200 replay, 400, 401, 403, 409, "
                               "413, 415, 422 (an OperationOutcome locating every fault by FHIRPath).",
            "validate": "The full ingest verdict on a message Bundle, with no side effect: the same statuses as "
                        "$process-message (200 where it would accept), the same OperationOutcome, and the "
                        "extension ingest-status; recorded in the audit log as a validation only."}
    system_ops, resources = [], {}
    for r in routes:
        first = r["path"].strip("/").split("/")[0]
        if first.startswith("$"):
            name = first[1:]
            system_ops.append(_operation(name, defs.get(name, f"{HUB}/OperationDefinition/{name}"),
                                         docs.get(name, f"{r['method']} {r['path']}")))
        elif first[:1].isupper():
            res = resources.setdefault(first, {"type": first, "interaction": [], "operation": []})
            tail = r["path"].strip("/").split("/")[1:]
            if tail and tail[-1].startswith("$"):
                res["operation"].append(_operation(tail[-1][1:], f"{HUB}/OperationDefinition/{first}-{tail[-1][1:]}",
                                                   f"{r['method']} {r['path']}"))
            else:
                code = "read" if tail else "search-type"
                if {"code": code} not in res["interaction"]:
                    res["interaction"].append({"code": code})
    table = "\n".join(f"| {r['method']} | `{r['path']}` | {'public' if r['public'] else 'API key'} |" for r in routes)
    rest = {"mode": "server",
            "documentation": "Every route of the hub's API:\n\n| method | path | authentication |\n|---|---|---|\n"
                             f"{table}\n\nAn unknown route or method answers 404 with an OperationOutcome. "
                             "X-Correlation-ID, when sent, is echoed on every reply and logged.",
            "security": {
                "cors": False,
                "service": [{"text": "API key"},
                            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "Certificates"}], "text": "Mutual TLS (a deployment option)"}],
                "description": "Each agency holds API keys issued by the hub operator for its ODS code and kind: "
                               "`Authorization: Bearer sgh_<key_id>_<secret>` or `x-api-key: sgh_<key_id>_<secret>`. "
                               "The sender of a message is the authenticated agency. A deployment may add mutual "
                               "TLS (API Gateway custom domain with a truststore). GET /metadata and the "
                               "conformance resources are public: they describe the API and hold no data."},
            "resource": [{k: v for k, v in res.items() if v} for res in resources.values()],
            "operation": system_ops}
    events = list(event_specs())
    return {**_meta("CapabilityStatement", "safeguarding-hub", "Safeguarding Hub",
                    "A FHIR R4 messaging hub between safeguarding partners: agencies send message Bundles to "
                    "$process-message; the hub validates, records, routes minimised copies and raises alerts."),
            "kind": "instance",
            "software": {"name": "Safeguarding Hub", "version": __version__},
            "implementation": {"description": "Safeguarding Hub API", "url": HUB},
            "fhirVersion": FHIR_VERSION, "format": ["application/fhir+json", "json"],
            "rest": [rest],
            "messaging": [{
                "endpoint": [{"protocol": {"system": "http://terminology.hl7.org/CodeSystem/message-transport",
                                           "code": "http"}, "address": f"{HUB}/$process-message"}],
                "reliableCache": RELIABLE_CACHE_MINUTES,
                "documentation": "Agencies POST message Bundles to $process-message; the hub delivers minimised, "
                                 "re-addressed copies of the events to the agencies entitled to them.",
                "supportedMessage": [{"mode": mode, "definition": f"{HUB}/MessageDefinition/{s.code}"}
                                     for mode in ("receiver", "sender") for s in events]}]}


def resources(routes: list[dict]) -> list[dict]:
    return [capability_statement(routes), *[message_definition(s) for s in event_specs()], *code_systems(),
            *value_sets(), *[extension(t) for t in EXTENSIONS]]
