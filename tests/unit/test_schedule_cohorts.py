"""The immunisation schedule data: the contract's cohorts (v1.1), every cohort boundary pinned on the day
before and the day of, sources, what completes a dose (MMR for MMRV, counted courses), the rotavirus upper
age limits, calendar arithmetic."""
from datetime import date, datetime, timedelta, timezone

import pytest

from hub.core.rules.calendars import add_months, age_reached
from hub.core.rules.schedule import default_schedule, parse_schedule
from tests.support.rule_builders import Child, Hub, imm, nhs_number, plan_start

SPEC_2025_04 = {("6-in-1", 1): ("w", 8), ("6-in-1", 2): ("w", 12), ("6-in-1", 3): ("w", 16), ("rotavirus", 1): ("w", 8),
                ("rotavirus", 2): ("w", 12), ("menb", 1): ("w", 8), ("menb", 2): ("w", 12), ("menb", 3): ("m", 12),
                ("pcv", 1): ("w", 16), ("pcv", 2): ("m", 12), ("mmrv", 1): ("m", 12), ("6-in-1", 4): ("m", 18),
                ("mmrv", 2): ("m", 18)}
# v1.1: born 2025-01-01 to 2025-04-07 had their 12-week appointment before 1 July 2025
SPEC_2025_01 = SPEC_2025_04 | {("pcv", 1): ("w", 12), ("menb", 2): ("w", 16)}
SPEC_2006 = {("5-in-1", 1): ("w", 8), ("5-in-1", 2): ("w", 12), ("5-in-1", 3): ("w", 16), ("pcv", 1): ("w", 8),
             ("pcv", 2): ("w", 16), ("pcv", 3): ("m", 13), ("mmr", 1): ("m", 13), ("mmr", 2): ("m", 40)}


def _doses(birth: str) -> dict:
    return {(d.vaccine, d.dose): d for d in default_schedule().doses_for(date.fromisoformat(birth))}


def _due(birth: str, key) -> date | None:
    d = _doses(birth).get(key)
    return d.due(date.fromisoformat(birth)) if d else None


@pytest.mark.parametrize("births, spec", [
    (("2025-04-08", "2025-12-31", "2026-06-30"), SPEC_2025_04),
    (("2025-01-01", "2025-02-15", "2025-04-07"), SPEC_2025_01),
    (("2006-09-04", "2010-06-12", "2013-02-08", "2013-02-09", "2013-05-06", "2013-06-30"), SPEC_2006),
])
def test_schedule_contract_cohorts(births, spec):
    for b in births:
        birth = date.fromisoformat(b)
        doses = _doses(b)
        for k, (unit, n) in spec.items():
            assert k in doses, (b, k)
            expect = birth + timedelta(weeks=n) if unit == "w" else add_months(birth, n)
            assert doses[k].due(birth) == expect, (b, k)


def test_schedule_2025_cohorts_add_only_the_pre_school_booster():
    for b, spec in (("2025-01-01", SPEC_2025_01), ("2025-04-08", SPEC_2025_04)):
        assert set(_doses(b)) - set(spec) == {("4-in-1-preschool", 1)}


# (boundary: first date of birth of the later cohort, a dose, its due date the day before, the day of)
BOUNDARIES = [
    ("2013-02-09", ("menc", 2), "2013-05-31", None),  # infant MenC at 4 months withdrawn from 1 June 2013
    ("2013-05-06", ("rotavirus", 1), None, "2013-07-01"),  # rotavirus from 1 July 2013, at 8 weeks
    ("2013-07-01", ("pcv", 3), "2014-07-30", "2014-07-01"),  # boosters within a month of the first birthday
    ("2015-07-01", ("menb", 1), None, "2015-08-26"),  # MenB for babies born on or after 1 July 2015
    ("2016-04-08", ("menc", 1), "2016-06-30", None),  # infant MenC at 12 weeks withdrawn from 1 July 2016
    ("2017-08-01", ("6-in-1", 1), None, "2017-09-26"),  # hexavalent for babies born on or after 1 August 2017
    ("2020-01-01", ("pcv", 1), "2020-02-25", "2020-03-25"),  # PCV 1+1: the first dose moves from 8 to 12 weeks
    ("2022-09-01", ("mmrv", 1), None, "2026-01-01"),  # MMRV as the 3 years 4 months dose
    ("2024-07-01", ("hib-menc", 1), "2025-06-30", None),  # Hib/MenC withdrawn for children born on or after 1 July 2024
    ("2025-01-01", ("mmr", 1), "2025-12-31", None),  # MMRV replaces MMR at 12 months
    ("2025-04-08", ("pcv", 1), "2025-06-30", "2025-07-29"),  # v1.1: PCV 1 at 12 weeks before, 16 weeks from
    ("2025-04-08", ("menb", 2), "2025-07-28", "2025-07-01"),  # v1.1: MenB 2 at 16 weeks before, 12 weeks from
]


@pytest.mark.parametrize("first_day, dose, due_before, due_on", BOUNDARIES)
def test_schedule_cohort_boundary_day_before_and_day_of(first_day, dose, due_before, due_on):
    schedule = default_schedule()
    day_of = date.fromisoformat(first_day)
    day_before = day_of - timedelta(days=1)
    assert schedule.cohort_for(day_before) is not schedule.cohort_for(day_of)
    assert schedule.cohort_for(day_of).born_from == day_of and schedule.cohort_for(day_before).born_to == day_before
    got_before, got_on = _due(day_before.isoformat(), dose), _due(first_day, dose)
    assert (got_before.isoformat() if got_before else None, got_on.isoformat() if got_on else None) == (due_before, due_on)


