"""mobility-assessed (spec §4): an Observation `independently-mobile` with valueBoolean and its time."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import MobilityFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, concept_codes, observation_status
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.vocabulary import MOBILITY_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> MobilityFact:
    st = observation_status(c, res, p)
    concept_codes(c, res.get("code"), f"{p}.code", MOBILITY_CODES, "independently-mobile")
    v = res.get("valueBoolean")
    if not isinstance(v, bool):
        c.err("required", "mobility-assessed requires valueBoolean", f"{p}.valueBoolean")
    eff = clinical_time(c, res, p, "effectiveDateTime")
    return MobilityFact(key=key, resource_id=rid, mobile=bool(v), effective=eff, status=st)


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "code", "effectiveDateTime", "subject", "valueBoolean"]
    s["properties"]["effectiveDateTime"] = dt()
    s["properties"]["code"] = cc_with(CS_CONCEPT, MOBILITY_CODES)
    return s
