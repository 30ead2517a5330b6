"""cumulative-risk (household pooling) and unsafe-step-down (spec section 6)."""
import pytest

from hub.core.rules import RulesConfig
from tests.support.rule_builders import Child, Hub, appt, concern, nhs_number, plan_end, plan_start


def _kids():
    return (Child(nhs_number(31), "2019-05-01", household="H-1"), Child(nhs_number(32), "2021-02-01", household="H-1"),
            Child(nhs_number(33), "2018-01-01", household="H-2"))


@pytest.mark.parametrize("third, fires", [("2025-01-10T09:59", True), ("2025-01-10T10:00", False)])
def test_cumulative_risk_trailing_twelve_calendar_months(third, fires):
    hub, (a, _, _) = Hub(), _kids()
    hub.send(a.msg(concern("c1", "domestic-abuse", "2024-01-10T10:00"), ts="2024-01-10T12:00"))
    hub.send(a.msg(concern("c2", "parental-alcohol-misuse", "2024-06-01T10:00"), ts="2024-06-01T12:00"))
    recs = hub.send(a.msg(concern("c3", "non-engagement", third), ts="2025-01-10T12:00"))
    assert [r["rule"] for r in recs] == (["cumulative-risk"] if fires else [])
    if fires:
        assert recs[0]["raised_at"] == "2025-01-10T09:59:00+00:00"
        assert recs[0]["details"]["risk_factors"] == ["domestic-abuse", "non-engagement", "parental-alcohol-misuse"]
        assert len(recs[0]["evidence"]) == 3


def test_cumulative_risk_counts_distinct_codes_only():
    hub, (a, _, _) = Hub(), _kids()
    for i in range(4):
        hub.send(a.msg(concern(f"c{i}", "domestic-abuse", f"2024-0{i + 1}-10T10:00"), ts=f"2024-0{i + 1}-10T12:00"))
    hub.send(a.msg(concern("x", "non-engagement", "2024-06-10T10:00"), ts="2024-06-10T12:00"))
    assert hub.alerts() == []


def test_cumulative_risk_pools_household_and_alerts_every_child_once():
    hub, (a, b, other) = Hub(), _kids()
    hub.send(b.registered("2021-02-10T09:00"))
    hub.send(other.msg(concern("o1", "domestic-abuse", "2024-02-01T10:00"), ts="2024-02-01T12:00"))
    hub.send(a.msg(concern("c1", "domestic-abuse", "2024-02-01T10:00"), ts="2024-02-01T12:00"))
    hub.send(b.msg(concern("c2", "developmental-delay", "2024-03-01T10:00"), ts="2024-03-01T12:00"))
    recs = hub.send(a.msg(concern("c3", "parental-mental-ill-health", "2024-04-01T10:00"), ts="2024-04-01T12:00"))
    assert sorted(r["nhs_number"] for r in recs) == sorted([a.nhs_number, b.nhs_number])
    assert all(r["rule"] == "cumulative-risk" and r["raised_at"] == "2024-04-01T09:00:00+00:00" for r in recs)
    # a 4th factor in the same episode: no new alert
    assert hub.send(b.msg(concern("c4", "non-engagement", "2024-05-01T10:00"), ts="2024-05-01T12:00")) == []
    assert hub.alerts(nhs=other.nhs_number) == []


def test_cumulative_risk_child_born_later_raised_at_birth_midnight():
    hub = Hub()
    sib = Child(nhs_number(34), "2022-01-01", household="H-9")
    hub.send(sib.msg(concern("c1", "domestic-abuse", "2024-02-01T10:00"), ts="2024-02-01T12:00"))
    hub.send(sib.msg(concern("c2", "no-antenatal-care", "2024-03-01T10:00"), ts="2024-03-01T12:00"))
    hub.send(sib.msg(concern("c3", "parental-alcohol-misuse", "2024-04-01T10:00"), ts="2024-04-01T12:00"))
    baby = Child(nhs_number(35), "2024-07-15", household="H-9")
    [r] = hub.send(baby.registered("2024-07-20T09:00"))
    assert (r["nhs_number"], r["raised_at"]) == (baby.nhs_number, "2024-07-14T23:00:00+00:00")


def test_cumulative_risk_household_move_uses_latest_patient_data():
    hub, (a, b, other) = Hub(), _kids()
    hub.send(a.msg(concern("c1", "domestic-abuse", "2024-02-01T10:00"), ts="2024-02-01T12:00"))
    hub.send(b.msg(concern("c2", "developmental-delay", "2024-03-01T10:00"), ts="2024-03-01T12:00"))
    # b moves to H-2 (latest Patient data), so a's next factor makes only two in H-1
    hub.send(b.registered("2024-03-05T09:00", household="H-2"))
    assert hub.send(a.msg(concern("c3", "parental-mental-ill-health", "2024-04-01T10:00"), ts="2024-04-01T12:00")) == []


# ---- unsafe-step-down --------------------------------------------------------------
@pytest.mark.parametrize("risk_at, fires", [("2024-12-01T12:00", True), ("2024-11-30T11:59", False)])
def test_unsafe_step_down_six_month_lookback(risk_at, fires):
    hub, (a, _, _) = Hub(), _kids()
    hub.send(a.msg(plan_start("p1", "2024-01-02T10:00", plan_type="child-in-need-plan"), ts="2024-01-02T12:00"))
    hub.send(a.msg(concern("c1", "domestic-abuse", risk_at), ts="2024-12-01T13:00"))
    recs = hub.send(a.msg(plan_end("p1", "2025-06-01T12:00"), ts="2025-06-01T14:00"))
    got = [r for r in recs if r["rule"] == "unsafe-step-down"]
    assert len(got) == (1 if fires else 0)
    if fires:
        assert got[0]["raised_at"] == "2025-06-01T11:00:00+00:00" and got[0]["severity"] == "medium"
        assert got[0]["recipients"][0] == RulesConfig().la_front_door_ods  # no longer on a plan


def test_unsafe_step_down_needs_closed_without_step_down():
    hub, (a, b, _) = Hub(), _kids()
    hub.send(b.msg(concern("c1", "domestic-abuse", "2025-05-01T10:00"), ts="2025-05-01T12:00"))  # household
    hub.send(a.msg(plan_end("p1", "2025-06-01T12:00", step_down=True), ts="2025-06-01T14:00"))
    hub.send(a.msg(plan_end("p2", "2025-06-02T12:00", closed=False), ts="2025-06-02T14:00"))
    assert hub.alerts("unsafe-step-down") == []
    [r] = [x for x in hub.send(a.msg(plan_end("p3", "2025-06-03T12:00"), ts="2025-06-03T14:00"))]
    assert r["rule"] == "unsafe-step-down"


def test_unsafe_step_down_missed_appointment_counts():
    hub, (a, _, _) = Hub(), _kids()
    hub.send(a.msg(appt("a1", "2025-05-01T10:00", service="gp"), ts="2025-05-01T12:00"))
    [r] = hub.send(a.msg(plan_end("p1", "2025-06-01T12:00"), ts="2025-06-01T14:00"))
    assert r["rule"] == "unsafe-step-down" and r["details"]["missed_appointments"] == 1
