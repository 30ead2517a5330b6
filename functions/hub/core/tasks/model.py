"""The alert Task: one per alert and recipient organisation, worked by that organisation.

Pure data. The hub keeps a Task in this shape (``to_item``/``from_item`` for the store) and shows it to
recipients as a FHIR R4 Task (``hub.core.tasks.fhir``). Times are ISO 8601 strings in UTC.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

HUB = "https://safeguarding-hub.example/fhir"
CS_ALERT_RULE = f"{HUB}/CodeSystem/alert-rule"
CS_DECISION = f"{HUB}/CodeSystem/safeguarding-decision"
CS_TASK_OUTPUT = f"{HUB}/CodeSystem/task-output"
CS_TASK_CLOSURE = f"{HUB}/CodeSystem/task-closure"
NS_ALERT = "https://safeguarding-hub.example/Id/alert"
EXT_ACKNOWLEDGEMENT = f"{HUB}/StructureDefinition/task-acknowledgement"
EXT_ASSIGNEE = f"{HUB}/StructureDefinition/task-assignee"
EXT_ESCALATION = f"{HUB}/StructureDefinition/task-escalation"
EXT_SEVERITY = f"{HUB}/StructureDefinition/alert-severity"

# Task.output decision value set (hub CodeSystem safeguarding-decision)
DECISIONS: dict[str, str] = {
    "no-further-action": "No further action",
    "early-help": "Early help",
    "s17-assessment": "Child in need assessment (Children Act 1989 s17)",
    "strategy-discussion": "Strategy discussion",
    "s47-enquiry": "Child protection enquiry (Children Act 1989 s47)",
    "referred-to-another-agency": "Referred to another agency",
}
# How a Task was closed (statusReason): by its owner, or by the hub when the alert resolved (spec §5 reasons)
CLOSED_BY_RECIPIENT = "closed-by-recipient"
RESOLUTION_REASONS = ("examined", "late-report", "seen", "withdrawn")

REQUESTED, ACCEPTED, IN_PROGRESS, COMPLETED = "requested", "accepted", "in-progress", "completed"
OPEN_STATUSES = (REQUESTED, ACCEPTED, IN_PROGRESS)
STATUSES = OPEN_STATUSES + (COMPLETED,)

_NAMESPACE = uuid.UUID("0b8f0c52-6a1e-4c2f-9d55-3e1f7a4b9c21")


def utc_iso(t: datetime) -> str:
    """Fixed-width UTC with microseconds: string order is time order (the store's sort keys rely on it)."""
    if t.tzinfo is None:
        raise ValueError("Task times must be timezone-aware")
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError(f"time without a zone: {text!r}")
    return t.astimezone(timezone.utc)


def task_id(alert_id: str, owner_ods: str) -> str:
    """Deterministic: a retried alert publish finds the Task it made before."""
    return str(uuid.uuid5(_NAMESPACE, f"task|{alert_id}|{owner_ods}"))


@dataclass(frozen=True)
class Stamp:
    """Who did something, and when (hub clock)."""

    by: str
    at: str


@dataclass(frozen=True)
class DecisionMade:
    code: str
    by: str
    at: str
    note: str | None = None


@dataclass(frozen=True)
class Closure:
    code: str  # CLOSED_BY_RECIPIENT, or the resolution reason when the hub closed it
    reason: str  # the owner's words, or the resolution's reason
    at: str
    by: str | None = None  # None: closed by the hub
    resolved_at: str | None = None  # clinical time of the resolving fact (automatic closure)

    @property
    def automatic(self) -> bool:
        return self.by is None


@dataclass(frozen=True)
class Escalation:
    level: int  # 1 for the first lapse, 2 for the second, ...
    to: tuple[str, ...]  # ODS codes told
    at: str  # when the sweep escalated
    lapsed: str  # the deadline that passed unacknowledged
    deadline: str | None  # when the next level fires; None when no level is left


@dataclass(frozen=True)
class Change:
    """The last change made to a Task, kept so a retried request can repeat its audit record."""

    action: str  # an audit action, e.g. task.acknowledged
    version: int
    actor_ods: str | None
    actor_kind: str | None
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    id: str
    alert_id: str
    rule: str
    severity: str
    nhs_number: str
    owner: str  # the recipient organisation's ODS code
    evidence: tuple[str, ...]
    summary: str
    recommended_action: str
    raised_at: str
    authored_on: str  # the alert's detected_at
    due_by: str
    status: str = REQUESTED
    last_updated: str = ""
    version: int = 1
    acknowledged: Stamp | None = None
    assignee: Stamp | None = None  # `by` is the person assigned; the change's actor is in `last_change`
    decision: DecisionMade | None = None
    closure: Closure | None = None
    escalations: tuple[Escalation, ...] = ()
    next_due: str | None = None  # when the sweep looks next: None once acknowledged, closed or fully escalated
    last_change: Change | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def changed(self, at: str, change: Change, **fields: Any) -> "Task":
        return replace(self, **fields, version=self.version + 1, last_updated=at,
                       last_change=replace(change, version=self.version + 1))

    # ---- stored form ----------------------------------------------------------------
    def to_item(self) -> dict:
        def stamp(s):
            return None if s is None else dict(s.__dict__)

        return {
            "id": self.id, "alert_id": self.alert_id, "rule": self.rule, "severity": self.severity,
            "nhs_number": self.nhs_number, "owner": self.owner, "evidence": list(self.evidence),
            "summary": self.summary, "recommended_action": self.recommended_action, "raised_at": self.raised_at,
            "authored_on": self.authored_on, "due_by": self.due_by, "status": self.status,
            "last_updated": self.last_updated, "version": self.version, "acknowledged": stamp(self.acknowledged),
            "assignee": stamp(self.assignee), "decision": stamp(self.decision), "closure": stamp(self.closure),
            "escalations": [{**e.__dict__, "to": list(e.to)} for e in self.escalations],
            "next_due": self.next_due, "last_change": stamp(self.last_change),
        }

    @classmethod
    def from_item(cls, item: dict) -> "Task":
        def opt(kind, value):
            return None if value is None else kind(**value)

        return cls(
            **{k: item[k] for k in ("id", "alert_id", "rule", "severity", "nhs_number", "owner", "summary",
                                    "recommended_action", "raised_at", "authored_on", "due_by", "status",
                                    "last_updated")},
            evidence=tuple(item.get("evidence") or ()), version=int(item["version"]),
            acknowledged=opt(Stamp, item.get("acknowledged")), assignee=opt(Stamp, item.get("assignee")),
            decision=opt(DecisionMade, item.get("decision")), closure=opt(Closure, item.get("closure")),
            escalations=tuple(Escalation(**{**e, "to": tuple(e["to"])}) for e in item.get("escalations") or ()),
            next_due=item.get("next_due"), last_change=opt(Change, item.get("last_change")),
        )


def tasks_for_alert(alert: dict) -> list[Task]:
    """One Task per recipient of a spec §5 alert record, as the hub creates them (status requested)."""
    created = utc_iso(parse_time(alert["detected_at"]))
    due = utc_iso(parse_time(alert["due_by"]))
    out = []
    for ods in dict.fromkeys(alert.get("recipients") or ()):
        tid = task_id(alert["alert_id"], ods)
        out.append(Task(
            id=tid, alert_id=alert["alert_id"], rule=alert["rule"], severity=alert["severity"],
            nhs_number=alert["nhs_number"], owner=ods, evidence=tuple(alert.get("evidence") or ()),
            summary=alert.get("summary") or "", recommended_action=alert.get("recommended_action") or "",
            raised_at=alert["raised_at"], authored_on=created, due_by=due, last_updated=created, next_due=due,
            last_change=Change("task.created", 1, "hub", "rules", {"due_by": due})))
    return out
