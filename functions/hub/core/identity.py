"""Identifiers the hub derives: content hashes, keyed child references, FIFO groups, disclosure ids.

Anything derived from an NHS number is keyed (HMAC), so it cannot be reversed by enumerating numbers.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from hub.core.messages import Message

HUB_NAMESPACE = uuid.UUID("5f0c7d1e-3b1a-4c55-9f0e-2a6c1d9b7e11")


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(raw: dict) -> str:
    """Same content means the same parsed Bundle, whatever the whitespace or key order."""
    return hashlib.sha256(canonical_json(raw)).hexdigest()


def child_ref(nhs_number: str, key: bytes) -> str:
    """Keyed hash of the NHS number: usable as a group id or log field without disclosing it."""
    return hmac.new(key, nhs_number.encode(), hashlib.sha256).hexdigest()


def group_id(msg: Message, key: bytes) -> str:
    """FIFO group: siblings share one, so household rules see their facts in order."""
    basis = f"household:{msg.patient.household}" if msg.patient.household else f"child:{msg.patient.nhs_number}"
    return child_ref(basis, key)[:64]


def sender_message_id(sender_ods: str, message_id: str) -> str:
    """A MessageHeader.id scoped to its sender. Ids are unique per sender only: another agency may send the same
    id, and that is a distinct message, so every key the hub derives from a message id (idempotency, archive,
    queue dedup, disclosures) starts from this, and no agency learns whether another used an id."""
    return f"{sender_ods}|{message_id}"


def disclosure_id(message_id: str, recipient_kind: str, recipient_ods: str) -> str:
    """Deterministic id of one disclosure: the re-addressed MessageHeader.id, its key in the recipient's mailbox."""
    return str(uuid.uuid5(HUB_NAMESPACE, f"{message_id}|{recipient_kind}|{recipient_ods}"))
