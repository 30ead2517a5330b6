"""Audit record model: what the hub's functions hand to the audit writer.

`AuditEntry` is the input; `build_body` turns it into the stored, unchained
record body (plain NHS number replaced by a keyed hash, time normalised to UTC).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

ACTIONS: tuple[str, ...] = (
    "message.accepted",
    "message.rejected",
    "message.replayed",
    "message.conflict",
    "message.routed",
    "message.validated",  # POST /$validate: a verdict asked for, nothing kept
    "alert.raised",
    "alert.resolved",
    "child.relationship-changed",  # the registered GP or household of a child changed (hub.service.rules)
    "audit.query",
    "audit.chronology",
    # alert Tasks (hub.service.tasks): each change, once per Task version
    "task.created",
    "task.acknowledged",
    "task.assigned",
    "task.decided",
    "task.closed",
    "task.completed",
    "task.escalated",
    # mailboxes (hub.service.mailbox): every read of a delivered copy, and its acknowledgement (once)
    "mailbox.fetched",
    "mailbox.acknowledged",
)

# Record fields in a stable order (CSV columns, docs). Storage keys pk/sk are not record fields.
RECORD_FIELDS: tuple[str, ...] = (
    "chain",
    "seq",
    "at",
    "action",
    "actor_ods",
    "actor_kind",
    "event",
    "message_id",
    "child",
    "recipient_ods",
    "recipient_kind",
    "legal_basis",
    "outcome",
    "rule",
    "details",
    "once",
    "v",
    "prev_hash",
    "hash",
)
SCHEMA_VERSION = 2  # 2: keyed record MAC (chain.chain_key) and the `once` business key

# Actions recorded once per business fact, and the entry fields naming the fact. A retried step
# (a Lambda retry, a redelivered queue message) finds the first record instead of appending another.
ONCE_PER: dict[str, tuple[str, ...]] = {
    "message.accepted": ("actor_ods", "message_id"),
    "message.routed": ("message_id", "recipient_kind", "recipient_ods"),
    "alert.raised": ("message_id",),
    "alert.resolved": ("message_id",),
}


class AuditError(Exception):
    """Base class for audit failures."""


class InvalidAuditEntry(AuditError, ValueError):
    pass


@dataclass(frozen=True)
class AuditEntry:
    action: str
    at: datetime
    actor_ods: str | None
    actor_kind: str | None
    event: str | None = None
    message_id: str | None = None
    nhs_number: str | None = None  # plain; only its keyed hash is stored
    recipient_ods: str | None = None
    recipient_kind: str | None = None
    legal_basis: str | None = None
    outcome: str | None = None
    rule: str | None = None
    details: dict = field(default_factory=dict)
    # The fact this record is the one record of; None: derived from ONCE_PER; "": never deduplicated.
    business_key: str | None = None


def format_at(at: datetime) -> str:
    """Fixed-width UTC timestamp, so lexical order is time order."""
    if at.tzinfo is None:
        raise InvalidAuditEntry("audit time must be timezone-aware")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def normalise_nhs_number(nhs_number: str) -> str:
    return "".join(ch for ch in str(nhs_number) if not ch.isspace())


def child_hash(hmac_key: bytes, nhs_number: str) -> str:
    """HMAC-SHA256 of the NHS number: lets us link a child's records without storing the number."""
    if not hmac_key:
        raise AuditError("no HMAC key for child hashing")
    return hmac.new(hmac_key, normalise_nhs_number(nhs_number).encode("ascii"), hashlib.sha256).hexdigest()


def business_key_of(entry: AuditEntry) -> str | None:
    if entry.business_key is not None:
        return entry.business_key or None
    names = ONCE_PER.get(entry.action)
    values = [getattr(entry, n) for n in names] if names else []
    if not values or any(v in (None, "") for v in values):
        return None
    return "|".join([entry.action, *map(str, values)])


def once_token(hmac_key: bytes, business_key: str) -> str:
    """Keyed, so the stored token says nothing about the ids it was made from."""
    return hmac.new(hmac_key, b"audit-once|" + business_key.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_at(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"audit details value of type {type(value).__name__} is not JSON-serialisable")


def normalise_details(details: dict | None) -> dict:
    """JSON round trip, so the record hashed at write time equals the record read back."""
    if not details:
        return {}
    try:
        return json.loads(json.dumps(details, default=_json_default, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise InvalidAuditEntry(str(exc)) from exc


def build_body(entry: AuditEntry, hmac_key: bytes) -> dict:
    """The record body before chaining. None-valued fields are omitted (stored absent)."""
    if entry.action not in ACTIONS:
        raise InvalidAuditEntry(f"unknown audit action {entry.action!r}")
    body: dict[str, Any] = {
        "v": SCHEMA_VERSION,
        "action": entry.action,
        "at": format_at(entry.at),
        "actor_ods": entry.actor_ods,
        "actor_kind": entry.actor_kind,
        "event": entry.event,
        "message_id": entry.message_id,
        "child": child_hash(hmac_key, entry.nhs_number) if entry.nhs_number else None,
        "recipient_ods": entry.recipient_ods,
        "recipient_kind": entry.recipient_kind,
        "legal_basis": entry.legal_basis,
        "outcome": None if entry.outcome is None else str(entry.outcome),
        "rule": entry.rule,
        "details": normalise_details(entry.details),
    }
    key = business_key_of(entry)
    if key is not None:
        body["once"] = once_token(hmac_key, key)
    return {k: v for k, v in body.items() if v is not None}
