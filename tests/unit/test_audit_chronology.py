"""Chronology of one child from its audit records (pure)."""
from __future__ import annotations

from hub.core.audit.chronology import build_chronology, render_csv, render_markdown


def records() -> list[dict]:
    return [
        {"action": "alert.raised", "at": "2026-02-03T09:00:00.000000Z", "rule": "non-mobile-bruising",
         "message_id": "al-1", "details": {"severity": "critical", "raised_at": "2026-02-01T14:00:00+00:00",
                                           "summary": "Bruise on a non-mobile baby", "evidence": ["m2"]}},
        {"action": "message.accepted", "at": "2026-02-02T10:00:00.000000Z", "actor_ods": "A81001", "actor_kind": "gp",
         "event": "injury-observed", "message_id": "m2",
         "details": {"summary": "Bruise | left cheek", "occurred_at": "2026-02-01T14:00:00+00:00"}},
        {"action": "message.accepted", "at": "2026-01-20T10:00:00.000000Z", "actor_ods": "HV001",
         "actor_kind": "health-visiting", "event": "child-seen", "message_id": "m1",
         "details": {"summary": "Home visit, seen alone", "event_type": "update"}},
        {"action": "message.routed", "at": "2026-02-02T10:00:01.000000Z", "actor_ods": "A81001", "message_id": "m2"},
        {"action": "alert.resolved", "at": "2026-02-03T12:00:00.000000Z", "rule": "non-mobile-bruising",
         "message_id": "al-1", "details": {"reason": "examined", "resolved_at": "2026-02-03T11:00:00+00:00"}},
        {"action": "audit.query", "at": "2026-02-04T12:00:00.000000Z", "actor_ods": "COMM1"},
    ]


def test_chronology_orders_messages_and_alerts_by_clinical_time():
    rows = build_chronology(records())
    assert [r.event for r in rows] == ["child-seen [update]", "injury-observed", "alert raised: non-mobile-bruising",
                                       "alert resolved: non-mobile-bruising"]
    assert rows[0].agency == "HV001 (health-visiting)" and rows[0].date == "2026-01-20T10:00:00.000000Z"
    assert rows[1].date == "2026-02-01T14:00:00+00:00"
    assert rows[1].alerts == ("non-mobile-bruising (critical)",)
    assert rows[3].summary == "resolved: examined"


def test_chronology_markdown_and_csv_render_every_row():
    rows = build_chronology(records())
    md = render_markdown(rows)
    assert md.count("\n| 20") == 4 and "Bruise \\| left cheek" in md
    csv_text = render_csv(rows)
    assert csv_text.splitlines()[0] == "date,agency,event,summary,alerts"
    assert len(csv_text.strip().splitlines()) == 5
    assert "(no records)" in render_markdown([])
