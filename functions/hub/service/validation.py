"""POST /$validate: the verdict POST /$process-message would give, with no side effect but its audit record.

The same validator, caller authorisation included, at the same clock: the reply has the status ingest
would answer (200 where ingest answers 202) and the same OperationOutcome, with the extension
`HUB/StructureDefinition/ingest-status` carrying ingest's own status. Nothing is archived, quarantined,
queued or remembered for idempotency, so a 409 (MessageHeader.id already used) cannot be foreseen here.
The audit log gets one `message.validated` record: who asked, the event and the outcome, no content.
"""
from __future__ import annotations

from dataclasses import dataclass

from hub.core.audit import AuditEntry
from hub.core.messages import HUB, Caller
from hub.core.validation import validate_message
from hub.core.validation.outcome import outcome_error
from hub.ports import AuditLog, Clock

EXT_INGEST_STATUS = f"{HUB}/StructureDefinition/ingest-status"


@dataclass(frozen=True)
class ValidationResult:
    status: int
    outcome: dict


class ValidationService:
    def __init__(self, audit: AuditLog, clock: Clock) -> None:
        self.audit, self.clock = audit, clock

    def validate(self, body: bytes, *, content_type: str | None, caller: Caller | None) -> ValidationResult:
        if caller is None:
            return ValidationResult(401, outcome_error("login", "The caller is not authenticated", status=401))
        now = self.clock()
        verdict = validate_message(body, content_type=content_type, caller=caller, now=now)
        issues = verdict.outcome.get("issue", [])
        msg = verdict.message
        self.audit.append(AuditEntry(
            action="message.validated", at=now, actor_ods=caller.ods, actor_kind=caller.kind,
            event=msg.event if msg else None, message_id=msg.message_id if msg else None, outcome=str(verdict.status),
            details={"issue_count": len(issues), "faults": [
                {"code": i.get("code"), "expression": (i.get("expression") or [None])[0]}
                for i in issues if i.get("severity") in ("error", "fatal")][:50]}))
        outcome = {**verdict.outcome, "extension": [{"url": EXT_INGEST_STATUS, "valueInteger": verdict.status}]}
        return ValidationResult(200 if verdict.status == 202 else verdict.status, outcome)
