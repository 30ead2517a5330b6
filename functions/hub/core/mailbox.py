"""Per-organisation mailboxes (in the spirit of NHS MESH): what the hub delivered to one ODS code.

The router puts each minimised, re-addressed copy into its recipient organisation's mailbox, keyed by
the recipient's ODS code and the copy's MessageHeader.id (the deterministic disclosure id). Only the
addressee reads it, over the mailbox API with its own key; it leaves the mailbox when the addressee
acknowledges it. An acknowledged message leaves a tombstone (no content) for `TOMBSTONE_DAYS`, so a
late retry of the router cannot deliver it a second time. Pure: the records and their rules only.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

# longer than a message can wait on the validated queue and its DLQ (4 + 14 days) before a retry
TOMBSTONE_DAYS = 30
MAX_PAGE = 100
DEFAULT_PAGE = 50
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # a FHIR id: what a disclosure id is


class MailboxQueryError(ValueError):
    """A caller's paging parameter is malformed (the API answers 400)."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class MailboxMessage:
    ods: str  # the addressee's ODS code
    message_id: str  # the copy's MessageHeader.id (the disclosure id)
    kind: str  # the addressee's agency kind the policy delivered to
    event: str  # the message's event code, or the notification's
    original_message_id: str  # the MessageHeader.id the sender gave
    delivered_at: datetime
    bundle: dict | None = None  # the copy; None in listings and once acknowledged
    size: int = 0  # bytes of the copy as JSON
    nhs_number: str | None = None  # the child, for the audit of each read (never listed, never logged)
    acknowledged_at: datetime | None = None  # set on a tombstone

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def without_bundle(self) -> "MailboxMessage":
        return replace(self, bundle=None)

    def summary(self) -> dict:
        """What `GET /mailbox` lists: no content, no child."""
        return {"id": self.message_id, "event": self.event, "kind": self.kind,
                "original_message_id": self.original_message_id, "delivered_at": utc_iso(self.delivered_at),
                "size": self.size}

    def operator_view(self, now: datetime) -> dict:
        """What an operator sees of an unacknowledged message: who has not read what, since when."""
        return {"ods": self.ods, **self.summary(),
                "age_hours": round((now - self.delivered_at).total_seconds() / 3600, 1)}


def copy_bytes(bundle: dict) -> bytes:
    return json.dumps(bundle, separators=(",", ":"), ensure_ascii=False).encode()


def utc_iso(at: datetime) -> str:
    """Fixed-width UTC, so lexical order is time order (the listing index sorts on it)."""
    if at.tzinfo is None:
        raise ValueError("mailbox times must be timezone-aware")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tombstone_expiry(acknowledged_at: datetime) -> int:
    """Epoch seconds after which the tombstone may go (the table's TTL)."""
    return int((acknowledged_at + timedelta(days=TOMBSTONE_DAYS)).timestamp())


def valid_message_id(value: str | None) -> bool:
    return bool(value) and bool(_ID.match(value))


def parse_limit(value: str | int | None) -> int:
    if value in (None, ""):
        return DEFAULT_PAGE
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise MailboxQueryError(f"'limit' must be a whole number from 1 to {MAX_PAGE}", "limit")
    return int(text)


# A page cursor is the last (delivered_at, id) returned, bound to the mailbox it pages through, so a
# cursor from another organisation's listing (or a forged one) is refused rather than followed.
def encode_cursor(ods: str, delivered_at: datetime, message_id: str) -> str:
    raw = json.dumps([ods, utc_iso(delivered_at), message_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(ods: str, cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    bad = MailboxQueryError("'cursor' is not a cursor this mailbox gave", "cursor")
    if len(cursor) > 400:
        raise bad
    try:
        owner, at, message_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = parse_time(at)
    except (ValueError, TypeError):
        raise bad from None
    if owner != ods or not valid_message_id(message_id) or when.tzinfo is None:
        raise bad
    return when, message_id
