"""TaskService on fakes, through the rules service's hook: an alert makes one Task per recipient (created and
audited once across retries), its owner works it and nobody else can, a resolution completes it, and a Task
not acknowledged in time escalates once per level on the alerts queue."""
from __future__ import annotations

from datetime import timedelta

import pytest

from hub.adapters.errors import QueueError
from hub.bootstrap import rules_service, task_service
from hub.core.messages import Caller
from hub.core.tasks import TaskError, parse_query
from hub.service.tasks import TaskNotFound
from tests.support.fakes import InMemoryAuditLog, InMemoryQueues
from tests.support.nhs import nhs_number
from tests.support.rule_builders import Child, at, injury, plan_start, seen
from tests.support.wiring import fake_settings, in_memory_ports, queue_urls

LA = Caller("LA123", "social-care")
GP = Caller("A81001", "gp")


@pytest.fixture
def ports(clock):
    # escalation: the owning organisation first, then the designated professionals, 2 h apart for high alerts
    return in_memory_ports(fake_settings(escalation_recipients=("owner", "DSP001"),
                                         escalation_delay_hours={"high": 2}), clock=clock)


def records(ports, action: str) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == action]


def alert_queue(ports, kind: str) -> list[dict]:
    return [m for m in ports.queues.messages(ports.settings.alerts_queue_url) if m["type"] == kind]


def not_seen_alert(ports, clock, seed: int = 1) -> tuple[Child, dict]:
    """A child on a CP plan (lead LA LA123, GP A81001) not seen for 10 working days: a high alert from the sweep."""
    kid = Child(nhs_number(seed), "2024-12-20", household=f"H-{seed}")  # no vaccine due yet: one alert
    rules = rules_service(ports)
    clock.set(at("2025-01-06T12:00"))
    rules.on_message(kid.registered("2025-01-06T09:00"))
    rules.on_message(kid.msg(plan_start("cpp-1", "2025-01-06T10:00"), ts="2025-01-06T11:00"))
    clock.set(ports.state.get(kid.nhs_number).next_due_at)
    assert rules.sweep() == 1
    [alert] = alert_queue(ports, "alert")
    return kid, alert


def task_of(ports, alert: dict, owner: str):
    return next(t for t in ports.tasks.by_alert(alert["alert_id"]) if t.owner == owner)


def test_an_alert_makes_one_requested_task_per_recipient_each_audited_once(ports, clock):
    kid, alert = not_seen_alert(ports, clock)
    tasks = ports.tasks.by_alert(alert["alert_id"])
    assert sorted(t.owner for t in tasks) == sorted(alert["recipients"]) and "LA123" in alert["recipients"]
    assert {t.status for t in tasks} == {"requested"}
    assert {at(t.due_by) for t in tasks} == {at(alert["due_by"])} and {t.rule for t in tasks} == {"child-not-seen"}
    created = [r for r in records(ports, "task.created") if r["message_id"] == alert["alert_id"]]
    assert sorted(r["recipient_ods"] for r in created) == sorted(alert["recipients"])
    assert {r["message_id"] for r in created} == {alert["alert_id"]} and kid.nhs_number not in str(created)
    # the rules publish again (a retry): no second Task, no second record
    before = len(records(ports, "task.created"))
    task_service(ports).on_records([alert])
    assert len(ports.tasks.by_alert(alert["alert_id"])) == len(tasks) and len(records(ports, "task.created")) == before


def test_a_publish_failing_after_the_tasks_are_made_creates_and_audits_nothing_twice(clock):
    class AuditFailsOnTask(InMemoryAuditLog):
        failed = False

        def append(self, entry):
            if entry.action == "task.created" and not self.failed:
                self.failed = True
                raise RuntimeError("audit append failed")
            return super().append(entry)

    ports = in_memory_ports(clock=clock, audit=AuditFailsOnTask(shards=4))
    kid = Child(nhs_number(2), "2025-06-01", household="H-2")
    clock.set(at("2025-08-01T12:00"))
    msg = kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    with pytest.raises(RuntimeError):
        rules_service(ports).on_message(msg)
    assert ports.state.get(kid.nhs_number) is None  # the state is saved only after the Tasks
    rules_service(ports).on_message(msg)  # the retry re-derives the alert: queue dedup and the ledger keep it one
    [alert_id] = [r["message_id"] for r in records(ports, "alert.raised")]
    assert len(alert_queue(ports, "alert")) == 1
    tasks = ports.tasks.by_alert(alert_id)
    assert tasks and len(records(ports, "task.created")) == len(tasks)


