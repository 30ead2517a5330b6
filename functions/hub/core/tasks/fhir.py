"""The FHIR R4 view of a Task, and the searchset Bundle of a Task search.

Mapping (the hub's own extensions are under HUB/StructureDefinition/task-*):
- `identifier`: the alert id (system https://safeguarding-hub.example/Id/alert); `code`: the rule
  (HUB/CodeSystem/alert-rule); `description`: the alert's summary; `priority`: critical stat, high asap,
  medium urgent; `intent`: order.
- `for`: the child, by NHS number. `owner`: the recipient organisation, by ODS code (it never changes: the
  person assigned within it is the `task-assignee` extension).
- `focus`: the first MessageHeader behind the alert (R4 allows one); `input` lists every one
  (type `evidence`) and the recommended action (type `recommended-action`).
- `restriction.period.end`: `due_by`. `executionPeriod`: acknowledged .. completed.
- `output`: the decision (type `decision`, HUB/CodeSystem/safeguarding-decision), with who and when.
- `statusReason`: how it closed (HUB/CodeSystem/task-closure: closed-by-recipient, or the resolution
  reason examined / late-report / seen / withdrawn) and the reason text.
- `businessStatus.text`: where it stands in words; `meta.versionId`: the version (changes on every update).
"""
from __future__ import annotations

from .model import (CLOSED_BY_RECIPIENT, COMPLETED, CS_ALERT_RULE, CS_DECISION, CS_TASK_CLOSURE, CS_TASK_OUTPUT,
                    DECISIONS, EXT_ACKNOWLEDGEMENT, EXT_ASSIGNEE, EXT_ESCALATION, EXT_SEVERITY, HUB, IN_PROGRESS,
                    NS_ALERT, REQUESTED, Task)

NS_NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
NS_ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
EXT_RECORDED = f"{HUB}/StructureDefinition/task-recorded"  # who recorded a decision or a closure, and when
PRIORITY = {"critical": "stat", "high": "asap", "medium": "urgent"}


def _stamp(url: str, by: str | None, at: str) -> dict:
    subs = ([{"url": "by", "valueString": by}] if by else []) + [{"url": "at", "valueDateTime": at}]
    return {"url": url, "extension": subs}


def _message_header(message_id: str) -> dict:
    return {"type": "MessageHeader", "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{message_id}"}}


def _output_type(code: str) -> dict:
    return {"coding": [{"system": CS_TASK_OUTPUT, "code": code}]}


def business_status(task: Task) -> str:
    if task.status == REQUESTED:
        n = len(task.escalations)
        return f"Not acknowledged: escalated (level {n})" if n else "Awaiting acknowledgement"
    if task.status == COMPLETED:
        c = task.closure
        return "Closed by the recipient" if c is None or c.code == CLOSED_BY_RECIPIENT \
            else f"Closed by the hub: the alert resolved ({c.code})"
    if task.status == IN_PROGRESS:
        return "Decision recorded"
    return f"Acknowledged; assigned to {task.assignee.by}" if task.assignee else "Acknowledged"


def to_fhir(task: Task) -> dict:
    """The FHIR R4 Task resource for `task`."""
    ext = [{"url": EXT_SEVERITY, "valueCode": task.severity}]
    if task.acknowledged:
        ext.append(_stamp(EXT_ACKNOWLEDGEMENT, task.acknowledged.by, task.acknowledged.at))
    if task.assignee:
        ext.append({"url": EXT_ASSIGNEE, "extension": [{"url": "practitioner", "valueString": task.assignee.by},
                                                        {"url": "at", "valueDateTime": task.assignee.at}]})
    for e in task.escalations:
        subs = [{"url": "level", "valueInteger": e.level}, {"url": "at", "valueDateTime": e.at},
                {"url": "lapsed", "valueDateTime": e.lapsed}]
        subs += [{"url": "to", "valueIdentifier": {"system": NS_ODS, "value": ods}} for ods in e.to]
        if e.deadline:
            subs.append({"url": "deadline", "valueDateTime": e.deadline})
        ext.append({"url": EXT_ESCALATION, "extension": subs})
    res: dict = {
        "resourceType": "Task",
        "id": task.id,
        "meta": {"versionId": str(task.version), "lastUpdated": task.last_updated},
        "extension": ext,
        "identifier": [{"system": NS_ALERT, "value": task.alert_id}],
        "status": task.status,
        "businessStatus": {"text": business_status(task)},
        "intent": "order",
        "priority": PRIORITY.get(task.severity, "urgent"),
        "code": {"coding": [{"system": CS_ALERT_RULE, "code": task.rule}]},
        "description": task.summary,
        "for": {"type": "Patient", "identifier": {"system": NS_NHS_NUMBER, "value": task.nhs_number}},
        "authoredOn": task.authored_on,
        "lastModified": task.last_updated,
        "owner": {"type": "Organization", "identifier": {"system": NS_ODS, "value": task.owner}},
        "restriction": {"period": {"end": task.due_by}},
    }
    if task.evidence:
        res["focus"] = _message_header(task.evidence[0])
    if task.closure:
        c = task.closure
        res["statusReason"] = {"coding": [{"system": CS_TASK_CLOSURE, "code": c.code}], "text": c.reason}
        if c.by:
            res["statusReason"]["extension"] = [_stamp(EXT_RECORDED, c.by, c.at)]
    period = {k: v for k, v in (("start", task.acknowledged.at if task.acknowledged else None),
                                ("end", task.closure.at if task.closure else None)) if v}
    if period:
        res["executionPeriod"] = period
    inputs = [{"type": _output_type("evidence"), "valueReference": _message_header(m)} for m in task.evidence]
    if task.recommended_action:
        inputs.append({"type": _output_type("recommended-action"), "valueString": task.recommended_action})
    if inputs:
        res["input"] = inputs
    if task.decision:
        d = task.decision
        value = {"coding": [{"system": CS_DECISION, "code": d.code, "display": DECISIONS[d.code]}]}
        if d.note:
            value["text"] = d.note
        res["output"] = [{"extension": [_stamp(EXT_RECORDED, d.by, d.at)], "type": _output_type("decision"),
                          "valueCodeableConcept": value}]
    return res


def searchset(tasks: list[Task], *, self_url: str, next_url: str | None, base: str) -> dict:
    """A FHIR searchset Bundle of `tasks` (one page), with self and next links."""
    links = [{"relation": "self", "url": self_url}] + ([{"relation": "next", "url": next_url}] if next_url else [])
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": links,
        "entry": [{"fullUrl": f"{base.rstrip('/')}/Task/{t.id}", "resource": to_fhir(t), "search": {"mode": "match"}}
                  for t in tasks],
    }
