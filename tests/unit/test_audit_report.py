"""Commissioners' report aggregation from a synthetic record set (pure)."""
from __future__ import annotations

from hub.core.audit.report import build_report, render_markdown


def rec(action, at, **kw):
    return {"action": action, "at": at, **kw}


def synthetic() -> list[dict]:
    return [
        rec("message.accepted", "2026-01-31T23:30:00.000000Z", actor_ods="A81001", actor_kind="gp", event="child-seen"),
        rec("message.accepted", "2026-02-01T10:00:00.000000Z", actor_ods="A81001", actor_kind="gp", event="injury-observed"),
        rec("message.accepted", "2026-02-02T10:00:00.000000Z", actor_ods="POL01", actor_kind="police", event="concern-recorded"),
        # summer time: 23:30Z on 31 May is 1 June in London
        rec("message.accepted", "2026-05-31T23:30:00.000000Z", actor_ods="POL01", actor_kind="police", event="concern-recorded"),
        rec("message.routed", "2026-02-02T10:00:01.000000Z", actor_ods="POL01", event="concern-recorded"),
        rec("message.rejected", "2026-02-03T10:00:00.000000Z", actor_ods="POL01", outcome="422",
            details={"reasons": ["nhs-number-invalid", "missing-effective"]}),
        rec("message.rejected", "2026-02-03T11:00:00.000000Z", actor_ods="POL01", outcome="422",
            details={"reasons": ["nhs-number-invalid"]}),
        rec("message.rejected", "2026-02-03T12:00:00.000000Z", actor_ods="POL01", outcome="400"),
        # alerts: a1 resolved after 10 h, a2 after 30 h, a3 open
        rec("alert.raised", "2026-02-05T00:00:00.000000Z", rule="non-mobile-bruising", message_id="a1",
            details={"severity": "critical", "raised_at": "2026-02-04T20:00:00+00:00"}),
        rec("alert.resolved", "2026-02-05T07:00:00.000000Z", rule="non-mobile-bruising", message_id="a1",
            details={"resolved_at": "2026-02-05T06:00:00+00:00", "reason": "examined"}),
        rec("alert.raised", "2026-02-06T00:00:00.000000Z", rule="child-not-seen", message_id="a2", outcome="high"),
        rec("alert.resolved", "2026-02-07T06:00:00.000000Z", rule="child-not-seen", message_id="a2",
            details={"reason": "seen"}),
        rec("alert.raised", "2026-02-08T00:00:00.000000Z", rule="child-not-seen", message_id="a3",
            details={"severity": "high"}),
        # CP-plan injuries: i1 examined in time (explicit), i2 not examined (alert open),
        # i3 alerted but resolved as late-report (examined in time), i4 flagged by on_cp_plan only
        rec("message.accepted", "2026-02-09T00:00:00.000000Z", actor_ods="A81001", actor_kind="gp", event="injury-observed",
            details={"injury_key": "i1", "on_cp_plan": True, "examined_within_24h": True}),
        rec("alert.raised", "2026-02-10T00:00:00.000000Z", rule="injury-not-examined", message_id="a4",
            details={"severity": "high", "injury_key": "i2", "on_cp_plan": True}),
        rec("alert.raised", "2026-02-11T00:00:00.000000Z", rule="injury-not-examined", message_id="a5",
            details={"severity": "high", "injury_key": "i3"}),
        rec("alert.resolved", "2026-02-11T02:00:00.000000Z", rule="injury-not-examined", message_id="a5",
            details={"reason": "late-report"}),
        rec("alert.raised", "2026-02-12T00:00:00.000000Z", rule="non-mobile-bruising", message_id="a6",
            details={"severity": "critical", "injury_key": "i4", "on_cp_plan": True}),
        rec("alert.raised", "2026-02-12T00:00:00.000000Z", rule="non-mobile-bruising", message_id="a7",
            details={"severity": "critical", "injury_key": "i5", "on_cp_plan": False}),
    ]


def test_report_counts_messages_by_agency_event_and_london_month():
    rep = build_report(synthetic())
    assert rep.messages_by_agency == {"A81001": 3, "POL01": 2}
    assert rep.messages_by_agency_kind == {"gp": 3, "police": 2}
    assert rep.messages_by_event == {"concern-recorded": 2, "injury-observed": 2, "child-seen": 1}
    assert rep.messages_by_month == {"2026-01": 1, "2026-02": 3, "2026-06": 1}


def test_report_counts_rejections_by_reason_and_status():
    rep = build_report(synthetic())
    assert rep.rejections_by_reason == {"nhs-number-invalid": 2, "400": 1, "missing-effective": 1}
    assert rep.rejections_by_status == {"422": 2, "400": 1}


def test_report_counts_alerts_by_rule_and_severity():
    rep = build_report(synthetic())
    assert rep.alerts_by_rule == {"non-mobile-bruising": 3, "child-not-seen": 2, "injury-not-examined": 2}
    assert rep.alerts_by_severity == {"critical": 3, "high": 4}
    assert rep.alerts_by_rule_severity["child-not-seen"] == {"high": 2}


def test_report_time_to_resolution_uses_clinical_times_where_given():
    rep = build_report(synthetic())
    # a1: 20:00 -> 06:00 = 10 h; a2: record times 06 Feb 00:00 -> 07 Feb 06:00 = 30 h; a5: 2 h
    assert rep.resolution.count == 3
    assert rep.resolution.median_hours == 10.0
    assert rep.resolution.p90_hours == 26.0  # 10 + 0.8 * (30 - 10)
    assert rep.resolution.unresolved == 4  # a3, a4, a6, a7
    assert rep.resolution_by_rule["child-not-seen"].median_hours == 30.0


def test_report_share_of_cp_plan_injuries_examined_within_24h():
    rep = build_report(synthetic())
    assert rep.cp_injuries == 4  # i1..i4; i5 not on a plan
    assert rep.cp_injuries_examined_24h == 3  # i1 explicit, i3 late-report, i4 no not-examined alert
    assert rep.cp_examined_share == 0.75


def test_report_markdown_carries_the_headline_numbers():
    text = render_markdown(build_report(synthetic(), start="2026-01-01", end="2026-06-30"), ["alerts_by_rule.png"])
    assert "Messages accepted: 5" in text and "Messages rejected: 3" in text
    assert "examined within 24 h: 3 of 4 (75%)" in text
    assert "median 10.0 h, p90 26.0 h" in text
    assert "![alerts_by_rule.png](alerts_by_rule.png)" in text


def test_report_of_nothing_is_empty_not_an_error():
    rep = build_report([])
    assert rep.as_dict()["messages"]["total"] == 0 and rep.cp_examined_share is None
    assert "n/a" in render_markdown(rep)


def test_report_rejection_reasons_from_ingest_faults_ignore_list_indices():
    recs = [rec("message.rejected", "2026-02-03T10:00:00.000000Z", outcome="422", details={"faults": [
        {"code": "invalid", "expression": "Bundle.entry[1].resource.identifier[0].value"},
        {"code": "required", "expression": "Bundle.entry[2].resource.effectiveDateTime"}]}),
        rec("message.rejected", "2026-02-03T11:00:00.000000Z", outcome="422", details={"faults": [
            {"code": "invalid", "expression": "Bundle.entry[3].resource.identifier[0].value"}]})]
    assert build_report(recs).rejections_by_reason == {
        "invalid @ Bundle.entry.resource.identifier.value": 2, "required @ Bundle.entry.resource.effectiveDateTime": 1}
