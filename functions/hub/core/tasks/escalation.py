"""Escalation of a Task nobody acknowledged: when it is due, to whom, and the alerts-queue record.

A Task still `requested` at its `due_by` escalates to the first level in configuration; if it is still
not acknowledged at that escalation's own deadline (the lapsed deadline plus the severity's escalation
delay), it escalates to the next level, and so on until the levels run out. Deadlines follow from the
lapsed deadline, not from when the sweep ran, so a late or retried sweep computes the same ones.
Pure: the sweep passes `now`.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .model import REQUESTED, Change, Escalation, Task, parse_time, utc_iso

OWNER = "owner"  # a level naming the Task's own organisation (its team manager)
_NAMESPACE = uuid.UUID("6d3c1e0a-2b7f-4f4e-8a61-5c9b0e2d7f13")


def _default_delays() -> dict[str, timedelta]:
    return {"critical": timedelta(hours=4), "high": timedelta(hours=24), "medium": timedelta(days=5)}


@dataclass(frozen=True)
class EscalationPolicy:
    # Ordered: the team manager's organisation ("owner": the Task's own), then the designated
    # safeguarding nurse or doctor. Each entry is "owner" or an ODS code.
    levels: tuple[str, ...] = (OWNER,)
    # How long each escalation level has before the next, by alert severity.
    delays: dict[str, timedelta] = field(default_factory=_default_delays)

    def delay(self, severity: str) -> timedelta:
        return self.delays.get(severity) or max(self.delays.values(), default=timedelta(days=1))

    def recipients(self, level: int, task: Task) -> tuple[str, ...]:
        entry = self.levels[level - 1]
        return (task.owner if entry == OWNER else entry,)

    @classmethod
    def from_config(cls, levels: list[str] | tuple[str, ...],
                    delay_hours: dict[str, float] | None) -> "EscalationPolicy":
        kept = tuple(x.strip() for x in levels if x and x.strip())
        delays = _default_delays()
        delays.update({k: timedelta(hours=float(v)) for k, v in (delay_hours or {}).items()})
        return cls(levels=kept or (OWNER,), delays=delays)


def due_escalation(task: Task, now: datetime, policy: EscalationPolicy) -> Escalation | None:
    """The escalation `task` needs at `now`, or None (acknowledged, closed, not yet due, no level left)."""
    if task.status != REQUESTED or task.next_due is None or parse_time(task.next_due) > now:
        return None
    level = len(task.escalations) + 1
    if level > len(policy.levels):
        return None
    lapsed = parse_time(task.next_due)
    deadline = utc_iso(lapsed + policy.delay(task.severity)) if level < len(policy.levels) else None
    return Escalation(level=level, to=policy.recipients(level, task), at=utc_iso(now), lapsed=utc_iso(lapsed),
                      deadline=deadline)


def escalate(task: Task, esc: Escalation) -> Task:
    """The Task after `esc`: the escalation recorded, the sweep's next look at the escalation's deadline."""
    change = Change("task.escalated", 0, "hub", "sweep", {"level": esc.level, "to": list(esc.to),
                                                          "lapsed": esc.lapsed, "deadline": esc.deadline})
    return task.changed(esc.at, change, escalations=task.escalations + (esc,), next_due=esc.deadline)


def escalation_id(task: Task, level: int) -> str:
    """Deterministic per Task and level: the queue dedup id and the effect-ledger key of one escalation."""
    return str(uuid.uuid5(_NAMESPACE, f"escalation|{task.id}|{level}"))


def escalation_record(task: Task, esc: Escalation) -> dict:
    """The `{"type": "escalated", ...}` record for the alerts queue."""
    when = "since " + esc.lapsed[:16].replace("T", " ") + " UTC"
    return {
        "type": "escalated",
        "escalation_id": escalation_id(task, esc.level),
        "alert_id": task.alert_id,
        "task_id": task.id,
        "rule": task.rule,
        "severity": task.severity,
        "nhs_number": task.nhs_number,
        "level": esc.level,
        "escalated_at": esc.at,
        "lapsed_due_by": esc.lapsed,
        "due_by": esc.deadline,
        "owner": task.owner,
        "recipients": list(esc.to),
        "summary": task.summary,
        "recommended_action": (f"Make sure {task.owner} acts on this alert: its Task has not been acknowledged "
                               f"{when}."),
        "evidence": list(task.evidence),
    }
