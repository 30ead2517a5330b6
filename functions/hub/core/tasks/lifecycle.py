"""The Task state machine: what the owning organisation may do, and what the hub does on a resolution.

    requested --acknowledge--> accepted --decide--> in-progress --close--> completed
        |                         |  ^ assign (any open, once acknowledged)   ^
        +------------- alert resolved (spec §5): completed by the hub --------+

Every transition returns a new Task (version + 1, last_updated, last_change) or raises TaskError.
Repeating a request that is already in effect (the same person acknowledging again, the same decision)
returns the Task unchanged, so a client may retry safely. Pure: times come in as arguments.
"""
from __future__ import annotations

import re
from datetime import datetime

from .model import (ACCEPTED, CLOSED_BY_RECIPIENT, COMPLETED, DECISIONS, IN_PROGRESS, REQUESTED, RESOLUTION_REASONS,
                    Change, Closure, DecisionMade, Stamp, Task, utc_iso)

MAX_NAME = 200
MAX_TEXT = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
OPERATIONS = ("acknowledge", "assign", "decide", "close")


class TaskError(ValueError):
    """A request the Task cannot take: `kind` "invalid" (a bad value: 422) or "conflict" (its status: 409)."""

    def __init__(self, kind: str, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.parameter = parameter


def _text(value, name: str, *, limit: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise TaskError("invalid", f"'{name}' is required", name)
        return None
    if not isinstance(value, str):
        raise TaskError("invalid", f"'{name}' must be a string", name)
    value = value.strip()
    if len(value) > limit:
        raise TaskError("invalid", f"'{name}' is longer than {limit} characters", name)
    if _CONTROL.search(value):
        raise TaskError("invalid", f"'{name}' contains a control character", name)
    return value


def _open_and_acknowledged(task: Task, doing: str) -> None:
    if task.status == COMPLETED:
        raise TaskError("conflict", f"the Task is completed; it cannot {doing}")
    if task.status == REQUESTED:
        raise TaskError("conflict", f"acknowledge the Task before it can {doing}")


def _change(action: str, actor: tuple[str | None, str | None], **details) -> Change:
    return Change(action, 0, actor[0], actor[1], {k: v for k, v in details.items() if v is not None})


def acknowledge(task: Task, *, by, at: datetime, actor: tuple[str | None, str | None]) -> Task:
    """requested -> accepted, with the person and the time; no more escalation."""
    by = _text(by, "by", limit=MAX_NAME)
    if task.status == COMPLETED:
        raise TaskError("conflict", "the Task is completed; it cannot be acknowledged")
    if task.acknowledged is not None:
        if task.acknowledged.by == by:
            return task
        raise TaskError("conflict", "the Task was already acknowledged by someone else")
    when = utc_iso(at)
    return task.changed(when, _change("task.acknowledged", actor, by=by, at=when), status=ACCEPTED,
                        acknowledged=Stamp(by, when), next_due=None)


def assign(task: Task, *, to, by, at: datetime, actor: tuple[str | None, str | None]) -> Task:
    """A named person of the owning organisation takes the Task on."""
    to = _text(to, "to", limit=MAX_NAME)
    by = _text(by, "by", limit=MAX_NAME)
    _open_and_acknowledged(task, "be assigned")
    if task.assignee is not None and task.assignee.by == to:
        return task
    when = utc_iso(at)
    return task.changed(when, _change("task.assigned", actor, to=to, by=by, at=when), assignee=Stamp(to, when))


def decide(task: Task, *, decision, by, at: datetime, actor: tuple[str | None, str | None], note=None) -> Task:
    """Record the safeguarding decision (Task.output); a later decision replaces it, and is audited too."""
    if decision not in DECISIONS:
        raise TaskError("invalid", f"'decision' must be one of {', '.join(DECISIONS)}", "decision")
    by = _text(by, "by", limit=MAX_NAME)
    note = _text(note, "note", limit=MAX_TEXT, required=False)
    _open_and_acknowledged(task, "take a decision")
    if task.decision is not None and (task.decision.code, task.decision.note) == (decision, note):
        return task
    when = utc_iso(at)
    return task.changed(when, _change("task.decided", actor, decision=decision, by=by, at=when,
                                      previous=task.decision.code if task.decision else None),
                        status=IN_PROGRESS, decision=DecisionMade(decision, by, when, note))


def close(task: Task, *, reason, by, at: datetime, actor: tuple[str | None, str | None]) -> Task:
    """completed, with the owner's reason (Task.statusReason); a decision must be on record first."""
    reason = _text(reason, "reason", limit=MAX_TEXT)
    by = _text(by, "by", limit=MAX_NAME)
    if task.status == COMPLETED:
        if task.closure is not None and task.closure.by == by and task.closure.reason == reason:
            return task
        raise TaskError("conflict", "the Task is already completed")
    _open_and_acknowledged(task, "be closed")
    if task.decision is None:
        raise TaskError("conflict", "record a decision before closing the Task")
    when = utc_iso(at)
    return task.changed(when, _change("task.closed", actor, by=by, at=when, code=CLOSED_BY_RECIPIENT),
                        status=COMPLETED, closure=Closure(CLOSED_BY_RECIPIENT, reason, when, by), next_due=None)


def complete(task: Task, *, reason: str, resolved_at: str | None, at: datetime) -> Task:
    """The alert resolved (spec §5): the hub completes an open Task with the resolution's reason.
    A Task already completed is returned as it is."""
    if reason not in RESOLUTION_REASONS:
        raise TaskError("invalid", f"unknown resolution reason {reason!r}", "reason")
    if task.status == COMPLETED:
        return task
    when = utc_iso(at)
    return task.changed(when, _change("task.completed", ("hub", "rules"), code=reason, at=when,
                                      resolved_at=resolved_at),
                        status=COMPLETED, closure=Closure(reason, reason, when, None, resolved_at), next_due=None)


def apply(task: Task, operation: str, body: dict, *, at: datetime, actor: tuple[str | None, str | None]) -> Task:
    """One recipient operation by name, with its parameters from a request body."""
    if operation == "acknowledge":
        return acknowledge(task, by=body.get("by"), at=at, actor=actor)
    if operation == "assign":
        return assign(task, to=body.get("to"), by=body.get("by"), at=at, actor=actor)
    if operation == "decide":
        return decide(task, decision=body.get("decision"), by=body.get("by"), note=body.get("note"), at=at,
                      actor=actor)
    if operation == "close":
        return close(task, reason=body.get("reason"), by=body.get("by"), at=at, actor=actor)
    raise TaskError("invalid", f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
