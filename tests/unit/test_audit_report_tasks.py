"""The commissioners' report on alert Tasks (hub.core.audit.task_stats through build_report): per rule, time to
acknowledge, escalations by level and decisions (the latest of each Task), from the task.* audit records."""
from __future__ import annotations

from hub.core.audit.report import build_report, render_markdown


def rec(action, at, task, rule="non-mobile-bruising", **details):
    return {"action": action, "at": at, "rule": rule, "message_id": f"alert-{task}",
            "details": {"task_id": task, **details}}


RECORDS = [
    # t1: acknowledged after 2 h, then decided twice (the later decision counts), closed by its owner
    rec("task.created", "2026-02-01T10:00:00.000000Z", "t1"),
    rec("task.acknowledged", "2026-02-01T12:00:00.000000Z", "t1", by="Sam"),
    rec("task.decided", "2026-02-01T13:00:00.000000Z", "t1", decision="early-help"),
    rec("task.decided", "2026-02-01T14:00:00.000000Z", "t1", decision="s47-enquiry"),
    rec("task.closed", "2026-02-01T15:00:00.000000Z", "t1", code="closed-by-recipient"),
    # t2: escalated twice, acknowledged after 10 h
    rec("task.created", "2026-02-02T00:00:00.000000Z", "t2"),
    rec("task.escalated", "2026-02-02T04:00:00.000000Z", "t2", level=1),
    rec("task.escalated", "2026-02-02T08:00:00.000000Z", "t2", level=2),
    rec("task.acknowledged", "2026-02-02T10:00:00.000000Z", "t2", by="Kim"),
    # t3 (another rule): never acknowledged, escalated once, completed by the hub when the alert resolved
    rec("task.created", "2026-02-03T00:00:00.000000Z", "t3", rule="child-not-seen"),
    rec("task.escalated", "2026-02-04T00:00:00.000000Z", "t3", rule="child-not-seen", level=1),
    rec("task.completed", "2026-02-05T00:00:00.000000Z", "t3", rule="child-not-seen", code="seen"),
    {"action": "message.accepted", "at": "2026-02-01T09:00:00.000000Z", "actor_ods": "A81001", "event": "child-seen"},
]


def test_time_to_acknowledge_escalations_and_decisions_per_rule():
    tasks = build_report(RECORDS).as_dict()["tasks"]
    assert tasks["created"] == 3
    ack = tasks["time_to_acknowledge"]
    assert (ack["count"], ack["median_hours"], ack["not_acknowledged"]) == (2, 6.0, 1)
    assert ack["by_rule"]["non-mobile-bruising"]["median_hours"] == 6.0
    assert ack["by_rule"]["child-not-seen"] == {"count": 0, "median_hours": None, "p90_hours": None,
                                                "not_acknowledged": 1}
    assert tasks["escalations"] == {"total": 3, "by_rule": {"child-not-seen": {"level 1": 1},
                                                            "non-mobile-bruising": {"level 1": 1, "level 2": 1}}}
    assert tasks["decisions"] == {"total": 1, "by_rule": {"non-mobile-bruising": {"s47-enquiry": 1}}}
    assert tasks["closed"] == {"child-not-seen": {"alert seen": 1}, "non-mobile-bruising": {"by the recipient": 1}}


def test_the_markdown_report_has_an_alert_tasks_section():
    text = render_markdown(build_report(RECORDS))
    assert "## Alert Tasks" in text
    assert "| non-mobile-bruising | 2 | 6.0 | 9.2 | 0 |" in text
    assert "| non-mobile-bruising | s47-enquiry | 1 |" in text and "| child-not-seen | level 1 | 1 |" in text


def test_no_task_records_give_an_empty_section():
    tasks = build_report([]).as_dict()["tasks"]
    assert tasks["created"] == 0 and tasks["escalations"]["total"] == 0 and tasks["decisions"]["by_rule"] == {}
    assert "| (none) | 0 | n/a | n/a | 0 |" in render_markdown(build_report([]))
