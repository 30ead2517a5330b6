"""concern-recorded (spec §4): an Observation with a risk-factor code and its time; its focus may be the parent."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import ConcernFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, concept_codes, observation_status
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.values import as_list
from hub.core.validation.vocabulary import RISK_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> ConcernFact:
    st = observation_status(c, res, p)
    code = concept_codes(c, res.get("code"), f"{p}.code", RISK_CODES, "a risk-factor code")
    eff = clinical_time(c, res, p, "effectiveDateTime")
    for k, f in enumerate(as_list(res.get("focus"))):
        hit = c.resolve(f)
        if hit is not None and hit[1].get("resourceType") not in ("RelatedPerson", "Patient"):
            c.err("invalid", "Observation.focus may refer to the parent (a RelatedPerson entry)",
                  f"{p}.focus[{k}].reference")
    return ConcernFact(key=key, resource_id=rid, code=code or "", effective=eff, status=st)


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "code", "effectiveDateTime", "subject"]
    s["properties"]["effectiveDateTime"] = dt()
    s["properties"]["code"] = cc_with(CS_CONCEPT, RISK_CODES)
    return s
