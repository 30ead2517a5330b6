"""Notifications the hub writes from a child's state (CP-IS style), for policy recipients whose `content`
is not "message": each is a FHIR message Bundle, minimised by the recipient's profile and re-addressed
like any copy.

- `plan-flag` (to the hospital that sent a message about a child on a CP plan): the active plan, an
  EpisodeOfCare with its type and CP category, start, the local authority (managingOrganization) and the
  lead social worker (careManager), and the child's identifiers.
- `unscheduled-care` (to the lead social worker's local authority): the child attended the sending
  hospital on that day: an Encounter (class emergency, period start = the message's clinical time, the
  hospital as serviceProvider, the event the hospital sent), with the plan it concerns.

Both are one per child, recipient and day (`decide.notification_basis`), and their MessageHeader.id is
the triggering message's, so the copy's original-message-id names what prompted it. Event codes are the
hub's own notification CodeSystem, never an agency event. Pure.
"""
from __future__ import annotations

import uuid

from hub.core.identity import HUB_NAMESPACE
from hub.core.messages import CS_CONCEPT, HUB, NS_NHS_NUMBER, NS_ODS, Message
from hub.core.routing.decide import ChildContext, Disclosure, clinical_time

CS_NOTIFICATION = f"{HUB}/CodeSystem/hub-notification"
EXT_SOURCE_EVENT = f"{HUB}/StructureDefinition/source-event"
EVENT_CODES = {"plan-flag": "cp-plan-flag", "unscheduled-care": "attended-unscheduled-care"}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


class _Ids:
    """Deterministic ids per notification, so a retry writes the same Bundle."""

    def __init__(self, basis: str) -> None:
        self.basis = basis

    def __call__(self, part: str) -> str:
        return str(uuid.uuid5(HUB_NAMESPACE, f"notification|{self.basis}|{part}"))


def _entry(ids: _Ids, part: str, resource: dict) -> dict:
    rid = ids(part)
    return {"fullUrl": f"urn:uuid:{rid}", "resource": {"id": rid, **resource}}


def _patient(ids: _Ids, msg: Message) -> dict:
    res: dict = {"resourceType": "Patient", "identifier": [{"system": NS_NHS_NUMBER, "value": msg.patient.nhs_number}]}
    if msg.patient.birth_date:
        res["birthDate"] = msg.patient.birth_date.isoformat()
    return _entry(ids, "patient", res)


def _organisation(ids: _Ids, part: str, ods: str) -> dict:
    return _entry(ids, part, {"resourceType": "Organization", "identifier": [{"system": NS_ODS, "value": ods}]})


def _plan(ids: _Ids, ctx: ChildContext, patient: dict, la: dict | None) -> dict:
    plan = ctx.plan
    system, _, value = plan.key.partition("|")
    res: dict = {"resourceType": "EpisodeOfCare", "status": "active",
                 "type": [{"coding": [{"system": CS_CONCEPT, "code": plan.plan_type}]}],
                 "patient": {"reference": patient["fullUrl"]}}
    if value:
        res["identifier"] = [{"system": system, "value": value}]
    if plan.cp_category:
        res["type"].append({"coding": [{"system": CS_CONCEPT, "code": plan.cp_category}]})
    if plan.start:
        res["period"] = {"start": plan.start.isoformat()}
    if la is not None:
        res["managingOrganization"] = {"reference": la["fullUrl"]}
    if plan.care_manager:
        res["careManager"] = {"display": plan.care_manager}
    return _entry(ids, "plan", res)


def _bundle(ids: _Ids, msg: Message, content: str, focus: dict, entries: list[dict]) -> dict:
    header = {"fullUrl": f"urn:uuid:{msg.message_id}", "resource": {
        "resourceType": "MessageHeader", "id": msg.message_id,
        "eventCoding": {"system": CS_NOTIFICATION, "code": EVENT_CODES[content]},
        "source": {"name": "Safeguarding Hub", "endpoint": HUB},
        "focus": [{"reference": focus["fullUrl"]}]}}
    return {"resourceType": "Bundle", "id": ids("bundle"), "type": "message", "timestamp": msg.timestamp.isoformat(),
            "entry": [header, *entries]}


def plan_flag(msg: Message, ctx: ChildContext, basis: str) -> dict:
    """The active plan flag for the hospital (the caller has checked the child is on a CP plan)."""
    ids = _Ids(basis)
    patient = _patient(ids, msg)
    la = _organisation(ids, "la", ctx.plan.la_ods) if ctx.plan.la_ods else None
    plan = _plan(ids, ctx, patient, la)
    return _bundle(ids, msg, "plan-flag", plan, [patient, plan] + ([la] if la else []))


def unscheduled_care(msg: Message, ctx: ChildContext, basis: str) -> dict:
    """'Attended unscheduled care' for the lead social worker's local authority."""
    ids = _Ids(basis)
    patient = _patient(ids, msg)
    hospital = _organisation(ids, "hospital", msg.sender_ods)
    encounter = _entry(ids, "encounter", {
        "resourceType": "Encounter", "status": "unknown",
        "extension": [{"url": EXT_SOURCE_EVENT, "valueCode": msg.event}],
        "class": {"system": ACT_CODE, "code": "EMER", "display": "emergency"},
        "type": [{"text": "Unscheduled care attendance"}],
        "subject": {"reference": patient["fullUrl"]},
        "period": {"start": clinical_time(msg).isoformat()},
        "serviceProvider": {"reference": hospital["fullUrl"]}})
    entries = [patient, encounter, hospital]
    if ctx.plan is not None:
        entries.append(_plan(ids, ctx, patient, None))
    return _bundle(ids, msg, "unscheduled-care", encounter, entries)


def content_bundle(d: Disclosure, bundle: dict, msg: Message, ctx: ChildContext) -> dict:
    """What `d`'s recipient is sent, before minimisation: the message itself, or the hub's notification."""
    if d.content == "message":
        return bundle
    if d.content == "plan-flag" and ctx.plan is not None:
        return plan_flag(msg, ctx, d.basis or "")
    if d.content == "unscheduled-care":
        return unscheduled_care(msg, ctx, d.basis or "")
    raise ValueError(f"no {d.content!r} notification for this child")  # the policy guards plan-flag by on_cp_plan
