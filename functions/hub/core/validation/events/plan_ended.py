"""plan-ended (spec §4): a finished EpisodeOfCare with its end and the case-closure extension (closed to
social care, step-down plan, and where there is one its type and service)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import PlanFact
from hub.core.messages import EXT_CASE_CLOSURE
from hub.core.validation.focus_checks import clinical_time, plan_codes
from hub.core.validation.json_schema import dt, ext
from hub.core.validation.ods_checks import org_ref_ods
from hub.core.validation.limits import MAX_IDENTIFIER
from hub.core.validation.values import as_dict, as_list, as_str, token_ok

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> PlanFact:
    if res.get("status") != "finished":
        c.err("value", "plan-ended requires status 'finished'", f"{p}.status")
    plan, cat = plan_codes(c, res, p) if "type" in res else (None, None)
    start = clinical_time(c, res, p, "period.start", required=False)
    end = clinical_time(c, res, p, "period.end")
    la = None
    if "managingOrganization" in res:
        la = org_ref_ods(c, res["managingOrganization"], f"{p}.managingOrganization", "managingOrganization")
    closed = step = step_type = step_to = None
    exts = [(k, as_dict(x)) for k, x in enumerate(as_list(res.get("extension")))
            if as_dict(x).get("url") == EXT_CASE_CLOSURE]
    if not exts:
        c.err("required", f"plan-ended requires the extension {EXT_CASE_CLOSURE}", f"{p}.extension")
    else:
        k, x = exts[0]
        closed, step, step_type, step_to = _case_closure(c, x, f"{p}.extension[{k}]")
    return PlanFact(key=key, resource_id=rid, status="finished", plan_type=plan, cp_category=cat, start=start,
                    end=end, la_ods=la, closed_to_social_care=closed, step_down_plan=step,
                    step_down_plan_type=step_type, step_down_to_ods=step_to)


def _case_closure(c: MessageChecker, x: dict, xp: str):
    """-> (closedToSocialCare, stepDownPlan, stepDownPlanType, stepDownTo ODS) of the case-closure extension."""
    step_type = step_to = None
    subs = {}
    for n, sx in enumerate(as_list(x.get("extension"))):
        sx = as_dict(sx)
        if isinstance(sx.get("url"), str):
            subs.setdefault(sx["url"], (n, sx))
    for name in ("closedToSocialCare", "stepDownPlan"):
        if name not in subs:
            c.err("required", f"case-closure needs the sub-extension {name} (valueBoolean)", f"{xp}.extension")
        elif not isinstance(subs[name][1].get("valueBoolean"), bool):
            c.err("required", f"{name} needs valueBoolean", f"{xp}.extension[{subs[name][0]}]")
    closed = as_dict(subs.get("closedToSocialCare", (0, {}))[1]).get("valueBoolean")
    step = as_dict(subs.get("stepDownPlan", (0, {}))[1]).get("valueBoolean")
    closed = closed if isinstance(closed, bool) else None
    step = step if isinstance(step, bool) else None
    if "stepDownPlanType" in subs:
        n, sx = subs["stepDownPlanType"]
        step_type = as_str(sx.get("valueCode"))
        if step_type is None:
            c.err("required", "stepDownPlanType needs valueCode", f"{xp}.extension[{n}]")
        elif not token_ok(step_type, MAX_IDENTIFIER):
            c.err("value", f"stepDownPlanType is a code of at most {MAX_IDENTIFIER} characters",
                  f"{xp}.extension[{n}].valueCode")
            step_type = None
    elif step:
        c.err("required", "a step-down plan needs stepDownPlanType (valueCode)", f"{xp}.extension")
    if "stepDownTo" in subs:
        n, sx = subs["stepDownTo"]
        if not isinstance(sx.get("valueReference"), dict):
            c.err("required", "stepDownTo needs valueReference to an Organization", f"{xp}.extension[{n}]")
        else:
            step_to = org_ref_ods(c, sx["valueReference"], f"{xp}.extension[{n}].valueReference", "stepDownTo")
    elif step:
        c.err("required", "a step-down plan needs stepDownTo (Reference to Organization)", f"{xp}.extension")
    return closed, step, step_type, step_to


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "period", "extension", "patient"]
    props = s["properties"]
    props["status"] = {"const": "finished"}
    props["period"] = {"type": "object", "required": ["end"], "properties": {"end": dt()}}
    closure = ext(EXT_CASE_CLOSURE)
    closure["required"].append("extension")
    closure["properties"]["extension"] = {"type": "array", "allOf": [
        {"contains": ext("closedToSocialCare", "valueBoolean", {"type": "boolean"})},
        {"contains": ext("stepDownPlan", "valueBoolean", {"type": "boolean"})},
    ]}
    props["extension"] = {"type": "array", "contains": closure}
    return s
