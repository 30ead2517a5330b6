"""non-mobile-bruising and injury-not-examined (spec section 6)."""
from datetime import datetime, timedelta

from hub.core.rules.calendars import parse_iso
from tests.support.rule_builders import Child, Hub, at, exam, injury, mobility, nhs_number, plan_start

BORN = "2011-03-15"


def _child(h=None):
    return Child(nhs_number(11), BORN, gp="A81001")


# ---- non-mobile-bruising ----------------------------------------------------------
def test_non_mobile_bruising_fires_just_under_six_months():
    # GIVEN a registered child one minute short of 6 calendar months (00:00 London 2011-09-15)
    hub, c = Hub(), _child()
    hub.send(c.registered("2011-03-25T09:00", sender="A81001", kind="gp"))
    # WHEN a bruise is observed
    recs = hub.send(c.msg(injury("i1", "2011-09-14T23:59"), ts="2011-09-15T09:00"))
    # THEN one critical alert, raised at the observation time
    assert [r["rule"] for r in recs] == ["non-mobile-bruising"]
    r = recs[0]
    assert r["severity"] == "critical"
    assert parse_iso(r["raised_at"]) == at("2011-09-14T23:59")
    assert parse_iso(r["detected_at"]) == at("2011-09-15T09:00")
    assert parse_iso(r["due_by"]) - parse_iso(r["detected_at"]) == timedelta(hours=4)
    assert r["recipients"] == ["LAFD001", "A81001"]  # not on a plan: the front door, plus the GP
    assert r["evidence"] and r["alert_id"].startswith("non-mobile-bruising-")
    assert r["nhs_number"] == c.nhs_number
    assert r["summary"] == ("Injury in a child who is not independently mobile: bruising seen on a baby under 6 "
                            "months old.")
    assert "paediatric assessment" in r["recommended_action"] and "multi-agency discussion" in r["recommended_action"]


def test_non_mobile_bruising_silent_at_six_months():
    hub, c = Hub(), _child()
    assert hub.send(c.msg(injury("i1", "2011-09-15T00:00"), ts="2011-09-15T09:00")) == []


def test_non_mobile_bruising_under_six_months_fires_whatever_an_assessment_says():
    # v1.1: GIVEN a baby of 4 months assessed as independently mobile
    hub, c = Hub(), _child()
    hub.send(c.msg(mobility("m1", True, "2011-07-10T10:00"), ts="2011-07-10T12:00"))
    # WHEN an injury is observed THEN the alert fires all the same, on age
    [r] = hub.send(c.msg(injury("i1", "2011-07-20T10:00", code="injury"), ts="2011-07-20T12:00"))
    assert r["rule"] == "non-mobile-bruising" and r["details"]["reason"] == "age"
    assert r["summary"].endswith(": an injury seen on a baby under 6 months old.")


def test_non_mobile_bruising_over_six_months_follows_the_latest_assessment_at_or_before_the_injury():
    hub, c = Hub(), _child()
    # assessed not mobile at 7 months, mobile at 9 months
    hub.send(c.msg(mobility("m1", False, "2011-10-20T10:00"), ts="2011-10-20T12:00"))
    hub.send(c.msg(mobility("m2", True, "2011-12-20T10:00"), ts="2011-12-20T12:00"))
    # an injury at 8 months, when the latest assessment said not mobile: alerts
    [r] = hub.send(c.msg(injury("i1", "2011-11-15T10:00", code="burn"), ts="2011-11-15T12:00"))
    assert r["details"]["reason"] == "assessed-not-mobile"
    assert r["summary"] == ("Injury in a child who is not independently mobile: a burn seen on a child assessed as not "
                            "independently mobile.")
    # an injury at 10 months, after the mobile assessment: silent; and at 7 months with no assessment yet: silent
    assert hub.send(c.msg(injury("i2", "2012-01-15T10:00"), ts="2012-01-15T12:00")) == []
    assert hub.send(c.msg(injury("i3", "2011-10-01T10:00"), ts="2012-01-16T12:00")) == []


def test_non_mobile_bruising_one_alert_per_injury_and_duplicates_ignored():
    hub, c = Hub(), _child()
    m = c.msg(injury("i1", "2011-05-01T10:00"), ts="2011-05-01T12:00")
    assert len(hub.send(m)) == 1
    assert hub.send(m, now="2011-05-01T13:00") == []  # the same message again
    upd = c.msg(injury("i1", "2011-05-01T10:30"), ts="2011-05-02T12:00", event_type="update")
    assert hub.send(upd) == []  # an update of the same observation is the same episode
    assert len(hub.send(c.msg(injury("i2", "2011-05-03T10:00"), ts="2011-05-03T12:00"))) == 1


def test_non_mobile_bruising_cancel_withdraws():
    hub, c = Hub(), _child()
    [alert] = hub.send(c.msg(injury("i1", "2011-05-01T10:00"), ts="2011-05-01T12:00"))
    cancel = c.msg(injury("i1", "2011-05-01T10:00"), ts="2011-05-02T09:00", event_type="cancel")
    [res] = hub.send(cancel)
    assert res == {"type": "resolved", "alert_id": alert["alert_id"], "rule": "non-mobile-bruising",
                   "nhs_number": c.nhs_number, "resolved_at": "2011-05-02T08:00:00+00:00", "reason": "withdrawn",
                   "evidence": [cancel.message_id]}


def test_non_mobile_bruising_entered_in_error_withdraws():
    hub, c = Hub(), _child()
    hub.send(c.msg(injury("i1", "2011-05-01T10:00"), ts="2011-05-01T12:00"))
    [res] = hub.send(c.msg(injury("i1", "2011-05-01T10:00", status="entered-in-error"), ts="2011-05-02T09:00",
                           event_type="update"))
    assert res["reason"] == "withdrawn"


