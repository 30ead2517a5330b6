"""The immunisation schedule data: the spec's acceptance cohorts, contiguity, sources, calendar arithmetic."""
from datetime import date, timedelta

import pytest

from hub.core.rules.calendars import add_months, age_reached
from hub.core.rules.schedule import default_schedule, parse_schedule

SPEC_2025 = {("6-in-1", 1): ("w", 8), ("6-in-1", 2): ("w", 12), ("6-in-1", 3): ("w", 16), ("rotavirus", 1): ("w", 8),
             ("rotavirus", 2): ("w", 12), ("menb", 1): ("w", 8), ("menb", 2): ("w", 12), ("menb", 3): ("m", 12),
             ("pcv", 1): ("w", 16), ("pcv", 2): ("m", 12), ("mmrv", 1): ("m", 12), ("6-in-1", 4): ("m", 18),
             ("mmrv", 2): ("m", 18)}
SPEC_2006 = {("5-in-1", 1): ("w", 8), ("5-in-1", 2): ("w", 12), ("5-in-1", 3): ("w", 16), ("pcv", 1): ("w", 8),
             ("pcv", 2): ("w", 16), ("pcv", 3): ("m", 13), ("mmr", 1): ("m", 13), ("mmr", 2): ("m", 40)}


@pytest.mark.parametrize("births, spec", [(("2025-01-01", "2026-06-30"), SPEC_2025),
                                          (("2006-09-04", "2010-06-12", "2013-06-30"), SPEC_2006)])
def test_schedule_spec_cohorts(births, spec):
    for b in births:
        birth = date.fromisoformat(b)
        doses = {(d.vaccine, d.dose): d for d in default_schedule().doses_for(birth)}
        for k, (unit, n) in spec.items():
            assert k in doses, (b, k)
            expect = birth + timedelta(weeks=n) if unit == "w" else add_months(birth, n)
            assert doses[k].due(birth) == expect, (b, k)


def test_schedule_2025_cohort_has_no_pre_2025_doses():
    doses = {(d.vaccine, d.dose) for d in default_schedule().doses_for(date(2025, 1, 1))}
    assert doses - set(SPEC_2025) == {("4-in-1-preschool", 1)}  # the pre-school booster is the only addition


def test_schedule_cohorts_contiguous_from_2006_and_sourced():
    s = default_schedule()
    assert s.cohorts[0].born_from == date(2006, 9, 4) and s.cohorts[-1].born_to is None
    assert s.cohort_for(date(2006, 9, 3)) is None
    assert [c.id for c in s.cohorts if c.contains(date(2013, 7, 1))] == ["2013-07"]
    assert {c.cohort_for(date(2020, 1, 1)).id for c in [s]} == {"2020-01"}
    for c in s.cohorts:
        assert c.sources and all(src in s.sources for src in c.sources)


def test_schedule_rejects_gaps():
    data = {"sources": {"x": "y"}, "cohorts": [
        {"id": "a", "born_from": "2006-09-04", "born_to": "2010-01-01", "doses": [], "sources": ["x"]},
        {"id": "b", "born_from": "2010-01-03", "born_to": None, "doses": [], "sources": ["x"]}]}
    with pytest.raises(ValueError):
        parse_schedule(data)


def test_schedule_calendar_months_clamp_and_london_midnight():
    assert add_months(date(2011, 8, 31), 6) == date(2012, 2, 29)
    assert add_months(date(2011, 1, 31), 1) == date(2011, 2, 28)
    assert age_reached(date(2011, 3, 15), 6).isoformat() == "2011-09-14T23:00:00+00:00"  # BST
    assert age_reached(date(2011, 6, 15), 6).isoformat() == "2011-12-15T00:00:00+00:00"  # GMT
