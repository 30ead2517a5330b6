"""The routine immunisation schedule by birth cohort (data in ``hub/data/immunisation-schedule.json``)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

from .calendars import add_months


@dataclass(frozen=True)
class ScheduledDose:
    vaccine: str
    dose: int
    weeks: int | None = None
    months: int | None = None
    accepts: tuple[str, ...] = ()

    def due(self, birth: date) -> date:
        if self.weeks is not None:
            return birth + timedelta(weeks=self.weeks)
        return add_months(birth, self.months or 0)

    def satisfied_by(self, vaccine: str, dose: int) -> bool:
        return dose == self.dose and vaccine in (self.accepts or (self.vaccine,))


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
