"""POST /$process-message: validate, quarantine or archive, record, enqueue — exactly once per sender and
MessageHeader.id.

Order: archive, audit `message.accepted`, then enqueue, so no message is routed without its accepted record.
Each step is safe to repeat: a retry (after a failure, the idempotency record is released) overwrites the same
archive object, finds the first accepted record (the audit log keeps one per sender and message id), and
enqueues under the same dedup id. MessageHeader.id is unique per sender only (`sender_message_id`): another
agency reusing an id sends a distinct message, and is never told (no 409) that the id was used.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from hub.core.audit import AuditEntry
from hub.core.messages import Caller, Message
from hub.core.identity import content_hash, group_id, sender_message_id
from hub.core.queued import queued_message
from hub.core.summary import summarise
from hub.core.validation import validate_message
from hub.core.validation.outcome import issue, operation_outcome, outcome_error, outcome_info
from hub.ports import Archive, AuditLog, Clock, Queues

logger = Logger(child=True)
IN_PROGRESS_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
REPLY_RESERVE_MS = 2_000  # kept back from the function's remaining time, to answer rather than time out


@dataclass(frozen=True)
class IngestResult:
    status: int
    outcome: dict


def _accepted_outcome(msg: Message) -> dict:
    return outcome_info(
        f"Message {msg.message_id} accepted for routing",
        [issue("informational", f"event {msg.event} ({msg.event_type})", "Bundle.entry[0].resource.eventCoding",
               severity="information")],
    )


class IngestService:
    def __init__(self, archive: Archive, queues: Queues, audit: AuditLog, idempotency_store: BasePersistenceLayer,
                 clock: Clock, *, validated_queue_url: str, hmac_key: bytes) -> None:
        self.archive, self.queues, self.audit, self.clock = archive, queues, audit, clock
        self.validated_queue_url = validated_queue_url
        self._hmac_key = hmac_key
        self.idempotency_config = config = IdempotencyConfig(
            event_key_jmespath="[sender, message_id]", payload_validation_jmespath="content_hash",
            expires_after_seconds=7 * 24 * 3600, response_hook=self._mark_replay)
        self._accept_once = idempotent_function(
            data_keyword_argument="key", persistence_store=idempotency_store, config=config,
            key_prefix="ingest",
        )(self._accept)

    # -- effects ------------------------------------------------------------
    @staticmethod
    def _mark_replay(response: dict, _record) -> dict:
        return {**response, "replayed": True}

    def _accept(self, key: dict, msg: Message, body: bytes, caller: Caller) -> dict:
        now = self.clock()
        uri = self.archive.archive(f"{caller.ods}/{msg.message_id}", now.date().isoformat(), body,
                                   {"sender-ods": caller.ods, "event": msg.event, "content-sha256": key["content_hash"]})
        # Audited before it is queued. A retry after a failed enqueue gets the first record back (one per
        # sender and message id: hub.core.audit.model.ONCE_PER), never a second.
        self.audit.append(AuditEntry(
            action="message.accepted", at=now, actor_ods=caller.ods, actor_kind=caller.kind, event=msg.event,
            message_id=msg.message_id, nhs_number=msg.patient.nhs_number, outcome="202",
            details={"summary": summarise(msg), "event_type": msg.event_type, "archive": uri,
                     "bundle_timestamp": msg.timestamp.isoformat()}))
        self.queues.send_json(self.validated_queue_url, queued_message(msg, received_at=now, archive_uri=uri),
                              group_id=group_id(msg, self._hmac_key), dedup_id=key["scoped_id"])
        return {"status": 202, "outcome": _accepted_outcome(msg)}

    def _reject(self, body: bytes, caller: Caller | None, status: int, outcome: dict, request_id: str) -> None:
        now = self.clock()
        uri = self.archive.quarantine(request_id, now.date().isoformat(), body,
                                      {"status": str(status), "sender-ods": caller.ods if caller else "-"})
        faults = [{"code": i.get("code"), "expression": (i.get("expression") or [None])[0]}
                  for i in outcome.get("issue", [])][:50]
        self.audit.append(AuditEntry(
            action="message.rejected", at=now, actor_ods=caller.ods if caller else None,
            actor_kind=caller.kind if caller else None, outcome=str(status),
            details={"quarantine": uri, "faults": faults, "issue_count": len(outcome.get("issue", []))}))

    # -- use case -------------------------------------------------------------
    def handle(self, body: bytes, *, content_type: str | None, caller: Caller | None,
               request_id: str | None = None, remaining_ms: Callable[[], int] | None = None) -> IngestResult:
        """``remaining_ms``: the function's remaining time (the Lambda context's); the wait for a concurrent
        request with the same message stays inside it."""
        request_id = request_id or str(uuid.uuid4())
        if caller is None:
            return IngestResult(401, outcome_error("login", "The caller is not authenticated", status=401))
        verdict = validate_message(body, content_type=content_type, caller=caller, now=self.clock())
        if verdict.status != 202:
            self._reject(body, caller, verdict.status, verdict.outcome, request_id)
            logger.info("message rejected", extra={"status": verdict.status, "issues": len(verdict.outcome["issue"])})
            return IngestResult(verdict.status, verdict.outcome)
        msg = verdict.message
        key = {"sender": caller.ods, "message_id": msg.message_id, "content_hash": content_hash(msg.raw),
               "scoped_id": sender_message_id(caller.ods, msg.message_id)}
        for wait in (*IN_PROGRESS_WAITS, None):
            try:
                result = self._accept_once(key=key, msg=msg, body=body, caller=caller)
                break
            except IdempotencyValidationError:
                return self._conflict(msg, caller)
            except IdempotencyAlreadyInProgressError:
                if wait is None or (remaining_ms is not None and remaining_ms() - wait * 1000 < REPLY_RESERVE_MS):
                    return IngestResult(409, outcome_error(
                        "conflict", f"Message {msg.message_id} is being processed; retry shortly",
                        "Bundle.entry[0].resource.id", status=409))
                time.sleep(wait)
        if result.get("replayed"):
            self.audit.append(AuditEntry(
                action="message.replayed", at=self.clock(), actor_ods=caller.ods, actor_kind=caller.kind,
                event=msg.event, message_id=msg.message_id, nhs_number=msg.patient.nhs_number, outcome="200"))
            logger.info("message replayed", extra={"message_id": msg.message_id})
            return IngestResult(200, result["outcome"])
        logger.info("message accepted", extra={"message_id": msg.message_id, "event": msg.event})
        return IngestResult(202, result["outcome"])

    def _conflict(self, msg: Message, caller: Caller) -> IngestResult:
        self.audit.append(AuditEntry(
            action="message.conflict", at=self.clock(), actor_ods=caller.ods, actor_kind=caller.kind,
            event=msg.event, message_id=msg.message_id, outcome="409"))
        return IngestResult(409, operation_outcome([issue(
            "conflict", f"MessageHeader.id {msg.message_id} was already used for different content",
            "Bundle.entry[0].resource.id")]))
