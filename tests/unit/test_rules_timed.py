"""immunisation-overdue, missed-appointments and child-not-seen (spec section 6)."""
from datetime import date, timedelta

import pytest

from hub.core.rules.calendars import nth_working_day_after, parse_iso
from tests.support.rule_builders import Child, Hub, appt, at, imm, nhs_number, plan_end, plan_start, seen


# ---- immunisation-overdue ------------------------------------------------------------
def _baby(seed=21, born="2025-03-03"):
    return Child(nhs_number(seed), born)


def test_immunisation_overdue_at_midnight_due_plus_28_sharing_one_alert():
    # GIVEN a 2025 cohort baby on a CP plan from birth; 8-week doses due 2025-04-28
    hub, c = Hub(), _baby()
    hub.send(c.msg(plan_start("p1", "2025-03-05T10:00"), ts="2025-03-05T10:00"))
    hub.send(c.msg(imm("v1", "rotavirus", 1, "2025-05-20T10:00"), ts="2025-05-20T11:00"))
    # WHEN the clock reaches 00:00 London on 2025-05-26 (due + 28)
    assert hub.tick("2025-05-25T23:59:59+01:00") == []
    recs = hub.tick("2025-05-26T00:00:00+01:00")
    # THEN one alert lists every dose overdue at that instant, not the completed one
    [r] = recs
    assert r["rule"] == "immunisation-overdue" and r["severity"] == "medium"
    assert r["raised_at"] == "2025-05-25T23:00:00+00:00"
    assert r["details"]["doses"] == [{"vaccine": "6-in-1", "dose": 1, "due": "2025-04-28"},
                                     {"vaccine": "menb", "dose": 1, "due": "2025-04-28"}]
    assert parse_iso(r["due_by"]) - parse_iso(r["detected_at"]) == timedelta(days=5)


def test_immunisation_completed_just_before_overdue_instant_is_not_overdue():
    hub, c = Hub(), _baby()
    hub.send(c.msg(plan_start("p1", "2025-03-05T10:00"), ts="2025-03-05T10:00"))
    hub.send(c.msg(imm("v1", "6-in-1", 1, "2025-05-25T23:59:00+01:00"), imm("v2", "menb", 1, "2025-05-25T23:59:00+01:00"),
                   imm("v3", "rotavirus", 1, "2025-05-25T23:59:00+01:00"), ts="2025-05-26T09:00"))
    hub.advance("2025-06-20T00:00")
    assert hub.alerts("immunisation-overdue") == []


def test_immunisation_already_overdue_at_plan_start_alerts_at_plan_start_and_never_again():
    hub, c = Hub(), _baby()
    hub.send(c.registered("2025-03-10T09:00"))
    hub.advance("2025-08-01T00:00")
    assert hub.alerts() == []  # not on a plan
    recs = hub.send(c.msg(plan_start("p1", "2025-08-01T10:00"), ts="2025-08-01T12:00"))
    [r] = [x for x in recs if x["rule"] == "immunisation-overdue"]
    assert r["raised_at"] == "2025-08-01T09:00:00+00:00"
    doses = {(d["vaccine"], d["dose"]) for d in r["details"]["doses"]}
    # born 2025-03-03: PCV 1 at 12 weeks, MenB 2 at 16 weeks (v1.1); at 21 weeks old the child is too old to
    # start rotavirus (first dose not after 15 weeks), so neither rotavirus dose is chased
    assert doses == {("6-in-1", 1), ("6-in-1", 2), ("6-in-1", 3), ("menb", 1), ("menb", 2), ("pcv", 1)}
    # the plan ends and a new one starts: the same doses never alert again
    hub.send(c.msg(plan_end("p1", "2025-09-01T10:00"), ts="2025-09-01T12:00"))
    hub.send(c.msg(plan_start("p2", "2025-10-01T10:00", plan_type="child-in-need-plan"), ts="2025-10-01T12:00"))
    hub.advance("2026-04-01T00:00")
    later = [x for x in hub.alerts("immunisation-overdue") if x is not r]
    assert [[d["due"] for d in x["details"]["doses"]] for x in later] == [["2026-03-03"] * 3]


