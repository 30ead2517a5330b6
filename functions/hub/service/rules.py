"""Rules input and the scheduled sweep: update child state, publish alerts and resolutions, audit them.

An alert is a disclosure: its audit record carries the legal basis (routing policy ``legal_bases``,
the id in ``RulesConfig.alert_legal_basis``). Every change of a child's registered GP or household is
audited too (``child.relationship-changed``: old and new ODS code, households as keyed pseudonyms, never
the NHS number); for a child on a plan the rule ``relationship-changed`` also puts a notice for the lead
social worker's local authority on the alerts queue.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Mapping

from aws_lambda_powertools import Logger

from hub.core.audit import AuditEntry
from hub.core.identity import child_ref
from hub.core.rules import on_message, on_tick
from hub.core.routing.policy import default_policy

if TYPE_CHECKING:
    from hub.core.messages import Message
    from hub.core.rules import RulesConfig
    from hub.ports import AuditLog, ChildStateStore, Clock, DeliveryLedger, Queues
    from hub.service.tasks import TaskService

logger = Logger(child=True)


class RulesService:
    def __init__(self, state: ChildStateStore, ledger: DeliveryLedger, queues: Queues, audit: AuditLog,
                 clock: Clock, *, config: RulesConfig, alerts_queue_url: str, hmac_key: bytes,
                 tasks: TaskService | None = None, legal_bases: Mapping[str, str] | None = None) -> None:
        self.state, self.ledger, self.queues, self.audit, self.clock = state, ledger, queues, audit, clock
        # alert ids are keyed with the hub's secret (never replay's public key): they reach the audit log
        self.config = replace(config, alert_key=hmac_key)
        self.alerts_queue_url = alerts_queue_url
        self._hmac_key = hmac_key
        bases = legal_bases if legal_bases is not None else default_policy().legal_bases
        self._legal_basis = bases[config.alert_legal_basis]  # a missing basis fails at start, not per alert
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
        for change in decision.changes:
            self.audit.append(self._change_entry(change, actor))
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
            legal_basis=self._legal_basis,
            outcome=rec.get("severity") if raised else rec.get("reason"), details=details)

    def _change_entry(self, change: dict, actor: str) -> AuditEntry:
        what = change["relationship"]

        def shown(value: str | None) -> str | None:
            # ODS codes are organisations; a household identifier can point at an address, so it is pseudonymised
            if value is None or what != "household":
                return value
            return "hh-" + child_ref(f"household-audit|{value}", self._hmac_key)[:32]

        return AuditEntry(
            action="child.relationship-changed", at=self.clock(), actor_ods="hub", actor_kind=actor,
            message_id=change["message_id"], nhs_number=change["nhs_number"], outcome=what,
            details={"relationship": what, "from": shown(change["from"]), "to": shown(change["to"]),
                     "message_timestamp": change["at"]},
            business_key=f"relationship-changed|{change['message_id']}|{what}")

    def on_message(self, msg: Message) -> int:
        decision = on_message(self.state, msg, config=self.config, now=self.clock())
        return self._publish(decision, actor="rules")

    def sweep(self, limit: int | None = None) -> int:
        decision = on_tick(self.state, config=self.config, now=self.clock(), limit=limit)
        n = self._publish(decision, actor="sweep")
        logger.info("sweep done", extra={"children": len(decision.states), "records": n})
        return n
