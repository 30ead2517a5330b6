"""Alert Tasks: created and completed as alerts are published, worked by their owners, escalated by the sweep.

Exactly once across retries, like the alert publish it follows: a Task's id is deterministic (alert and
owner) and created only if absent; every audit record names its business fact (`business_key`), so a
retried step gets the first record back; an escalation is sent and audited once through the effect ledger.
Only the owning organisation reads or changes a Task: for anyone else it does not exist (NotFound, so
Task ids do not leak which alerts went where).
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Iterable

from aws_lambda_powertools import Logger

from hub.adapters.errors import TaskConflictError
from hub.core.audit import AuditEntry
from hub.core.identity import child_ref
from hub.core.tasks import (Task, TaskQuery, apply, complete, due_escalation, escalate, escalation_record,
                            tasks_for_alert)

if TYPE_CHECKING:
    from hub.core.messages import Caller
    from hub.core.tasks import EscalationPolicy
    from hub.ports import AuditLog, Clock, DeliveryLedger, Queues, TaskStore

logger = Logger(child=True)
_RETRIES = 3


class TaskNotFound(LookupError):
    """No such Task for this caller (absent, or owned by another organisation)."""


class TaskService:
    def __init__(self, tasks: TaskStore, ledger: DeliveryLedger, queues: Queues, audit: AuditLog, clock: Clock, *,
                 escalation: EscalationPolicy, alerts_queue_url: str, hmac_key: bytes) -> None:
        self.tasks, self.ledger, self.queues, self.audit, self.clock = tasks, ledger, queues, audit, clock
        self.escalation, self.alerts_queue_url = escalation, alerts_queue_url
        self._hmac_key = hmac_key

    # ---- audit -------------------------------------------------------------------------
    def _audit(self, task: Task, *, at: datetime | None = None) -> None:
        """The record of `task`'s last change, once per Task version (a retry repeats it harmlessly)."""
        c = task.last_change
        if c is None:
            return
        details = {"task_id": task.id, "owner": task.owner, "status": task.status, "severity": task.severity,
                   "version": c.version, **c.details}
        self.audit.append(AuditEntry(
            action=c.action, at=at or self.clock(), actor_ods=c.actor_ods, actor_kind=c.actor_kind,
            message_id=task.alert_id, nhs_number=task.nhs_number, recipient_ods=task.owner, rule=task.rule,
            outcome=task.status, details=details, business_key=f"{c.action}|{task.id}|v{c.version}"))

    # ---- the rules' hook: alerts and resolutions as they are published ------------------
    def on_records(self, records: Iterable[dict]) -> int:
        """Create the Tasks of each alert, complete those of each resolution. Returns Tasks changed now."""
        made: dict[str, list[Task]] = {}
        changed = 0
        for rec in records:
            if rec.get("type") == "alert":
                for task in tasks_for_alert(rec):
                    changed += self.tasks.create(task)
                    made.setdefault(task.alert_id, []).append(task)
                    self._audit(task)  # its creation, also when a retry finds the Task made (one record per version)
            elif rec.get("type") == "resolved":
                changed += self._complete(rec, made.get(rec["alert_id"], []))
        return changed

    def _complete(self, rec: dict, just_made: list[Task]) -> int:
        # the alert index may not show Tasks created a moment ago: take this batch's too
        found = {t.id: t for t in self.tasks.by_alert(rec["alert_id"])}
        ids = sorted(set(found) | {t.id for t in just_made})
        n = 0
        for tid in ids:
            for _ in range(_RETRIES):
                task = self.tasks.get(tid)
                if task is None:
                    break
                done = complete(task, reason=rec["reason"], resolved_at=rec.get("resolved_at"), at=self.clock())
                if done is not task:
                    try:
                        self.tasks.update(done, expected_version=task.version)
                    except TaskConflictError:
                        continue  # its owner changed it meanwhile: complete the newer version
                    n += 1
                if done.closure is not None and done.closure.automatic:
                    self._audit(done)  # once per version: a retry after the update finds the record
                break
        return n

    # ---- recipients ----------------------------------------------------------------------
    def read(self, caller: Caller, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None or task.owner != caller.ods:
            raise TaskNotFound(task_id)
        return task

    def search(self, query: TaskQuery) -> tuple[list[Task], str | None]:
        """`query.owner` is the caller's own ODS code (hub.core.tasks.parse_query enforces it)."""
        return self.tasks.by_owner(query.owner, statuses=query.statuses, updated_from=query.updated_from,
                                   updated_to=query.updated_to, limit=query.count, cursor=query.cursor)

    def act(self, caller: Caller, task_id: str, operation: str, body: dict) -> Task:
        """acknowledge / assign / decide / close, by the owning organisation; TaskError if it cannot."""
        for attempt in range(_RETRIES):
            task = self.read(caller, task_id)
            now = self.clock()
            new = apply(task, operation, body, at=now, actor=(caller.ods, caller.kind))
            if new is not task:
                try:
                    self.tasks.update(new, expected_version=task.version)
                except TaskConflictError:
                    if attempt + 1 == _RETRIES:
                        raise
                    continue  # re-read and apply to the newer version (the state machine decides again)
            # Unchanged means this request is already in effect, perhaps from an earlier attempt whose audit
            # failed: its record is written now (or found: one per version).
            self._audit(new, at=now)
            return new
        raise AssertionError("unreachable")

    # ---- the sweep ------------------------------------------------------------------------
    def escalate_due(self, limit: int | None = None) -> int:
        """Escalate each Task not acknowledged by its deadline; returns escalations sent now."""
        now = self.clock()
        sent = 0
        for task in self.tasks.due(now, limit):
            esc = due_escalation(task, now, self.escalation)
            if esc is None:
                continue
            rec = escalation_record(task, esc)
            key = f"task-escalation#{rec['escalation_id']}"
            status = self.ledger.status(key)
            if status is None:
                self.queues.send_json(self.alerts_queue_url, rec, dedup_id=f"escalated:{rec['escalation_id']}",
                                      group_id=child_ref(task.nhs_number, self._hmac_key)[:64])
                self.ledger.mark(key, "sent")
                sent += 1
            after = escalate(task, esc)
            if status != "audited":
                self._audit(after, at=now)
                self.ledger.mark(key, "audited")
            try:
                self.tasks.update(after, expected_version=task.version)
            except TaskConflictError:
                logger.info("task changed during escalation", extra={"task_id": task.id})  # the next sweep decides
        if sent:
            logger.info("escalations sent", extra={"count": sent})
        return sent
