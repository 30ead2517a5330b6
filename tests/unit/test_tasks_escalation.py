"""Escalation timing (hub.core.tasks.escalation): a Task not acknowledged by due_by escalates to the first
level; not acknowledged by that escalation's deadline, to the next; deadlines follow from the lapsed one."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hub.core.tasks import EscalationPolicy, apply, complete, due_escalation, escalate, escalation_record, tasks_for_alert
from hub.core.tasks.escalation import escalation_id

ALERT = {
    "type": "alert", "alert_id": "a-2", "rule": "injury-not-examined", "severity": "high", "nhs_number": "9912003888",
    "raised_at": "2025-08-02T10:00:00+00:00", "detected_at": "2025-08-02T10:15:00+00:00",
    "due_by": "2025-08-03T10:15:00+00:00", "summary": "An injury has not been examined.", "recommended_action": "x",
    "evidence": ["m-1"], "recipients": ["LA123"],
}
DUE = datetime(2025, 8, 3, 10, 15, tzinfo=timezone.utc)
POLICY = EscalationPolicy.from_config(["owner", "DSP001"], {"high": 8})


def fresh():
    return tasks_for_alert(ALERT)[0]


def test_nothing_is_due_before_due_by():
    assert due_escalation(fresh(), DUE - timedelta(seconds=1), POLICY) is None


def test_at_due_by_the_first_level_is_the_owning_organisation_with_a_deadline_one_delay_later():
    esc = due_escalation(fresh(), DUE, POLICY)
    assert (esc.level, esc.to, esc.lapsed) == (1, ("LA123",), "2025-08-03T10:15:00.000000Z")
    assert esc.deadline == "2025-08-03T18:15:00.000000Z"  # the high delay, 8 h, from the lapsed deadline


def test_a_late_sweep_computes_the_same_deadline_and_the_second_lapse_goes_to_the_next_level():
    late = DUE + timedelta(hours=3)
    esc = due_escalation(fresh(), late, POLICY)
    assert esc.deadline == "2025-08-03T18:15:00.000000Z" and esc.at == "2025-08-03T13:15:00.000000Z"
    once = escalate(fresh(), esc)
    assert (once.status, len(once.escalations), once.next_due, once.version) == \
        ("requested", 1, "2025-08-03T18:15:00.000000Z", 2)
    assert due_escalation(once, late, POLICY) is None  # the same sweep, again: nothing more
    second = due_escalation(once, datetime(2025, 8, 3, 18, 15, tzinfo=timezone.utc), POLICY)
    assert (second.level, second.to, second.deadline) == (2, ("DSP001",), None)
    twice = escalate(once, second)
    assert twice.next_due is None  # no level left: out of the due index
    assert due_escalation(twice, DUE + timedelta(days=30), POLICY) is None


def test_an_acknowledged_or_completed_task_never_escalates():
    acked = apply(fresh(), "acknowledge", {"by": "Sam"}, at=DUE - timedelta(hours=1), actor=("LA123", "social-care"))
    assert due_escalation(acked, DUE + timedelta(days=1), POLICY) is None
    done = complete(fresh(), reason="examined", resolved_at=None, at=DUE - timedelta(hours=1))
    assert due_escalation(done, DUE + timedelta(days=1), POLICY) is None


def test_the_escalated_record_names_the_level_recipients_lapsed_deadline_and_a_stable_id():
    task = fresh()
    esc = due_escalation(task, DUE, POLICY)
    rec = escalation_record(task, esc)
    assert rec["type"] == "escalated" and rec["recipients"] == ["LA123"] and rec["level"] == 1
    assert (rec["alert_id"], rec["task_id"], rec["owner"], rec["nhs_number"]) == ("a-2", task.id, "LA123", "9912003888")
    assert (rec["lapsed_due_by"], rec["due_by"]) == ("2025-08-03T10:15:00.000000Z", "2025-08-03T18:15:00.000000Z")
    assert rec["escalation_id"] == escalation_id(task, 1) != escalation_id(task, 2)


def test_default_delays_follow_the_due_by_defaults_and_levels_default_to_the_owner():
    p = EscalationPolicy.from_config([], None)
    assert p.levels == ("owner",)
    assert [p.delay(s) for s in ("critical", "high", "medium")] == \
        [timedelta(hours=4), timedelta(hours=24), timedelta(days=5)]


def test_an_escalated_task_is_still_valid_fhir_and_says_so():
    from fhir.resources.R4B.task import Task as FhirTask

    from hub.core.tasks import to_fhir

    once = escalate(fresh(), due_escalation(fresh(), DUE, POLICY))
    r = to_fhir(once)
    FhirTask.model_validate(r)
    assert r["status"] == "requested" and r["businessStatus"]["text"] == "Not acknowledged: escalated (level 1)"
    [ext] = [e for e in r["extension"] if e["url"].endswith("/task-escalation")]
    assert {"url": "level", "valueInteger": 1} in ext["extension"]