def test_immunisation_once_ever_then_next_cohort_dose():
    hub, c = Hub(), _baby()
    hub.send(c.msg(plan_start("p1", "2025-03-05T10:00"), ts="2025-03-05T10:00"))
    hub.advance("2026-05-01T00:00")
    dues = [[d["due"] for d in r["details"]["doses"]] for r in hub.alerts("immunisation-overdue")]
    # rotavirus 1 alerts at 12 weeks; rotavirus 2 would at 16 weeks, but without a first dose by 15 weeks the
    # course cannot start, so the 12-week group is DTaP/IPV/Hib/HepB 2 and PCV 1 only
    assert dues == [["2025-04-28"] * 3, ["2025-05-26"] * 2, ["2025-06-23"] * 2, ["2026-03-03"] * 3]


def test_immunisation_not_on_plan_never_alerts():
    hub, c = Hub(), _baby()
    hub.send(c.registered("2025-03-10T09:00"))
    hub.advance("2027-01-01T00:00")
    assert hub.alerts() == []


# ---- missed-appointments -----------------------------------------------------------
@pytest.mark.parametrize("third, fires", [("2025-09-28T09:59", True), ("2025-09-28T10:00", False)])
def test_missed_appointments_rolling_90_days(third, fires):
    hub, c = Hub(), _baby()  # under 1 year
    hub.send(c.msg(appt("a1", "2025-06-30T10:00"), ts="2025-06-30T12:00"))
    hub.send(c.msg(appt("a2", "2025-08-01T10:00", status="cancelled", reason="pat"), ts="2025-08-01T12:00"))
    recs = hub.send(c.msg(appt("a3", third), ts="2025-09-28T12:00"))
    assert [r["rule"] for r in recs] == (["missed-appointments"] if fires else [])
    if fires:
        assert parse_iso(recs[0]["raised_at"]) == at(third)
        assert recs[0]["severity"] == "high" and len(recs[0]["evidence"]) == 3


def test_missed_appointments_ignores_kept_and_other_cancellations():
    hub, c = Hub(), _baby()
    hub.send(c.msg(appt("a1", "2025-06-01T10:00"), ts="2025-06-01T12:00"))
    hub.send(c.msg(appt("a2", "2025-06-02T10:00", status="cancelled", reason="prov"), ts="2025-06-02T12:00"))
    hub.send(c.msg(appt("a3", "2025-06-03T10:00", status="fulfilled"), ts="2025-06-03T12:00"))
    hub.send(c.msg(appt("a4", "2025-06-04T10:00"), ts="2025-06-04T12:00"))
    assert hub.alerts() == []


def test_missed_appointments_over_one_needs_a_plan():
    hub, c = Hub(), Child(nhs_number(22), "2024-01-10")
    for i, d in enumerate(("2025-02-01", "2025-02-10", "2025-02-20")):
        hub.send(c.msg(appt(f"a{i}", f"{d}T10:00"), ts=f"{d}T12:00"))
    assert hub.alerts() == []
    hub.send(c.msg(plan_start("p1", "2025-03-01T10:00", plan_type="child-in-need-plan"), ts="2025-03-01T12:00"))
    for i, d in enumerate(("2025-03-02", "2025-03-03", "2025-03-04")):
        hub.send(c.msg(appt(f"b{i}", f"{d}T10:00"), ts=f"{d}T12:00"))
    assert [r["raised_at"] for r in hub.alerts("missed-appointments")] == ["2025-03-02T10:00:00+00:00"]


