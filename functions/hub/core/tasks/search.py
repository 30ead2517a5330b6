"""`GET /Task` search parameters: a recipient's own Tasks, filtered by status and last update.

- `owner`: the caller's ODS code (the default); `ODS`, `<ods system>|ODS` or `Organization/ODS`. Any other
  organisation is refused: a recipient searches only its own work.
- `status`: one or more of requested, accepted, in-progress, completed (comma-separated: any of them).
- `_lastUpdated`: FHIR date search, repeatable: a prefix (eq, gt, ge, lt, le; default eq) then a date
  (YYYY, YYYY-MM, YYYY-MM-DD: a Europe/London period) or a dateTime with a zone. `eq` means within the
  value's period. Repeats narrow the range (`ge2025-08-01&_lastUpdated=lt2025-09-01`).
- `_count`: page size, 1-200 (default 50). `_cursor`: the next page (from the Bundle's `next` link).
Results: most recently updated first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from .model import STATUSES

NS_ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
LONDON = ZoneInfo("Europe/London")
DEFAULT_COUNT, MAX_COUNT = 50, 200
PARAMETERS = ("owner", "status", "_lastUpdated", "_count", "_cursor")
_ODS = re.compile(r"^[A-Z0-9]{3,8}$")
_PREFIXED = re.compile(r"^(eq|gt|ge|lt|le)?(\d{4}(-\d{2}(-\d{2}(T.+)?)?)?)$")
_TICK = timedelta(microseconds=1)


class InvalidSearch(ValueError):
    def __init__(self, message: str, parameter: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.status = status


@dataclass(frozen=True)
class TaskQuery:
    owner: str
    statuses: tuple[str, ...] | None = None
    updated_from: datetime | None = None  # inclusive
    updated_to: datetime | None = None  # inclusive
    count: int = DEFAULT_COUNT
    cursor: str | None = None


def _owner(values: list[str], caller_ods: str) -> str:
    if not values:
        return caller_ods
    if len(values) > 1:
        raise InvalidSearch("give 'owner' once", "owner")
    raw = values[0].strip()
    ods = raw.split("|", 1)[1] if "|" in raw and raw.split("|", 1)[0] in ("", NS_ODS) else raw
    ods = ods.removeprefix("Organization/")
    if not _ODS.match(ods):
        raise InvalidSearch("'owner' is not an ODS code", "owner")
    if ods != caller_ods:
        raise InvalidSearch("a recipient may search only its own Tasks (owner must be the caller)", "owner",
                            status=403)
    return ods


def _statuses(values: list[str]) -> tuple[str, ...] | None:
    found = [s.strip() for v in values for s in v.split(",") if s.strip()]
    if not found:
        return None
    bad = [s for s in found if s not in STATUSES]
    if bad:
        raise InvalidSearch(f"'status' {bad[0]!r} is not one of {', '.join(STATUSES)}", "status")
    return tuple(dict.fromkeys(found))


def _period(text: str) -> tuple[datetime, datetime]:
    """[start, end) of a FHIR date or dateTime value."""
    if "T" in text:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if t.tzinfo is None:
            raise ValueError("a dateTime needs a zone")
        t = t.astimezone(timezone.utc)
        return t, t + timedelta(seconds=1) if t.microsecond == 0 else t + _TICK
    parts = [int(p) for p in text.split("-")]
    start = datetime(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1, tzinfo=LONDON)
    if len(parts) == 3:
        end = start.date() + timedelta(days=1)
    elif len(parts) == 2:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1).date()
    else:
        end = start.replace(year=start.year + 1).date()
    stop = datetime(end.year, end.month, end.day, tzinfo=LONDON)
    return start.astimezone(timezone.utc), stop.astimezone(timezone.utc)


def _last_updated(values: list[str]) -> tuple[datetime | None, datetime | None]:
    lo = hi = None
    for raw in values:
        m = _PREFIXED.match(raw.strip())
        if not m:
            raise InvalidSearch(f"'_lastUpdated' {raw!r}: expected [eq|gt|ge|lt|le]<date or dateTime>", "_lastUpdated")
        prefix, value = m.group(1) or "eq", m.group(2)
        try:
            start, end = _period(value)
        except ValueError as exc:
            raise InvalidSearch(f"'_lastUpdated' {raw!r}: {exc}", "_lastUpdated") from None
        low, high = {"eq": (start, end - _TICK), "ge": (start, None), "gt": (end, None),
                     "le": (None, end - _TICK), "lt": (None, start - _TICK)}[prefix]
        lo = low if low is not None and (lo is None or low > lo) else lo
        hi = high if high is not None and (hi is None or high < hi) else hi
    return lo, hi


def _count(values: list[str]) -> int:
    if not values:
        return DEFAULT_COUNT
    try:
        n = int(values[-1])
    except ValueError:
        raise InvalidSearch("'_count' must be a whole number", "_count") from None
    if not 1 <= n <= MAX_COUNT:
        raise InvalidSearch(f"'_count' must be 1-{MAX_COUNT}", "_count")
    return n


def parse_query(params: dict[str, list[str]], caller_ods: str) -> TaskQuery:
    """The query for `params` (each name to its values, as repeated in the URL); InvalidSearch if bad."""
    unknown = sorted(k for k in params if k not in PARAMETERS)
    if unknown:
        raise InvalidSearch(f"unknown search parameter {unknown[0]!r}; supported: {', '.join(PARAMETERS)}",
                            unknown[0])
    lo, hi = _last_updated(params.get("_lastUpdated") or [])
    if lo is not None and hi is not None and lo > hi:
        raise InvalidSearch("'_lastUpdated' bounds exclude every time", "_lastUpdated")
    cursor = (params.get("_cursor") or [None])[-1]
    return TaskQuery(owner=_owner(params.get("owner") or [], caller_ods),
                     statuses=_statuses(params.get("status") or []), updated_from=lo, updated_to=hi, count=_count(params.get("_count") or []), cursor=cursor or None)
