"""The rules beyond spec section 6: serious-incident, was-not-brought, parental-history, relationship-changed
(README "Rules beyond section 6"). None fires on an ordinary child with one missed appointment and no concerns."""
from __future__ import annotations

from tests.support.rule_builders import Child, Hub, appt, concern, nhs_number, plan_end, plan_start

BORN = "2024-03-01"


def kid(seed: int = 51, household: str | None = "HH-51", born: str = BORN) -> Child:
    return Child(nhs_number(seed), born, household=household)


def on_cp(hub: Hub, c: Child, start: str = "2025-01-06T10:00", la: str = "LA123", k: str = "cpp") -> None:
    hub.send(c.msg(plan_start(k, start, la=la), ts=start, kind="social-care", sender=la))


# ---- serious-incident ------------------------------------------------------------------
def test_serious_incident_a_child_found_unsupervised_alerts_at_once_whatever_the_plan_status():
    hub, c = Hub(), kid(born="2015-05-01")  # 10 years old, not on a plan
    [r] = hub.send(c.msg(concern("f1", "child-found-unsupervised", "2025-10-12T10:05"), ts="2025-10-12T12:00"))
    assert (r["rule"], r["severity"], r["raised_at"]) == ("serious-incident", "high", "2025-10-12T09:05:00+00:00")
    assert r["summary"] == "The child was found without adequate supervision."
    assert r["recipients"][0] == "LAFD001" and r["details"]["on_plan"] is False
    assert "strategy discussion is needed" in r["recommended_action"]


def test_serious_incident_a_parent_intoxicated_in_charge_counts_under_five_only():
    hub, c = Hub(), kid()
    # under 5: one incident is enough
    [r] = hub.send(c.msg(concern("p1", "parent-intoxicated-in-charge", "2029-02-28T21:00"), ts="2029-03-01T09:00"))
    assert r["rule"] == "serious-incident"
    assert r["summary"] == "A parent was found intoxicated while in charge of a child under 5 years old."
    # from the fifth birthday: not a serious incident on its own
    assert hub.send(c.msg(concern("p2", "parent-intoxicated-in-charge", "2029-03-01T00:00"), ts="2029-03-01T09:00")) == []
    # a child with no known birth date is not assumed to be under 5
    nobody = Child(nhs_number(52), BORN)
    nobody.birth = None
    assert Hub().send(nobody.msg(concern("p3", "parent-intoxicated-in-charge", "2025-01-01T21:00"),
                                 ts="2025-01-02T09:00", birth_date=None)) == []


def test_serious_incident_once_per_incident_and_withdrawn_by_a_cancel():
    hub, c = Hub(), kid()
    m = c.msg(concern("f1", "child-found-unsupervised", "2025-10-12T10:05"), ts="2025-10-12T12:00")
    [alert] = hub.send(m)
    assert hub.send(m, now="2025-10-12T13:00") == []
    [res] = hub.send(c.msg(concern("f1", "child-found-unsupervised", "2025-10-12T10:05"), ts="2025-10-13T09:00",
                           event_type="cancel"))
    assert (res["alert_id"], res["reason"]) == (alert["alert_id"], "withdrawn")


# ---- was-not-brought -------------------------------------------------------------------
def test_was_not_brought_each_appointment_of_a_child_on_a_cp_plan_is_a_medium_notice_to_the_lead_la():
    hub, c = Hub(), kid()
    on_cp(hub, c, la="LA777")
    def notices(msg):  # on a CP plan from 10 months old, immunisation-overdue alerts as well: not this rule's
        return [r for r in hub.send(msg) if r["rule"] == "was-not-brought"]

    [a] = notices(c.msg(appt("a1", "2025-02-03T10:00", service="immunisation"), ts="2025-02-03T15:00"))
    assert (a["rule"], a["severity"], a["recipients"]) == ("was-not-brought", "medium", ["LA777"])
    assert a["summary"] == "A child on a child protection plan was not brought to an immunisation appointment."
    [b] = notices(c.msg(appt("a2", "2025-02-10T10:00", status="cancelled", reason="pat", service="gp"),
                        ts="2025-02-10T15:00"))
    assert b["summary"] == "The family cancelled a GP appointment for a child on a child protection plan."
    assert b["details"]["outcome"] == "cancelled-by-family"
    # a cancellation by the service, and an attended appointment, are not
    assert notices(c.msg(appt("a3", "2025-02-17T10:00", status="cancelled", reason="prov"), ts="2025-02-17T15:00")) == []
    assert notices(c.msg(appt("a4", "2025-02-24T10:00", status="fulfilled"), ts="2025-02-24T15:00")) == []


def test_was_not_brought_not_before_the_plan_nor_on_a_child_in_need_plan():
    hub, c = Hub(), kid()
    hub.send(c.msg(plan_start("cin", "2025-01-06T10:00", plan_type="child-in-need-plan"), ts="2025-01-06T10:00"))
    assert hub.send(c.msg(appt("a1", "2025-02-03T10:00"), ts="2025-02-03T15:00")) == []
    on_cp(hub, c, start="2025-03-01T10:00", k="cpp")
    hub.send(c.msg(plan_end("cpp", "2025-06-01T10:00"), ts="2025-06-01T12:00"))
    assert hub.send(c.msg(appt("a2", "2025-06-02T10:00"), ts="2025-06-02T15:00")) == []
    assert hub.alerts("was-not-brought") == []


