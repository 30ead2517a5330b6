"""injury-observed (spec §4): an Observation with an injury code, its time, the body site and who observed it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import InjuryFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, concept_codes, observation_status
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.limits import MAX_TEXT
from hub.core.validation.values import as_dict, as_list, as_str
from hub.core.validation.vocabulary import INJURY_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker

STATUSES = frozenset({"final", "amended", "entered-in-error"})


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> InjuryFact:
    st = observation_status(c, res, p, STATUSES)
    code = concept_codes(c, res.get("code"), f"{p}.code", INJURY_CODES, "an injury code")
    eff = clinical_time(c, res, p, "effectiveDateTime")
    site = res.get("bodySite")
    body_site = None
    if not isinstance(site, dict):
        c.err("required", "injury-observed requires bodySite (text allowed)", f"{p}.bodySite")
    else:
        body_site = as_str(site.get("text")) or next(
            (as_str(as_dict(cd).get("display")) or as_str(as_dict(cd).get("code")) for cd in as_list(site.get("coding"))),
            None)
        if body_site is None:
            c.err("required", "bodySite needs text or a coding", f"{p}.bodySite")
        elif len(body_site) > MAX_TEXT:
            c.err("too-long", f"the body site the hub keeps is at most {MAX_TEXT} characters", f"{p}.bodySite")
            body_site = None
    if not as_list(res.get("performer")):
        c.err("required", "injury-observed requires performer", f"{p}.performer")
    return InjuryFact(key=key, resource_id=rid, status=st, code=code or "", effective=eff, body_site=body_site)


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "code", "effectiveDateTime", "subject", "bodySite", "performer"]
    props = s["properties"]
    props["effectiveDateTime"] = dt()
    props["code"] = cc_with(CS_CONCEPT, INJURY_CODES)
    props["status"] = {"enum": ["final", "amended", "entered-in-error"]}
    return s
