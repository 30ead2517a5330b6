"""medical-examination (spec §4): an Encounter of type cp-medical or doctor-examination, its start, and the
injuries examined where known (reasonReference, logical)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import ExaminationFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, encounter_type, identifier_ok
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.limits import MAX_REASONS
from hub.core.validation.values import as_dict, as_list, identifier_key
from hub.core.validation.vocabulary import EXAMINATION_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> ExaminationFact:
    etype = encounter_type(c, res, p, EXAMINATION_CODES, "cp-medical or doctor-examination")
    start = clinical_time(c, res, p, "period.start")
    reasons = []
    refs = as_list(res.get("reasonReference"))
    if len(refs) > MAX_REASONS:
        c.err("too-long", f"at most {MAX_REASONS} reasonReference items", f"{p}.reasonReference")
    for k, ref in enumerate(refs[:MAX_REASONS]):
        ref = as_dict(ref)
        hit = c.resolve(ref)
        if hit is not None:
            ids = as_list(hit[1].get("identifier"))
            ident, ipath = (ids[0], f"{c.res_path(hit[0])}.identifier[0]") if ids else (None, "")
        else:
            ident, ipath = ref.get("identifier"), f"{p}.reasonReference[{k}].identifier"
        rk = identifier_key(ident)
        if rk and identifier_ok(c, ident, ipath):
            reasons.append(rk)
    return ExaminationFact(key=key, resource_id=rid, type=etype or "", start=start, reason_keys=tuple(reasons))


def focus_schema(s: dict) -> dict:
    s["required"] += ["type", "period", "subject"]
    s["properties"]["type"] = {"type": "array", "contains": cc_with(CS_CONCEPT, EXAMINATION_CODES)}
    s["properties"]["period"] = {"type": "object", "required": ["start"], "properties": {"start": dt()}}
    return s