def test_missed_appointments_once_per_episode_and_again_after_a_gap():
    hub, c = Hub(), _baby()
    for i in range(10):  # ten misses, weekly
        d = date(2025, 4, 1) + timedelta(days=7 * i)
        hub.send(c.msg(appt(f"a{i}", f"{d}T10:00"), ts=f"{d}T12:00"))
    assert len(hub.alerts("missed-appointments")) == 1
    for i in range(3):  # 100 days after the last: a new episode
        d = date(2025, 6, 3) + timedelta(days=100 + i)
        hub.send(c.msg(appt(f"b{i}", f"{d}T10:00"), ts=f"{d}T12:00"))
    assert len(hub.alerts("missed-appointments")) == 2


def test_missed_appointments_out_of_order_same_alert():
    c = _baby()
    msgs = [c.msg(appt(f"a{i}", f"2025-05-0{i + 1}T10:00"), ts=f"2025-05-0{i + 1}T12:00") for i in range(3)]
    a, b = Hub(), Hub()
    for m in msgs:
        a.send(m, now="2025-05-10T00:00")
    for m in reversed(msgs):
        b.send(m, now="2025-05-10T00:00")
    assert [r["alert_id"] for r in a.alerts()] == [r["alert_id"] for r in b.alerts()]
    assert len(a.alerts()) == 1 and a.alerts()[0]["raised_at"] == "2025-05-03T09:00:00+00:00"


# ---- child-not-seen -----------------------------------------------------------------
def test_working_days_skip_england_bank_holidays():
    assert nth_working_day_after(date(2011, 4, 20), 10) == date(2011, 5, 10)  # Easter, royal wedding, May Day
    assert nth_working_day_after(date(2022, 9, 16), 1) == date(2022, 9, 20)  # state funeral
    assert nth_working_day_after(date(2023, 5, 5), 1) == date(2023, 5, 9)  # coronation


def _cp_child(hub, start):
    c = Child(nhs_number(23), "2010-01-01")
    hub.send(c.msg(plan_start("p1", start), ts=start))
    return c


def test_child_not_seen_deadline_across_bank_holidays():
    hub = Hub()
    c = _cp_child(hub, "2011-04-20T10:00")
    assert hub.tick("2011-05-10T23:59:59+01:00") == []
    [r] = hub.tick("2011-05-11T00:00:00+01:00")
    assert r["rule"] == "child-not-seen" and r["raised_at"] == "2011-05-10T23:00:00+00:00"
    [res] = hub.send(c.msg(seen("v1", "2011-05-12T10:00"), ts="2011-05-12T12:00"))
    assert (res["reason"], res["resolved_at"], res["alert_id"]) == ("seen", "2011-05-12T09:00:00+00:00", r["alert_id"])


def test_child_not_seen_visit_on_tenth_working_day_prevents():
    hub = Hub()
    c = _cp_child(hub, "2011-04-20T10:00")
    hub.send(c.msg(seen("v1", "2011-05-10T23:00"), ts="2011-05-10T23:30"))
    hub.advance("2011-05-24T00:00")
    assert hub.alerts("child-not-seen") == []
    assert hub.advance("2011-05-26T00:00")[0]["rule"] == "child-not-seen"  # 10 working days after 10 May


def test_child_not_seen_visit_without_seeing_child_does_not_count():
    hub = Hub()
    c = _cp_child(hub, "2011-04-20T10:00")
    hub.send(c.msg(seen("v1", "2011-05-03T10:00", was_seen=False), ts="2011-05-03T12:00"))
    hub.advance("2011-05-11T00:00")
    assert len(hub.alerts("child-not-seen")) == 1


def test_child_not_seen_late_reported_visit_in_time_resolves_as_seen():
    hub = Hub()
    c = _cp_child(hub, "2011-04-20T10:00")
    [r] = hub.advance("2011-05-11T00:00")
    [res] = hub.send(c.msg(seen("v1", "2011-05-09T10:00"), ts="2011-05-11T09:00"))
    assert (res["alert_id"], res["reason"]) == (r["alert_id"], "seen")
