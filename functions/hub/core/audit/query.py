"""Audit query filters and the opaque paging cursor (pure)."""
from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hub.core.audit.model import parse_at

LONDON = ZoneInfo("Europe/London")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class InvalidQuery(ValueError):
    """A caller-supplied filter is malformed (maps to HTTP 400)."""

    def __init__(self, message: str, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class AuditFilters:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    sender: str | None = None  # actor_ods
    recipient: str | None = None
    event: str | None = None
    rule: str | None = None
    outcome: str | None = None
    action: str | None = None
    child: str | None = None  # keyed hash of the NHS number

    def describe(self) -> dict:
        """Non-identifying description (for the audit.query record): the child hash is reduced to a flag."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k != "child"}
        for k in ("start", "end"):
            if k in out:
                out[k] = out[k].astimezone(timezone.utc).isoformat()
        if self.child:
            out["child"] = True
        return out


def parse_bound(text: str | None, *, name: str, upper: bool) -> datetime | None:
    """ISO date or datetime. A date is a Europe/London calendar day; as an upper bound it is inclusive.

    A value whose bound falls outside what a datetime holds once in UTC (`to=9999-12-31` ends in year
    10000; `0001-01-01T00:00:00+01:00` starts in year 0) is InvalidQuery, like any malformed value."""
    if text is None or text == "":
        return None
    text = text.strip()
    try:
        if len(text) > 64:
            raise ValueError("too long")
        if len(text) == 10:
            day = date.fromisoformat(text)
            if upper:
                day = day + timedelta(days=1)
            return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)
        value = parse_at(text)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise InvalidQuery(f"'{name}' must be an ISO 8601 date or date-time between years 1 and 9999 (UTC)",
                           name) from exc


def matches(record: dict, f: AuditFilters) -> bool:
    if f.start or f.end:
        at = record.get("at")
        if not at:
            return False
        t = parse_at(at)
        if f.start and t < f.start:
            return False
        if f.end and t >= f.end:
            return False
    for attr, field in (
        ("sender", "actor_ods"),
        ("recipient", "recipient_ods"),
        ("event", "event"),
        ("rule", "rule"),
        ("outcome", "outcome"),
        ("action", "action"),
        ("child", "child"),
    ):
        wanted = getattr(f, attr)
        if wanted is not None and record.get(field) != wanted:
            return False
    return True


def parse_limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    try:
        value = int(text)
    except ValueError as exc:
        raise InvalidQuery("'limit' must be an integer", "limit") from exc
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidQuery(f"'limit' must be between 1 and {MAX_LIMIT}", "limit")
    return value


@dataclass(frozen=True)
class Cursor:
    chain_index: int
    after_sk: str | None  # resume after this sort key within the chain (None: from its start)


def encode_cursor(cursor: Cursor | None) -> str | None:
    if cursor is None:
        return None
    raw = json.dumps({"c": cursor.chain_index, "k": cursor.after_sk}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str | None) -> Cursor | None:
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        data = json.loads(raw)
        index, after = data["c"], data["k"]
        if not isinstance(index, int) or index < 0 or not (after is None or isinstance(after, str)):
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidQuery("'cursor' is not a cursor this service issued", "cursor") from exc
    return Cursor(index, after)
