"""The routine immunisation schedule by birth cohort (data in ``hub/data/immunisation-schedule.json``).

A scheduled dose is given when a completed immunisation records one of its accepted vaccines with its
position in the course (``nth``, by default the dose number), or when the child has had that many
administrations (on distinct days) of the accepted vaccines: an MMRV at 18 months after an MMR at 12 months
is the second measles-containing dose however the practice numbered it. ``or`` lists other courses that
also complete it, and ``not_after_weeks`` is an upper age limit (rotavirus) after which it is never given.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources

from .calendars import add_months, london_date


@dataclass(frozen=True)
class ScheduledDose:
    vaccine: str
    dose: int
    weeks: int | None = None
    months: int | None = None
    accepts: tuple[str, ...] = ()
    nth: int | None = None  # its position among administrations of the accepted vaccines (default: dose)
    alternatives: tuple[tuple[tuple[str, ...], int], ...] = ()  # other (vaccines, nth) courses completing it
    not_after_weeks: int | None = None  # never given once the child is older than this many weeks

    @property
    def course(self) -> tuple[str, ...]:
        return self.accepts or (self.vaccine,)

    @property
    def position(self) -> int:
        return self.nth or self.dose

    def due(self, birth: date) -> date:
        if self.weeks is not None:
            return birth + timedelta(weeks=self.weeks)
        return add_months(birth, self.months or 0)

    def too_old_from(self, birth: date) -> date | None:
        """The first day the child is too old for it (given up to and including the day it is N weeks old)."""
        if self.not_after_weeks is None:
            return None
        return birth + timedelta(weeks=self.not_after_weeks, days=1)

    def satisfied_by(self, vaccine: str, dose: int) -> bool:
        """Whether one record, read alone, is this dose (the accepted vaccine at this position)."""
        return dose == self.position and vaccine in self.course

    def done_at(self, given: list[tuple[str, int, datetime]]) -> datetime | None:
        """When it was given, from completed immunisations ``(vaccine, dose number, occurrence)``; None if not."""
        times = [t for vaccine, dose, t in given if self.satisfied_by(vaccine, dose)]
        for vaccines, n in ((self.course, self.position), *self.alternatives):
            t = _nth_day(given, vaccines, n)
            if t is not None:
                times.append(t)
        return min(times, default=None)


def _nth_day(given: list[tuple[str, int, datetime]], vaccines: tuple[str, ...], n: int) -> datetime | None:
    """The first administration on the n-th distinct (London) day any of ``vaccines`` was given."""
    days: dict[date, datetime] = {}
    for vaccine, _, t in given:
        if vaccine in vaccines:
            d = london_date(t)
            days[d] = min(t, days.get(d, t))
    ordered = [days[d] for d in sorted(days)]
    return ordered[n - 1] if len(ordered) >= n else None


@dataclass(frozen=True)
class Cohort:
    id: str
    born_from: date
    born_to: date | None
    doses: tuple[ScheduledDose, ...]
    sources: tuple[str, ...] = ()

    def contains(self, birth: date) -> bool:
        return self.born_from <= birth and (self.born_to is None or birth <= self.born_to)


@dataclass(frozen=True)
class Schedule:
    version: str
    cohorts: tuple[Cohort, ...]
    sources: dict

    def cohort_for(self, birth: date) -> Cohort | None:
        for c in self.cohorts:
            if c.contains(birth):
                return c
        return None

    def doses_for(self, birth: date) -> tuple[ScheduledDose, ...]:
        c = self.cohort_for(birth)
        return c.doses if c else ()


def parse_schedule(data: dict) -> Schedule:
    cohorts = []
    for c in data["cohorts"]:
        doses = tuple(
            ScheduledDose(
                vaccine=d["vaccine"],
                dose=int(d["dose"]),
                weeks=d.get("weeks"),
                months=d.get("months"),
                accepts=tuple(d.get("accepts", ())),
                nth=d.get("nth"),
                alternatives=tuple((tuple(a["accepts"]), int(a["nth"])) for a in d.get("or", ())),
                not_after_weeks=d.get("not_after_weeks"),
            )
            for d in c["doses"]
        )
        for d in doses:
            if (d.weeks is None) == (d.months is None):
                raise ValueError(f"dose {d.vaccine} {d.dose} in cohort {c['id']}: exactly one of weeks/months")
        cohorts.append(
            Cohort(
                id=c["id"],
                born_from=date.fromisoformat(c["born_from"]),
                born_to=date.fromisoformat(c["born_to"]) if c.get("born_to") else None,
                doses=doses,
                sources=tuple(c.get("sources", ())),
            )
        )
        if not c.get("sources"):
            raise ValueError(f"cohort {c['id']} names no source")
    cohorts.sort(key=lambda c: c.born_from)
    for a, b in zip(cohorts, cohorts[1:]):
        if a.born_to is None or a.born_to + timedelta(days=1) != b.born_from:
            raise ValueError(f"cohorts {a.id} and {b.id} are not contiguous")
    for c in cohorts:
        for s in c.sources:
            if s not in data.get("sources", {}):
                raise ValueError(f"cohort {c.id} names an unknown source {s}")
    return Schedule(version=str(data.get("version", "")), cohorts=tuple(cohorts), sources=dict(data.get("sources", {})))


@lru_cache(maxsize=1)
def default_schedule() -> Schedule:
    text = resources.files("hub").joinpath("data/immunisation-schedule.json").read_text(encoding="utf-8")
    return parse_schedule(json.loads(text))
