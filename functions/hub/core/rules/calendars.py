"""Europe/London calendar days, calendar months and England & Wales working days.

Every instant the rules produce is an aware ``datetime`` in UTC; day and month
arithmetic is done on the Europe/London wall clock.
"""
from __future__ import annotations

import calendar as _stdcal
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc


def to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC)


def london_date(dt: datetime) -> date:
    return dt.astimezone(LONDON).date()


def midnight(d: date) -> datetime:
    """00:00 Europe/London on ``d``, as UTC."""
    return datetime.combine(d, time(0, 0), tzinfo=LONDON).astimezone(UTC)


def add_months(d: date, months: int) -> date:
    """Calendar-month arithmetic; a day missing in the target month clamps to its last day."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


def add_months_dt(dt: datetime, months: int) -> datetime:
    """Same London wall-clock time ``months`` calendar months later (or earlier)."""
    local = dt.astimezone(LONDON)
    d = add_months(local.date(), months)
    return datetime.combine(d, local.time().replace(tzinfo=None), tzinfo=LONDON).astimezone(UTC)


def age_reached(birth: date, months: int) -> datetime:
    """The instant a child born on ``birth`` becomes ``months`` calendar months old."""
    return midnight(add_months(birth, months))


@lru_cache(maxsize=1)
def _bank_holidays() -> holidays.HolidayBase:
    # England (and Wales) bank holidays, including one-off days such as 2011-04-29, 2022-09-19, 2023-05-08.
    return holidays.UK(subdiv="ENG", years=range(2000, 2041))


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _bank_holidays()


def nth_working_day_after(d: date, n: int) -> date:
    """The n-th working day strictly after calendar day ``d``."""
    count = 0
    cur = d
    while count < n:
        cur += timedelta(days=1)
        if is_working_day(cur):
            count += 1
    return cur


def iso(dt: datetime) -> str:
    """The record timestamp format: UTC, ``+00:00`` offset, seconds (microseconds only when present)."""
    u = to_utc(dt)
    return u.isoformat(timespec="microseconds" if u.microsecond else "seconds")


def parse_iso(s: str) -> datetime:
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    return to_utc(dt)