# ---- parental-history ------------------------------------------------------------------
def test_parental_history_lasts_and_alerts_with_any_other_current_risk_factor_in_the_household():
    hub = Hub()
    older, baby = kid(53, "HH-P", born="2018-06-01"), kid(54, "HH-P", born="2025-01-10")
    # the history is recorded years before; on its own it does not alert
    assert hub.send(older.msg(concern("h1", "parent-care-history", "2019-05-01T10:00"), ts="2019-05-01T12:00")) == []
    # WHEN another risk factor is recorded for the household, six years later
    recs = hub.send(older.msg(concern("d1", "domestic-abuse", "2025-03-01T22:00"), ts="2025-03-02T09:00"))
    # THEN every child of the household: high, retrieve the parent's records
    got = {(r["nhs_number"], r["raised_at"]) for r in recs if r["rule"] == "parental-history"}
    assert got == {(older.nhs_number, "2025-03-01T22:00:00+00:00")}  # the baby is not known to the hub yet
    [r] = [x for x in recs if x["rule"] == "parental-history"]
    assert r["severity"] == "high" and "parent's own" in r["recommended_action"]
    assert r["summary"] == ("A parent's own history of care or a child protection plan is recorded for this household, "
                            "and domestic abuse was recorded in the last 12 months.")
    # the baby, once known, is alerted from the later of the episode start and its birth date
    [b] = [x for x in hub.send(baby.registered("2025-03-05T09:00")) if x["rule"] == "parental-history"]
    assert b["nhs_number"] == baby.nhs_number and b["raised_at"] == "2025-03-01T22:00:00+00:00"


def test_parental_history_once_per_episode_and_a_new_episode_after_a_year_without_other_factors():
    hub, c = Hub(), kid(55, "HH-Q")
    hub.send(c.msg(concern("h1", "parent-care-history", "2024-03-10T10:00"), ts="2024-03-10T12:00"))
    hub.send(c.msg(concern("d1", "domestic-abuse", "2024-04-01T22:00"), ts="2024-04-02T09:00"))
    hub.send(c.msg(concern("n1", "non-engagement", "2024-09-01T10:00"), ts="2024-09-02T09:00"))  # same episode
    assert len(hub.alerts("parental-history")) == 1
    hub.advance("2025-12-01T00:00")
    hub.send(c.msg(concern("d2", "parental-alcohol-misuse", "2025-11-20T22:00"), ts="2025-11-21T09:00"))  # > 12 months on
    assert [r["raised_at"] for r in hub.alerts("parental-history")] == ["2024-04-01T21:00:00+00:00",
                                                                        "2025-11-20T22:00:00+00:00"]


def test_parental_history_needs_the_history():
    hub, c = Hub(), kid(56, "HH-R")
    for i, code in enumerate(("domestic-abuse", "parental-alcohol-misuse")):
        hub.send(c.msg(concern(f"x{i}", code, f"2025-0{i + 1}-01T10:00"), ts=f"2025-0{i + 1}-01T12:00"))
    assert hub.alerts("parental-history") == []


# ---- relationship-changed --------------------------------------------------------------
def test_relationship_changed_registered_gp_only_from_registrations_and_only_on_a_plan():
    hub, c = Hub(), kid(57, "HH-S")
    hub.send(c.registered("2024-03-10T09:00", gp_ods="A81001"))
    on_cp(hub, c, la="LA321")
    # a claim in another message changes nothing
    hub.send(c.msg(concern("c1", "domestic-abuse", "2025-02-01T10:00"), ts="2025-02-01T12:00", gp_ods="EVIL01"))
    assert hub.alerts("relationship-changed") == [] and hub.repo.get(c.nhs_number).gp_ods == "A81001"
    [r] = [x for x in hub.send(c.registered("2025-03-01T09:00", gp_ods="B82002")) if x["rule"] == "relationship-changed"]
    assert (r["severity"], r["recipients"], r["details"]["from"], r["details"]["to"]) == ("medium", ["LA321"], "A81001",
                                                                                            "B82002")
    assert r["summary"] == "The registered GP practice of a child on a plan has changed."


def test_relationship_changed_household_seen_in_any_order():
    msgs_of = lambda c: [c.registered("2024-03-10T09:00"),  # noqa: E731
                         c.msg(plan_start("cpp", "2025-01-06T10:00"), ts="2025-01-06T10:00"),
                         c.msg(concern("c1", "non-engagement", "2025-02-01T10:00"), ts="2025-02-01T12:00", household="HH-2")]
    outs = []
    for order in ((0, 1, 2), (2, 1, 0), (1, 2, 0)):
        hub, c = Hub(), kid(58, "HH-1")
        msgs = msgs_of(c)
        for i in order:
            hub.send(msgs[i])
        outs.append([(r["details"]["from"], r["details"]["to"], r["raised_at"]) for r in hub.alerts("relationship-changed")])
    assert outs == [[("HH-1", "HH-2", "2025-02-01T12:00:00+00:00")]] * 3


# ---- the control: an ordinary child ----------------------------------------------------
def test_none_fires_on_an_ordinary_child_with_one_missed_appointment_and_no_concerns():
    hub, c = Hub(), kid(59, "HH-T", born="2024-09-01")
    hub.send(c.registered("2024-09-10T09:00"))
    hub.send(c.msg(appt("a1", "2025-01-10T10:00", service="gp"), ts="2025-01-10T15:00"))
    hub.advance("2026-06-01T00:00")
    assert hub.records == []
