"""RulesService on fakes: an alert is published and audited once (retries included) before the child's state
is saved; the sweep raises deadline alerts once; a resolving fact publishes the resolution."""
from __future__ import annotations

from datetime import timedelta

import pytest

from hub.adapters.errors import QueueError
from hub.bootstrap import rules_service
from tests.support.rule_builders import Child, at, exam, injury, plan_start, seen
from tests.support.fakes import InMemoryQueues
from tests.support.nhs import nhs_number
from tests.support.wiring import in_memory_ports, queue_urls


def alerts(ports) -> list[dict]:
    return ports.queues.messages(ports.settings.alerts_queue_url)


def audited(ports, action: str = "alert.raised") -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == action]


def infant(seed: int = 1) -> Child:
    return Child(nhs_number(seed), "2025-06-01", household=f"H-{seed}")


def test_a_bruise_on_an_infant_raises_one_critical_alert_published_audited_and_remembered(ports, clock):
    kid = infant()
    clock.set(at("2025-08-01T12:00"))
    msg = kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    assert rules_service(ports).on_message(msg) == 1
    [alert] = alerts(ports)
    assert (alert["type"], alert["rule"], alert["severity"]) == ("alert", "non-mobile-bruising", "critical")
    [rec] = audited(ports)
    assert (rec["rule"], rec["outcome"], rec["message_id"]) == ("non-mobile-bruising", "critical", alert["alert_id"])
    assert rec["child"] == ports.audit.child_hash(kid.nhs_number) and kid.nhs_number not in str(rec)
    assert ports.ledger.status(f"alert-audit#alert#{alert['alert_id']}") == "audited"
    assert alert["alert_id"] in ports.state.get(kid.nhs_number).ledger  # saved after publishing


def test_the_same_message_again_raises_nothing_new(ports, clock):
    kid = infant()
    clock.set(at("2025-08-01T12:00"))
    msg = kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    service = rules_service(ports)
    service.on_message(msg)
    assert service.on_message(msg) == 0
    assert len(alerts(ports)) == 1 and len(audited(ports)) == 1


def test_a_publish_failing_midway_saves_no_state_and_the_retry_publishes_and_audits_once(ports, clock):
    class AlertSendFailsOnce(InMemoryQueues):
        failed = False

        def send_json(self, url, payload, **kw):
            if url == ports.settings.alerts_queue_url and not self.failed:
                self.failed = True
                raise QueueError("send failed (ServiceUnavailable)")
            return super().send_json(url, payload, **kw)

    flaky = in_memory_ports(ports.settings, clock=clock,
                            queues=AlertSendFailsOnce(queue_urls(ports.settings), clock=clock))
    service = rules_service(flaky)
    clock.set(at("2025-08-01T12:00"))
    kid = infant()
    msg = kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    with pytest.raises(QueueError):
        service.on_message(msg)
    assert flaky.state.get(kid.nhs_number) is None and audited(flaky) == []
    assert service.on_message(msg) == 1
    assert len(alerts(flaky)) == 1 and len(audited(flaky)) == 1


def test_an_audit_failing_after_the_publish_leaves_one_alert_and_one_audit_after_the_retry(ports, clock):
    from tests.support.fakes import InMemoryAuditLog

    class AuditFailsOnce(InMemoryAuditLog):
        failed = False

        def append(self, entry):
            if not self.failed:
                self.failed = True
                raise RuntimeError("audit append failed")
            return super().append(entry)

    flaky = in_memory_ports(ports.settings, clock=clock, audit=AuditFailsOnce(shards=4))
    service = rules_service(flaky)
    clock.set(at("2025-08-01T12:00"))
    msg = infant().msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    with pytest.raises(RuntimeError):
        service.on_message(msg)
    service.on_message(msg)  # re-publishes with the same dedup id: the queue drops the copy
    assert len(alerts(flaky)) == 1 and len(audited(flaky)) == 1


def test_the_sweep_raises_a_deadline_alert_once_and_a_visit_resolves_it(ports, clock):
    kid = Child(nhs_number(7), "2019-05-01", household="H-7")
    service = rules_service(ports)
    clock.set(at("2025-01-06T12:00"))
    service.on_message(kid.registered("2025-01-06T09:00"))
    service.on_message(kid.msg(plan_start("cpp-1", "2025-01-06T10:00"), ts="2025-01-06T11:00"))
    not_seen = lambda: [a for a in alerts(ports) if a["rule"] == "child-not-seen"]  # noqa: E731
    due = ports.state.get(kid.nhs_number).next_due_at
    assert due is not None and not_seen() == []
    clock.set(due - timedelta(seconds=1))
    service.sweep()
    assert not_seen() == []  # not yet
    clock.set(due)
    assert service.sweep() == 1
    [alert] = not_seen()
    [raised] = [r for r in audited(ports) if r["rule"] == "child-not-seen"]
    assert raised["actor_kind"] == "sweep" and raised["message_id"] == alert["alert_id"]
    clock.advance(days=1)
    assert service.sweep() == 0 and len(not_seen()) == 1
    clock.advance(hours=2)
    service.on_message(kid.msg(seen("v-1", clock().isoformat()), ts=clock().isoformat()))
    resolved = alerts(ports)[-1]
    assert (resolved["type"], resolved["alert_id"], resolved["reason"]) == ("resolved", alert["alert_id"], "seen")
    assert [r["outcome"] for r in audited(ports, "alert.resolved")] == ["seen"]


def test_an_injury_examined_in_time_on_a_plan_never_alerts_one_not_examined_does(ports, clock):
    examined, missed = (Child(nhs_number(seed), "2015-01-01", household=f"H-{seed}") for seed in (8, 9))
    service = rules_service(ports)
    for kid in (examined, missed):
        clock.set(at("2025-03-01T12:00"))
        service.on_message(kid.registered("2025-03-01T09:00"))
        service.on_message(kid.msg(plan_start(f"cpp-{kid.nhs_number}", "2025-03-01T10:00"), ts="2025-03-01T11:00"))
        clock.set(at("2025-03-02T12:00"))
        service.on_message(kid.msg(injury(f"inj-{kid.nhs_number}", "2025-03-02T10:00"), ts="2025-03-02T11:00"))
    clock.set(at("2025-03-02T20:00"))
    service.on_message(examined.msg(exam("ex-8", "2025-03-02T18:00", reasons=(f"inj-{examined.nhs_number}",)),
                                    ts="2025-03-02T19:00"))
    clock.set(at("2025-03-10T00:00"))
    service.sweep()
    assert [a["nhs_number"] for a in alerts(ports) if a["rule"] == "injury-not-examined"] == [missed.nhs_number]
