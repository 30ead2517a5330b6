"""Rules input and the scheduled sweep: update child state, publish alerts and resolutions, audit them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from hub.core.audit import AuditEntry
from hub.core.identity import child_ref
from hub.core.rules import on_message, on_tick

if TYPE_CHECKING:
    from hub.core.messages import Message
    from hub.core.rules import RulesConfig
    from hub.ports import AuditLog, ChildStateStore, Clock, DeliveryLedger, Queues
    from hub.service.tasks import TaskService

logger = Logger(child=True)


class RulesService:
    def __init__(self, state: ChildStateStore, ledger: DeliveryLedger, queues: Queues, audit: AuditLog,
                 clock: Clock, *, config: RulesConfig, alerts_queue_url: str, hmac_key: bytes,
                 tasks: TaskService | None = None) -> None:
        self.state, self.ledger, self.queues, self.audit, self.clock = state, ledger, queues, audit, clock
        self.config, self.alerts_queue_url = config, alerts_queue_url
        self._hmac_key = hmac_key
        self.tasks = tasks  # alert Tasks; None where the deployment has no Task table

    def _publish(self, decision, *, actor: str) -> int:
        # Publish and audit before saving state: the saved alert ledger must not claim an alert that
        # never reached the queue or the audit log, so a retry re-derives it. Queue dedup ids are stable
        # and an effect ledger keeps the audit to one record per alert and resolution.
        for rec in decision.records:
            dedup = f"{rec['type']}:{rec['alert_id']}"
            self.queues.send_json(self.alerts_queue_url, rec,
                                  group_id=child_ref(rec["nhs_number"], self._hmac_key)[:64], dedup_id=dedup)
        for rec in decision.records:
            key = f"alert-audit#{rec['type']}#{rec['alert_id']}"
            if self.ledger.status(key) != "audited":
                self.audit.append(self._audit_entry(rec, actor))
                self.ledger.mark(key, "audited")
        # ---- alert Tasks (hub.service.tasks): created and completed before the state is saved, so a
        # retry re-derives the records and the Tasks' own conditional writes keep them to one each.
        if self.tasks is not None:
            self.tasks.on_records(decision.records)
        # ----
        for state in decision.states:
            self.state.put(state)
        return len(decision.records)

    def _audit_entry(self, rec: dict, actor: str) -> AuditEntry:
        raised = rec["type"] == "alert"
        details = {"raised_at": rec.get("raised_at"), "detected_at": rec.get("detected_at"),
                   "due_by": rec.get("due_by"), "evidence": rec.get("evidence", [])}
        if raised:
            details |= {"severity": rec["severity"], "recipients": rec.get("recipients", []),
                        "summary": rec.get("summary"), **{k: v for k, v in (rec.get("details") or {}).items()
                                                          if k in ("on_cp_plan", "injury_key", "doses")}}
        else:
            details |= {"resolved_at": rec.get("resolved_at"), "reason": rec.get("reason")}
        return AuditEntry(
            action="alert.raised" if raised else "alert.resolved", at=self.clock(), actor_ods="hub",
            actor_kind=actor, message_id=rec["alert_id"], nhs_number=rec["nhs_number"], rule=rec["rule"],
            outcome=rec.get("severity") if raised else rec.get("reason"), details=details)

    def on_message(self, msg: Message) -> int:
        decision = on_message(self.state, msg, config=self.config, now=self.clock())
        return self._publish(decision, actor="rules")

    def sweep(self, limit: int | None = None) -> int:
        decision = on_tick(self.state, config=self.config, now=self.clock(), limit=limit)
        n = self._publish(decision, actor="sweep")
        logger.info("sweep done", extra={"children": len(decision.states), "records": n})
        return n