# ---- injury-not-examined ----------------------------------------------------------------
def _on_cp(hub, c, start="2012-01-02T10:00"):
    hub.send(c.msg(plan_start("p1", start), ts=start, kind="social-care"))


def test_injury_not_examined_fires_at_24h_from_the_sweep():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    assert hub.tick("2012-01-11T09:59:59") == []
    recs = hub.tick("2012-01-11T10:00")
    assert [r["rule"] for r in recs] == ["injury-not-examined"]
    assert parse_iso(recs[0]["raised_at"]) == at("2012-01-11T10:00")
    assert recs[0]["recipients"][0] == "LA123"  # on a plan: the lead social worker's organisation
    assert parse_iso(recs[0]["due_by"]) - parse_iso(recs[0]["detected_at"]) == timedelta(hours=24)
    assert hub.tick("2012-01-12T10:00") == []  # once per injury
    [res] = hub.send(c.msg(exam("e1", "2012-01-11T15:00"), ts="2012-01-11T18:00", kind="gp"))
    assert (res["reason"], res["resolved_at"]) == ("examined", "2012-01-11T15:00:00+00:00")
    assert res["alert_id"] == recs[0]["alert_id"]


def test_injury_examined_at_exactly_24h_is_in_time():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    hub.send(c.msg(exam("e1", "2012-01-11T10:00"), ts="2012-01-11T10:01"), now="2012-01-11T10:01")
    hub.advance("2012-02-01T00:00")
    assert hub.alerts("injury-not-examined") == []


def test_injury_examined_one_second_late_alerts_then_resolves_in_same_decision_when_reported_late():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(exam("e1", "2012-01-11T10:00:01"), ts="2012-01-11T12:00"))
    recs = hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-11T13:00"))  # reported after the deadline
    assert [(r["type"], r["rule"]) for r in recs] == [("alert", "injury-not-examined"), ("resolved", "injury-not-examined")]
    assert recs[0]["raised_at"] == "2012-01-11T10:00:00+00:00"  # clinical time, not arrival
    assert recs[1]["reason"] == "examined"


def test_injury_not_examined_late_report_resolution():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    [alert] = hub.tick("2012-01-11T10:00")
    [res] = hub.send(c.msg(exam("e1", "2012-01-10T16:00"), ts="2012-01-12T09:00", kind="hospital"))
    assert (res["reason"], res["alert_id"], res["resolved_at"]) == ("late-report", alert["alert_id"], "2012-01-10T16:00:00+00:00")


def test_injury_not_examined_requires_cp_plan_at_observation():
    hub, c = Hub(), _child()
    hub.send(c.msg(plan_start("p1", "2012-01-02T10:00", plan_type="child-in-need-plan"), ts="2012-01-02T10:00"))
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    _on_cp(hub, c, start="2012-01-10T10:00:01")  # CP plan starts just after the injury
    hub.advance("2012-01-20T00:00")
    assert hub.alerts("injury-not-examined") == []


def test_injury_not_examined_fires_on_late_arrival_with_clinical_raised_at():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    [alert] = [r for r in hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-14T11:00"))
               if r["rule"] == "injury-not-examined"]
    assert alert["raised_at"] == "2012-01-11T10:00:00+00:00"
    assert alert["detected_at"] == "2012-01-14T11:00:00+00:00"


# ---- v1.1: which examination counts -----------------------------------------------------
def test_injury_not_examined_a_doctor_seeing_the_child_for_something_else_neither_prevents_nor_resolves():
    # GIVEN a child on a CP plan with a bruise, seen by the GP the same afternoon for a chest infection
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    hub.send(c.msg(exam("e1", "2012-01-10T15:00", kind="doctor-examination"), ts="2012-01-10T16:00", kind="gp"))
    # WHEN 24 hours pass THEN the alert fires; the later unrelated examination does not resolve it
    [alert] = hub.tick("2012-01-11T10:00")
    assert alert["rule"] == "injury-not-examined"
    assert alert["summary"] == ("Bruising seen on a child on a child protection plan has not been examined within 24 "
                                "hours by a paediatrician or by a doctor for that injury.")
    assert hub.send(c.msg(exam("e2", "2012-01-12T09:00", kind="doctor-examination", reasons=("other",)),
                          ts="2012-01-12T10:00", kind="gp")) == []
    # WHEN a doctor examines that injury (reasonReference names it) THEN it resolves, examined
    [res] = hub.send(c.msg(exam("e3", "2012-01-12T15:00", kind="doctor-examination", reasons=("i1",)),
                           ts="2012-01-12T16:00", kind="gp"))
    assert (res["alert_id"], res["reason"]) == (alert["alert_id"], "examined")


def test_injury_not_examined_prevented_by_an_examination_naming_the_injury_or_a_cp_medical():
    hub, c = Hub(), _child()
    _on_cp(hub, c)
    hub.send(c.msg(injury("i1", "2012-01-10T10:00"), ts="2012-01-10T11:00"))
    hub.send(c.msg(exam("e1", "2012-01-10T15:00", kind="doctor-examination", reasons=("i1",)), ts="2012-01-10T16:00"))
    hub.send(c.msg(injury("i2", "2012-01-20T10:00", code="burn"), ts="2012-01-20T11:00"))
    hub.send(c.msg(exam("e2", "2012-01-20T15:00", kind="cp-medical"), ts="2012-01-20T16:00"))  # names nothing
    hub.advance("2012-02-01T00:00")
    assert hub.alerts("injury-not-examined") == []
