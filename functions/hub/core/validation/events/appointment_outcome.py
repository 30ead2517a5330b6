"""appointment-outcome (spec §4): an Appointment fulfilled, noshow, or cancelled with a reason (`pat`, by
the family, counts as missed), with its service type and start."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import AppointmentFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, concept_codes
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.limits import MAX_TEXT
from hub.core.validation.values import as_dict, as_list, as_str
from hub.core.validation.vocabulary import APPOINTMENT_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> AppointmentFact:
    st = res.get("status")
    reason = None
    if st not in ("fulfilled", "noshow", "cancelled"):
        c.err("code-invalid", "Appointment.status must be fulfilled, noshow or cancelled", f"{p}.status")
    if st == "cancelled":
        cr = res.get("cancelationReason")
        codes = [as_dict(cd).get("code") for cd in as_list(as_dict(cr).get("coding"))]
        if not isinstance(cr, dict):
            c.err("required", "a cancelled Appointment requires cancelationReason", f"{p}.cancelationReason")
        else:
            reason = next((cd for cd in codes if isinstance(cd, str)), None) or as_str(cr.get("text"))
            if reason is None:
                c.err("required", "cancelationReason needs a coding", f"{p}.cancelationReason")
            elif len(reason) > MAX_TEXT:
                c.err("too-long", f"the cancellation reason the hub keeps is at most {MAX_TEXT} characters",
                      f"{p}.cancelationReason")
                reason = None
    service = None
    sts = res.get("serviceType")
    if not as_list(sts):
        c.err("required", "Appointment.serviceType is required", f"{p}.serviceType")
    else:
        for t, cc in enumerate(as_list(sts)):
            code = concept_codes(c, cc, f"{p}.serviceType[{t}]", APPOINTMENT_CODES, "an appointment service",
                                 required=False)
            service = service or code
        if service is None and not any(e.get("expression", [""])[0].startswith(f"{p}.serviceType[")
                                       for e in c.errors):
            c.err("code-invalid", f"serviceType must carry an appointment service code from {CS_CONCEPT}",
                  f"{p}.serviceType")
    start = clinical_time(c, res, p, "start")
    return AppointmentFact(key=key, resource_id=rid, status=st if isinstance(st, str) else "",
                           cancel_reason=reason, service_type=service or "", start=start)


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "serviceType", "start", "participant"]
    props = s["properties"]
    props["status"] = {"enum": ["fulfilled", "noshow", "cancelled"]}
    props["serviceType"] = {"type": "array", "contains": cc_with(CS_CONCEPT, APPOINTMENT_CODES)}
    props["start"] = dt()
    s["if"] = {"properties": {"status": {"const": "cancelled"}}}
    s["then"] = {"required": ["cancelationReason"]}
    return s
