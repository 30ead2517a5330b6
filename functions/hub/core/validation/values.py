"""Reading values out of a parsed Bundle that may have any shape: tolerant accessors, FHIR date/dateTime
parsing, identifier keys and the patterns of the Bundle and MessageHeader (spec §2)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

CLOCK_SKEW = timedelta(minutes=5)  # times may be this far after receipt (senders' clocks drift)
# v1.1: every pattern matches the whole value. Use ``.fullmatch``: ``$`` (and ``\Z``-less ``.match``) would let
# a trailing line break through, and ``\d`` would take other scripts' digits, hence ASCII classes throughout.
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
URN_UUID_RE = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FULL_DT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_FULL_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# an identifier value the hub keys on: printable, no whitespace at either end, no line break anywhere
_TOKEN = re.compile(r"[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f\u2028\u2029]*[^\s\x00-\x1f\x7f-\x9f])?")

# shared read-only defaults: an accessor never allocates for a missing or mistyped element
EMPTY: dict = {}
_NONE: list = []


def as_dict(v) -> dict:
    return v if v.__class__ is dict else EMPTY


def as_list(v) -> list:
    return v if v.__class__ is list else _NONE


def as_str(v) -> str | None:
    return v if v.__class__ is str else None


def parse_datetime(value) -> datetime | None:
    """A full FHIR dateTime with time zone -> aware datetime, else None."""
    if value.__class__ is not str:
        return None
    m = _FULL_DT.fullmatch(value)
    if m is None:
        return None
    try:
        return datetime.fromisoformat(value)  # C fast path (3.11 takes "Z" and any fraction length)
    except ValueError:
        pass
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:  # leap second (":60") and other edge forms FHIR allows
        micro = int((frac or "0")[:6].ljust(6, "0"))
        if tz == "Z":
            tzinfo = timezone.utc
        else:
            sign = 1 if tz[0] == "+" else -1
            tzinfo = timezone(sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6])))
        return datetime(int(y), int(mo), int(d), int(h), int(mi), min(int(s), 59), micro, tzinfo=tzinfo)
    except (ValueError, OverflowError):
        return None


def parse_date(value) -> date | None:
    if not isinstance(value, str):
        return None
    m = _FULL_DATE.fullmatch(value)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + (d.month - 1) - months, 12)
    m += 1
    if y < 1:
        return date.min
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return date(y, m, 28)


def token_ok(value, max_length: int) -> bool:
    """An identifier value matched whole (v1.1): a string of at most ``max_length`` characters with no
    whitespace at either end and no line break or control character anywhere."""
    return value.__class__ is str and len(value) <= max_length and _TOKEN.fullmatch(value) is not None


def identifier_key(ident) -> str | None:
    """"<system>|<value>" of an Identifier: the key of a fact (``hub.core.facts``)."""
    ident = as_dict(ident)
    system, value = as_str(ident.get("system")), as_str(ident.get("value"))
    if system and value:
        return f"{system}|{value}"
    return None