def test_the_owner_acknowledges_assigns_decides_and_closes_and_each_change_is_audited(ports, clock):
    _, alert = not_seen_alert(ports, clock)
    tid = task_of(ports, alert, "LA123").id
    service = task_service(ports)
    clock.advance(minutes=30)
    t = service.act(LA, tid, "acknowledge", {"by": "Sam Social Worker"})
    assert (t.status, t.acknowledged.by) == ("accepted", "Sam Social Worker")
    service.act(LA, tid, "assign", {"to": "Alex", "by": "Sam Social Worker"})
    service.act(LA, tid, "decide", {"decision": "strategy-discussion", "by": "Alex"})
    done = service.act(LA, tid, "close", {"reason": "Strategy discussion held", "by": "Alex"})
    assert done.status == "completed" and ports.tasks.get(tid) == done
    actions = [r["action"] for r in ports.audit.records if r["action"].startswith("task.") and
               (r.get("details") or {}).get("task_id") == tid]
    assert actions == ["task.created", "task.acknowledged", "task.assigned", "task.decided", "task.closed"]
    ack = records(ports, "task.acknowledged")[0]
    assert (ack["actor_ods"], ack["actor_kind"], ack["details"]["by"]) == ("LA123", "social-care", "Sam Social Worker")
    decided = records(ports, "task.decided")[0]
    assert decided["details"]["decision"] == "strategy-discussion" and decided["rule"] == "child-not-seen"


def test_another_organisation_can_neither_read_nor_change_the_task(ports, clock):
    _, alert = not_seen_alert(ports, clock)
    tid = task_of(ports, alert, "LA123").id
    service = task_service(ports)
    with pytest.raises(TaskNotFound):
        service.read(GP, tid)
    with pytest.raises(TaskNotFound):
        service.act(GP, tid, "acknowledge", {"by": "Dr Who"})
    with pytest.raises(TaskNotFound):
        service.act(LA, "no-such-task", "acknowledge", {"by": "Sam"})
    assert ports.tasks.get(tid).status == "requested" and records(ports, "task.acknowledged") == []
    with pytest.raises(TaskError):
        service.act(LA, tid, "close", {"reason": "x", "by": "Sam"})  # not acknowledged yet


def test_an_audit_failure_after_the_change_is_recorded_by_the_retry_once(clock):
    class AuditFailsOnAck(InMemoryAuditLog):
        failed = False

        def append(self, entry):
            if entry.action == "task.acknowledged" and not self.failed:
                self.failed = True
                raise RuntimeError("audit append failed")
            return super().append(entry)

    ports = in_memory_ports(clock=clock, audit=AuditFailsOnAck(shards=4))
    _, alert = not_seen_alert(ports, clock)
    tid = task_of(ports, alert, "LA123").id
    service = task_service(ports)
    with pytest.raises(RuntimeError):
        service.act(LA, tid, "acknowledge", {"by": "Sam"})
    assert ports.tasks.get(tid).status == "accepted" and records(ports, "task.acknowledged") == []
    service.act(LA, tid, "acknowledge", {"by": "Sam"})  # the client's retry
    service.act(LA, tid, "acknowledge", {"by": "Sam"})
    assert len(records(ports, "task.acknowledged")) == 1


def test_a_resolution_completes_every_open_task_of_the_alert_with_its_reason(ports, clock):
    kid, alert = not_seen_alert(ports, clock)
    tid = task_of(ports, alert, "LA123").id
    task_service(ports).act(LA, tid, "acknowledge", {"by": "Sam"})
    clock.advance(hours=3)
    rules_service(ports).on_message(kid.msg(seen("v-1", clock().isoformat()), ts=clock().isoformat()))
    tasks = ports.tasks.by_alert(alert["alert_id"])
    assert {(t.status, t.closure.code, t.closure.automatic) for t in tasks} == {("completed", "seen", True)}
    assert len(records(ports, "task.completed")) == len(tasks)
    task_service(ports).on_records(alert_queue(ports, "resolved"))  # a retried publish
    assert len(records(ports, "task.completed")) == len(tasks)


