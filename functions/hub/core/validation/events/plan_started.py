"""plan-started (spec §4): an active EpisodeOfCare with the plan type (and CP category), its start, the
local authority and the lead social worker."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import PlanFact
from hub.core.messages import CS_CONCEPT
from hub.core.validation.focus_checks import clinical_time, plan_codes
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.ods_checks import org_ref_ods
from hub.core.validation.limits import MAX_IDENTIFIER
from hub.core.validation.values import as_dict, as_list, as_str, token_ok
from hub.core.validation.vocabulary import PLAN_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> PlanFact:
    if res.get("status") != "active":
        c.err("value", "plan-started requires status 'active'", f"{p}.status")
    plan, cat = plan_codes(c, res, p)
    if plan is None:
        c.err("required", f"EpisodeOfCare.type needs a plan type from {CS_CONCEPT}", f"{p}.type")
    if plan == "child-protection-plan" and cat is None:
        c.err("required", "a child protection plan needs a CP category coding in EpisodeOfCare.type", f"{p}.type")
    start = clinical_time(c, res, p, "period.start")
    la = None
    if "managingOrganization" not in res:
        c.err("required", "managingOrganization (the local authority) is required", f"{p}.managingOrganization")
    else:
        la = org_ref_ods(c, res["managingOrganization"], f"{p}.managingOrganization", "managingOrganization")
    care_manager = _care_manager(c, res, p)
    return PlanFact(key=key, resource_id=rid, status="active", plan_type=plan, cp_category=cat, start=start,
                    la_ods=la, care_manager=care_manager)


def _care_manager(c: MessageChecker, res: dict, p: str) -> str | None:
    """The lead social worker: identifier value or display, else the referenced Practitioner's identifier or id."""
    cm = res.get("careManager")
    care_manager = None
    if not isinstance(cm, dict):
        c.err("required", "careManager (the lead social worker) is required", f"{p}.careManager")
        return None
    hit = c.resolve(cm)
    ident = as_dict(cm.get("identifier"))
    care_manager = as_str(ident.get("value")) or as_str(cm.get("display"))
    if hit is not None:
        j, pr = hit
        if pr.get("resourceType") not in ("Practitioner", "PractitionerRole"):
            c.err("invalid", "careManager must reference a Practitioner", f"{p}.careManager.reference")
        pid = as_list(pr.get("identifier"))
        care_manager = care_manager or as_str(as_dict(pid[0]).get("value") if pid else None) or as_str(pr.get("id"))
    if care_manager is None and not as_str(cm.get("reference")):
        c.err("required", "careManager needs a reference, identifier or display", f"{p}.careManager")
    elif care_manager is not None and not token_ok(care_manager, MAX_IDENTIFIER):
        c.err("value", f"the lead social worker's identifier or name must be 1 to {MAX_IDENTIFIER} characters, with "
                       "no whitespace at either end and no line break", f"{p}.careManager")
        care_manager = None
    return care_manager


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "type", "period", "managingOrganization", "careManager", "patient"]
    props = s["properties"]
    props["status"] = {"const": "active"}
    props["type"] = {"type": "array", "contains": cc_with(CS_CONCEPT, PLAN_CODES)}
    props["period"] = {"type": "object", "required": ["start"], "properties": {"start": dt()}}
    return s
