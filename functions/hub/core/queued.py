"""The record ingest puts on the validated queue: the message, or a claim check on its archived copy."""
from __future__ import annotations

from datetime import datetime

from hub.core.identity import canonical_json
from hub.core.messages import Message

# SQS allows 256 KiB; larger bundles travel by reference to the archive (claim check).
INLINE_LIMIT_BYTES = 200 * 1024


def queued_message(msg: Message, *, received_at: datetime, archive_uri: str) -> dict:
    queued = {
        "message_id": msg.message_id,
        "received_at": received_at.isoformat(),
        "sender_ods": msg.sender_ods,
        "sender_kind": msg.sender_kind,
        "archive_uri": archive_uri,
    }
    if len(canonical_json(msg.raw)) <= INLINE_LIMIT_BYTES:
        queued["bundle"] = msg.raw
    return queued