def test_a_task_not_acknowledged_escalates_at_due_by_then_to_the_next_level_and_no_further(ports, clock):
    _, alert = not_seen_alert(ports, clock)
    service = task_service(ports)
    la_task = task_of(ports, alert, "LA123")
    for t in ports.tasks.by_alert(alert["alert_id"]):
        if t.owner != "LA123":
            service.act(Caller(t.owner, "gp"), t.id, "acknowledge", {"by": "someone"})  # only the LA's lapses
    due = at(la_task.due_by)
    clock.set(due - timedelta(seconds=1))
    assert service.escalate_due() == 0
    clock.set(due)
    assert service.escalate_due() == 1
    [first] = alert_queue(ports, "escalated")
    assert (first["level"], first["recipients"], first["task_id"], first["owner"]) == (1, ["LA123"], la_task.id, "LA123")
    assert first["alert_id"] == alert["alert_id"] and first["lapsed_due_by"] == la_task.due_by
    assert service.escalate_due() == 0  # the same sweep again
    clock.set(due + timedelta(hours=2))
    assert service.escalate_due() == 1
    second = alert_queue(ports, "escalated")[-1]
    assert (second["level"], second["recipients"], second["due_by"]) == (2, ["DSP001"], None)
    clock.advance(days=30)
    assert service.escalate_due() == 0
    assert [r["details"]["level"] for r in records(ports, "task.escalated")] == [1, 2]
    assert ports.tasks.get(la_task.id).status == "requested"  # escalation does not close or reassign it


def test_an_acknowledged_task_never_escalates(ports, clock):
    _, alert = not_seen_alert(ports, clock)
    service = task_service(ports)
    for t in ports.tasks.by_alert(alert["alert_id"]):
        service.act(Caller(t.owner, "social-care"), t.id, "acknowledge", {"by": "Sam"})
    clock.advance(days=10)
    assert service.escalate_due() == 0 and alert_queue(ports, "escalated") == []


def test_an_escalation_whose_send_fails_is_sent_and_audited_once_by_the_next_sweep(clock):
    class FailingOnce(InMemoryQueues):
        failed = False

        def send_json(self, url, payload, **kw):
            if payload.get("type") == "escalated" and not self.failed:
                self.failed = True
                raise QueueError("send failed (ServiceUnavailable)")
            return super().send_json(url, payload, **kw)

    settings = fake_settings(escalation_recipients=("owner",))
    ports = in_memory_ports(settings, clock=clock, queues=FailingOnce(queue_urls(settings), clock=clock))
    _, alert = not_seen_alert(ports, clock)
    clock.set(at(task_of(ports, alert, "LA123").due_by))
    service = task_service(ports)
    with pytest.raises(QueueError):
        service.escalate_due()
    assert service.escalate_due() == len(alert["recipients"])
    assert service.escalate_due() == 0
    assert len(alert_queue(ports, "escalated")) == len(alert["recipients"])
    assert len(records(ports, "task.escalated")) == len(alert["recipients"])


def test_search_serves_the_owner_its_own_tasks_by_status(ports, clock):
    _, alert = not_seen_alert(ports, clock)
    service = task_service(ports)
    tid = task_of(ports, alert, "LA123").id
    service.act(LA, tid, "acknowledge", {"by": "Sam"})
    mine, _ = service.search(parse_query({}, "LA123"))
    assert [t.id for t in mine] == [tid]
    accepted, _ = service.search(parse_query({"status": ["accepted"]}, "LA123"))
    requested, _ = service.search(parse_query({"status": ["requested"]}, "LA123"))
    assert [t.id for t in accepted] == [tid] and requested == []
    theirs, _ = service.search(parse_query({}, "A81001"))
    assert [t.owner for t in theirs] == ["A81001"]
