"""Checks shared by the focus modules (``validation/events``): clinical times, the reference to the child,
the business identifier, hub concept codes, boolean extensions, and the status or type codings that
several events of one resource type share."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from hub.core.messages import CS_CONCEPT
from hub.core.validation.limits import EARLIEST, MAX_IDENTIFIER, MAX_SYSTEM
from hub.core.validation.outcome import snippet
from hub.core.validation.values import (
    CLOCK_SKEW, as_dict, as_list, as_str, identifier_key, months_before, parse_datetime, token_ok,
)
from hub.core.validation.vocabulary import CP_CATEGORY_CODES, OBSERVATION_STATUSES, PLAN_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def clinical_time(c: MessageChecker, res: dict, path: str, element: str, required: bool = True) -> datetime | None:
    """A full dateTime no later than receipt plus 5 minutes and no earlier than 12 months before birth."""
    value = res
    parts = element.split(".")
    for part in parts:
        value = as_dict(value).get(part) if isinstance(value, dict) else None
    full = f"{path}.{element}"
    if value is None:
        if required:
            c.err("required", f"{element} is required (a full dateTime with a time zone)", full)
        return None
    dt = parse_datetime(value)
    if dt is None:
        c.err("value", f"{element} must be a full dateTime with a time zone", full)
        return None
    if dt > c.now + CLOCK_SKEW:
        c.err("business-rule", f"{element} is later than receipt plus 5 minutes", full)
    elif c.birth is not None and dt.date() < months_before(c.birth, 12):
        c.err("business-rule", f"{element} is more than 12 months before the child's birth", full)
    elif dt < EARLIEST:  # the birthDate may have failed: the floor still holds
        c.err("business-rule", f"{element} is before {EARLIEST.date().isoformat()}", full)
    return dt


def check_patient_ref(c: MessageChecker, res: dict, path: str, element: str) -> None:
    """The focus names the Patient entry in ``element`` (the event's ``patient_element``)."""
    rtype = res.get("resourceType")
    if "." in element:  # one item of a list names the child, e.g. Appointment.participant.actor
        outer, inner = element.split(".", 1)
        if not any(as_str(as_dict(as_dict(pp).get(inner)).get("reference")) == c.patient_url and c.patient_url
                   for pp in as_list(res.get(outer))):
            c.err("required", f"{rtype}.{element} must reference the Patient entry", f"{path}.{outer}")
        return
    ref = res.get(element)
    if not isinstance(ref, dict):
        c.err("required", f"{rtype}.{element} must reference the Patient entry", f"{path}.{element}")
    elif c.patient_url is None or as_str(ref.get("reference")) != c.patient_url:
        c.err("invalid", f"{rtype}.{element} must reference the Patient entry", f"{path}.{element}.reference")


def business_key(c: MessageChecker, res: dict, path: str) -> str | None:
    ids = res.get("identifier")
    first, ipath = (ids[0], f"{path}.identifier[0]") if as_list(ids) else (ids, f"{path}.identifier")
    key = identifier_key(first)
    if key is None:
        c.err("required", "the focus resource needs a business identifier (system and value)", f"{path}.identifier")
        return None
    return key if identifier_ok(c, first, ipath) else None


def identifier_ok(c: MessageChecker, ident: dict, path: str) -> bool:
    """A business identifier the hub keys facts on, matched whole (v1.1) and bounded: an error otherwise."""
    ok = True
    if not token_ok(ident["value"], MAX_IDENTIFIER):
        c.err("value", f"an identifier value must be 1 to {MAX_IDENTIFIER} characters, with no whitespace at "
                       "either end and no line break", f"{path}.value")
        ok = False
    if not token_ok(ident["system"], MAX_SYSTEM):
        c.err("value", f"an identifier system must be a URI of at most {MAX_SYSTEM} characters", f"{path}.system")
        ok = False
    return ok


def concept_codes(c: MessageChecker, cc, path: str, allowed: frozenset, what: str,
                  required: bool = True) -> str | None:
    """The first hub concept code in a CodeableConcept, checked against a binding group."""
    found = None
    for k, coding in enumerate(as_list(as_dict(cc).get("coding"))):
        coding = as_dict(coding)
        if coding.get("system") == CS_CONCEPT:
            code = coding.get("code")
            if code not in allowed:
                c.err("code-invalid", f"'{snippet(code)}' is not {what} in {CS_CONCEPT}", f"{path}.coding[{k}].code")
            elif found is None:
                found = code
    if found is None and required and not any(e["expression"][0].startswith(f"{path}.coding") for e in c.errors
                                              if e.get("expression")):
        c.err("code-invalid" if isinstance(cc, dict) else "required",
              f"{path.rsplit('.', 1)[-1]} must carry {what} from {CS_CONCEPT}", path)
    return found


def bool_ext(c: MessageChecker, res: dict, url: str, path: str, name: str) -> bool | None:
    for k, x in enumerate(as_list(res.get("extension"))):
        x = as_dict(x)
        if x.get("url") == url:
            v = x.get("valueBoolean")
            if not isinstance(v, bool):
                c.err("required", f"the {name} extension needs valueBoolean", f"{path}.extension[{k}]")
                return None
            return v
    c.err("required", f"the extension {url} (valueBoolean) is required", f"{path}.extension")
    return None


def observation_status(c: MessageChecker, res: dict, p: str, allowed: frozenset = OBSERVATION_STATUSES) -> str:
    st = res.get("status")
    if st not in allowed:
        c.err("code-invalid", f"Observation.status must be one of {', '.join(sorted(allowed))}", f"{p}.status")
    return st if isinstance(st, str) else "final"


def encounter_type(c: MessageChecker, res: dict, p: str, allowed: frozenset, what: str) -> str | None:
    types = res.get("type")
    if not as_list(types):
        c.err("required", f"Encounter.type must carry {what}", f"{p}.type")
        return None
    found = None
    for t, cc in enumerate(as_list(types)):
        for k, coding in enumerate(as_list(as_dict(cc).get("coding"))):
            coding = as_dict(coding)
            if coding.get("system") == CS_CONCEPT:
                if coding.get("code") not in allowed:
                    c.err("code-invalid", f"not {what}", f"{p}.type[{t}].coding[{k}].code")
                elif found is None:
                    found = coding["code"]
    if found is None and not any(e.get("expression", [""])[0].startswith(f"{p}.type[") for e in c.errors):
        c.err("code-invalid", f"Encounter.type must carry {what} from {CS_CONCEPT}", f"{p}.type")
    return found


def plan_codes(c: MessageChecker, res: dict, p: str) -> tuple[str | None, str | None]:
    """(plan type, CP category) from EpisodeOfCare.type."""
    plan = cat = None
    types = res.get("type")
    if not as_list(types):
        c.err("required", "EpisodeOfCare.type must carry the plan type", f"{p}.type")
        return None, None
    for t, cc in enumerate(as_list(types)):
        for k, coding in enumerate(as_list(as_dict(cc).get("coding"))):
            coding = as_dict(coding)
            if coding.get("system") != CS_CONCEPT:
                continue
            code = coding.get("code")
            if code in PLAN_CODES:
                plan = plan or code
            elif code in CP_CATEGORY_CODES:
                cat = cat or code
            else:
                c.err("code-invalid", "not a plan type or CP category code", f"{p}.type[{t}].coding[{k}].code")
    return plan, cat