def test_schedule_july_2024_cohort_mmr_then_mmrv_at_18_months_and_3_years_4_months():
    doses = _doses("2024-09-05")
    assert ("hib-menc", 1) not in doses
    assert {k: (d.months, d.position) for k, d in doses.items() if k[0] in ("mmr", "mmrv")} == {
        ("mmr", 1): (12, 1), ("mmrv", 1): (18, 2), ("mmrv", 2): (40, 3)}
    assert doses[("6-in-1", 4)].months == 18


def test_schedule_first_cohort_starts_2006_09_04_and_every_cohort_names_its_sources():
    s = default_schedule()
    assert s.cohorts[0].born_from == date(2006, 9, 4) and s.cohorts[-1].born_to is None
    assert s.cohort_for(date(2006, 9, 3)) is None and s.cohort_for(date(2006, 9, 4)).id == "2006-09"
    for c in s.cohorts:
        assert c.sources and all(src in s.sources for src in c.sources), c.id
        if any(d.vaccine == "rotavirus" for d in c.doses):
            assert "greenbook-ch27b" in c.sources, c.id


def _t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc)


def test_schedule_mmrv_dose_accepts_an_mmr_given_instead():
    doses = _doses("2025-06-01")
    mmrv1, mmrv2 = doses[("mmrv", 1)], doses[("mmrv", 2)]
    given = [("mmr", 1, _t("2026-06-05"))]
    assert mmrv1.done_at(given) == _t("2026-06-05") and mmrv2.done_at(given) is None
    given.append(("mmrv", 1, _t("2026-12-03")))  # numbered by the practice as its first MMRV: the second dose
    assert mmrv2.done_at(given) == _t("2026-12-03")


def test_schedule_july_2024_third_dose_not_needed_when_the_first_was_an_mmrv():
    dose = _doses("2024-12-20")[("mmrv", 2)]
    assert dose.done_at([("mmr", 1, _t("2025-12-22")), ("mmrv", 1, _t("2026-06-22"))]) is None
    assert dose.done_at([("mmrv", 1, _t("2026-01-05")), ("mmrv", 2, _t("2026-06-22"))]) == _t("2026-06-22")


def test_schedule_hib_menc_completed_by_a_hexavalent_dose_given_instead():
    dose = _doses("2023-03-01")[("hib-menc", 1)]
    given = [("6-in-1", n, _t(f"2023-0{3 + n}-28")) for n in (1, 2, 3)]
    assert dose.done_at(given) is None
    assert dose.done_at(given + [("6-in-1", 4, _t("2024-03-10"))]) == _t("2024-03-10")


def test_schedule_rotavirus_upper_age_limits():
    birth = date(2025, 6, 2)
    r1, r2 = _doses("2025-06-02")[("rotavirus", 1)], _doses("2025-06-02")[("rotavirus", 2)]
    assert (r1.not_after_weeks, r2.not_after_weeks) == (15, 24)
    assert r1.too_old_from(birth) == birth + timedelta(weeks=15, days=1)  # given up to the day the child is 15 weeks
    assert r2.too_old_from(birth) == birth + timedelta(weeks=24, days=1)


def _rota_alerts(plan_from: str, given: list) -> list:
    hub, c = Hub(), Child(nhs_number(77), "2025-06-02")
    hub.send(c.msg(plan_start("p1", plan_from), ts=plan_from))
    for i, (vaccine, n, when) in enumerate(given):
        hub.send(c.msg(imm(f"v{i}", vaccine, n, when), ts=when))
    hub.advance("2026-01-01T00:00")
    return [(d["vaccine"], d["dose"]) for r in hub.alerts("immunisation-overdue") for d in r["details"]["doses"]
            if d["vaccine"] == "rotavirus"]


def test_immunisation_overdue_never_chases_a_rotavirus_dose_the_child_is_too_old_for():
    # on a plan from birth: rotavirus 1 is chased at 12 weeks; rotavirus 2 never (no first dose by 15 weeks)
    assert _rota_alerts("2025-06-03T10:00", []) == [("rotavirus", 1)]
    # onto a plan at 16 weeks: too old to start the course, nothing chased
    assert _rota_alerts("2025-09-22T10:00", []) == []
    # first dose given late, at 14 weeks (after its own alert at 12 weeks): the second is chased at 16 weeks
    assert _rota_alerts("2025-06-03T10:00", [("rotavirus", 1, "2025-09-08T10:00")]) == [("rotavirus", 1), ("rotavirus", 2)]


def test_schedule_rejects_gaps_and_unsourced_cohorts():
    data = {"sources": {"x": "y"}, "cohorts": [
        {"id": "a", "born_from": "2006-09-04", "born_to": "2010-01-01", "doses": [], "sources": ["x"]},
        {"id": "b", "born_from": "2010-01-03", "born_to": None, "doses": [], "sources": ["x"]}]}
    with pytest.raises(ValueError, match="contiguous"):
        parse_schedule(data)
    data["cohorts"][1]["born_from"] = "2010-01-02"
    data["cohorts"][1]["sources"] = []
    with pytest.raises(ValueError, match="no source"):
        parse_schedule(data)


def test_schedule_calendar_months_clamp_and_london_midnight():
    assert add_months(date(2011, 8, 31), 6) == date(2012, 2, 29)
    assert add_months(date(2011, 1, 31), 1) == date(2011, 2, 28)
    assert age_reached(date(2011, 3, 15), 6).isoformat() == "2011-09-14T23:00:00+00:00"  # BST
    assert age_reached(date(2011, 6, 15), 6).isoformat() == "2011-12-15T00:00:00+00:00"  # GMT
