"""The overview's arithmetic and the charts' scales, run in the browser on records made here: months with
nothing are zeros (not dropped), months follow the user's time zone, durations that would be negative are
left out and counted, overdue means past due with no resolution and no Task response, axes never go below 0."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("browser")

RECORDS = {
    "accepted": [{"action": "message.accepted", "at": "2011-01-10T10:00:00Z", "actor_ods": "A81001"}],
    "rejected": [
        {"action": "message.rejected", "at": "2011-03-02T10:00:00Z", "actor_ods": "RX1", "actor_kind": "hospital",
         "outcome": "422", "details": {"faults": [{"code": "required", "expression": "Bundle.entry[2].resource.code"},
                                                  {"code": "required", "expression": "Bundle.entry[3].resource.code"}]}},
        {"action": "message.rejected", "at": "2011-03-03T10:00:00Z", "actor_ods": None, "outcome": "400",
         "details": {}},
    ],
    "raised": [
        {"action": "alert.raised", "at": "2011-01-31T23:30:00Z", "message_id": "a1", "rule": "child-not-seen",
         "outcome": "high", "details": {"raised_at": "2011-01-31T23:30:00Z", "severity": "high",
                                        "due_by": "2011-02-05T00:00:00Z"}},
        {"action": "alert.raised", "at": "2011-04-02T09:00:00Z", "message_id": "a2", "rule": "non-mobile-bruising",
         "outcome": "critical", "details": {"raised_at": "2011-04-02T09:00:00Z", "severity": "critical",
                                            "due_by": "2011-04-03T09:00:00Z"}},
        {"action": "alert.raised", "at": "2011-04-03T09:00:00Z", "message_id": "a3", "rule": "child-not-seen",
         "outcome": "high", "details": {"raised_at": "2011-04-03T09:00:00Z", "severity": "high",
                                        "due_by": "2011-04-04T09:00:00Z"}},
        {"action": "alert.raised", "at": "2011-04-04T09:00:00Z", "message_id": "a4", "rule": "child-not-seen",
         "outcome": "high", "details": {"raised_at": "2011-04-04T09:00:00Z", "severity": "high",
                                        "due_by": "2011-04-05T09:00:00Z"}},
    ],
    "resolved": [
        {"action": "alert.resolved", "at": "2011-02-02T00:00:00Z", "message_id": "a1", "rule": "child-not-seen",
         "details": {"resolved_at": "2011-02-03T23:30:00Z", "reason": "seen"}},
        {"action": "alert.resolved", "at": "2011-04-05T00:00:00Z", "message_id": "a3", "rule": "child-not-seen",
         "details": {"resolved_at": "2011-04-01T00:00:00Z", "reason": "seen"}},  # before it was raised
    ],
    "tasks": [{"action": "task.acknowledged", "at": "2011-04-02T15:00:00Z", "message_id": "t-a2",
               "details": {"alert_id": "a2"}}],
}


def _run(browser, hub, zone: str) -> dict:
    ctx = browser.new_context(timezone_id=zone, locale="en-GB")
    try:
        page = ctx.new_page()
        page.goto(hub.console_url)
        return page.evaluate("""async records => {
            const m = await import(new URL("metrics.js", document.baseURI));
            const c = await import(new URL("charts.js", document.baseURI));
            const out = m.overview(records, new Date("2011-06-01T00:00:00Z"));
            const scales = [0, 0.4, 1, 7, 10, 11, 99, 1234].map(v => [v, c.niceScale(v), c.niceScale(v, {integer: false})]);
            return {...out, scales};
        }""", RECORDS)
    finally:
        ctx.close()


def test_months_are_continuous_and_in_the_users_zone(browser, hub):
    london = _run(browser, hub, "Europe/London")
    assert london["alerts"]["months"] == ["2011-01", "2011-02", "2011-03", "2011-04"]
    assert london["alerts"]["series"]["high"] == [1, 0, 0, 2] and london["alerts"]["series"]["critical"] == [0, 0, 0, 1]
    assert london["messages"]["months"] == ["2011-01", "2011-02", "2011-03"]
    assert london["messages"]["accepted"] == [1, 0, 0] and london["messages"]["rejected"] == [0, 0, 2]
    # 23:30 UTC on 31 January is already February in Tokyo
    tokyo = _run(browser, hub, "Asia/Tokyo")
    assert tokyo["alerts"]["months"] == ["2011-02", "2011-03", "2011-04"]
    assert tokyo["alerts"]["series"]["high"] == [1, 0, 2]


def test_durations_overdue_and_reasons(browser, hub):
    m = _run(browser, hub, "Europe/London")
    # a1 resolved 3 days after it was raised; a3's resolution predates it: left out and counted
    assert m["timeToResolve"] == [{"label": "child-not-seen", "value": 3, "n": 1}]
    assert m["resolvedBeforeRaised"] == 1
    # a2 was acknowledged through its Task 6 hours after the hub recorded the alert
    assert m["timeToRespond"] == [{"label": "non-mobile-bruising", "value": 0.25, "n": 1}]
    # overdue on 1 June: a4 only (a1 and a3 resolved, a2 responded to)
    assert [o["id"] for o in m["overdue"]] == ["a4"]
    # one reason per distinct fault, list indices dropped; no faults: the HTTP status
    assert m["rejectionReasons"] == [{"label": "HTTP 400", "value": 1}, {"label": "required @ Bundle.entry.resource.code", "value": 1}]
    assert m["rejectionAgencies"] == [{"label": "RX1 (hospital)", "value": 1}, {"label": "unknown sender", "value": 1}]


def test_axis_scales_start_at_zero_and_cover_the_data(browser, hub):
    for value, integer, real in _run(browser, hub, "Europe/London")["scales"]:
        for scale in (integer, real):
            assert scale["max"] >= value and scale["max"] > 0 and scale["step"] > 0
        assert integer["step"] == int(integer["step"])  # counts tick on whole numbers
