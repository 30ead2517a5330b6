"""RouterService on fakes: each recipient the policy names gets one disclosure, audited once, whatever
fails midway; then the message goes on to rules. The policy's own answer (`decide`) is the oracle."""
from __future__ import annotations

import json

import pytest

from hub.adapters.errors import QueueError, StateStoreError
from hub.bootstrap import router_service
from hub.core.identity import disclosure_id, sender_message_id
from hub.core.routing import decide
from hub.service.context import routing_context
from hub.service.queued import PoisonMessageError, load_message
from tests.support.fakes import InMemoryLedger, InMemoryQueues
from tests.support.messages import load_event
from tests.support.pipeline import ingest
from tests.support.wiring import in_memory_ports, queue_urls

INJURY = load_event("valid/injury-observed.json")  # three recipients for a child on no plan


def accepted(ports, body: bytes = INJURY) -> dict:
    """What ingest put on the validated queue for `body`."""
    assert ingest(ports, body).status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    return json.loads(m["Body"])


def expected_disclosures(ports, queued: dict) -> list:
    msg, _ = load_message(ports.archive, queued)
    return decide(msg, routing_context(ports.state, msg), ports.routing_policy, ports.routing_config)


def outboxes(ports) -> dict[str, list[dict]]:
    return {k: ports.queues.messages(u) for k, u in ports.settings.outbox_queue_urls.items()
            if ports.queues.messages(u)}


def routed(ports) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == "message.routed"]


def test_each_recipient_gets_one_readdressed_disclosure_audited_once_then_rules(ports):
    queued = accepted(ports)
    want = expected_disclosures(ports, queued)
    assert len(want) == 3
    assert router_service(ports).route(queued) == 3
    got = outboxes(ports)
    assert sorted(got) == sorted(d.recipient_kind for d in want)
    for d in want:
        [bundle] = got[d.recipient_kind]
        header = bundle["entry"][0]["resource"]
        scoped = sender_message_id(queued["sender_ods"], queued["message_id"])
        assert header["id"] == disclosure_id(scoped, d.recipient_kind, d.recipient_ods)
        assert d.recipient_ods in json.dumps(header["destination"])
    audits = routed(ports)
    assert sorted((r["recipient_kind"], r["recipient_ods"], r["legal_basis"]) for r in audits) == \
        sorted((d.recipient_kind, d.recipient_ods, d.legal_basis) for d in want)
    assert all(ports.ledger.status(f"disclosure#{r['details']['disclosure_id']}") == "audited" for r in audits)
    assert ports.queues.messages(ports.settings.rules_queue_url) == [queued]


def test_a_send_failing_midway_then_the_retry_delivers_each_recipient_exactly_once(ports):
    queued = accepted(ports)

    class SecondOutboxSendFails(InMemoryQueues):
        sends = 0

        def send_json(self, url, payload, **kw):
            if url in ports.settings.outbox_queue_urls.values():
                self.sends += 1
                if self.sends == 2:
                    raise QueueError("send failed (ServiceUnavailable)")
            return super().send_json(url, payload, **kw)

    flaky = in_memory_ports(ports.settings, clock=ports.clock, archive=ports.archive, state=ports.state,
                            queues=SecondOutboxSendFails(queue_urls(ports.settings), clock=ports.clock))
    router = router_service(flaky)
    with pytest.raises(QueueError):
        router.route(queued)
    assert sum(len(v) for v in outboxes(flaky).values()) == 1 and len(routed(flaky)) == 1
    assert flaky.queues.messages(flaky.settings.rules_queue_url) == []  # rules wait for a complete routing
    assert router.route(queued) == 2  # the retry sends only what is missing
    assert sorted((k, len(v)) for k, v in outboxes(flaky).items()) == \
        sorted((d.recipient_kind, 1) for d in expected_disclosures(flaky, queued))
    assert len(routed(flaky)) == 3 and len(flaky.queues.messages(flaky.settings.rules_queue_url)) == 1


def test_a_crash_between_send_and_ledger_is_absorbed_by_the_outbox_dedup_id(ports):
    queued = accepted(ports)

    class LedgerLostAfterFirstSend(InMemoryLedger):
        failed = False

        def mark(self, key, status):
            if status == "sent" and not self.failed:
                self.failed = True
                raise StateStoreError("ledger write failed (ProvisionedThroughputExceeded)")
            super().mark(key, status)

    flaky = in_memory_ports(ports.settings, clock=ports.clock, archive=ports.archive, state=ports.state,
                            ledger=LedgerLostAfterFirstSend())
    router = router_service(flaky)
    with pytest.raises(StateStoreError):
        router.route(queued)
    router.route(queued)  # re-sends the first disclosure with the same dedup id: the queue drops it
    assert all(len(v) == 1 for v in outboxes(flaky).values()) and len(outboxes(flaky)) == 3
    assert len(routed(flaky)) == 3


def test_routing_the_same_record_again_sends_and_audits_nothing_new(ports):
    queued = accepted(ports)
    router = router_service(ports)
    router.route(queued)
    before = (json.dumps(outboxes(ports)), len(ports.audit.records))
    assert router.route(queued) == 0
    assert (json.dumps(outboxes(ports)), len(ports.audit.records)) == before


def test_a_record_that_no_longer_validates_is_poison(ports):
    queued = accepted(ports)
    queued["bundle"]["entry"][0]["resource"]["eventCoding"]["code"] = "no-such-event"
    with pytest.raises(PoisonMessageError):
        router_service(ports).route(queued)
    assert outboxes(ports) == {} and routed(ports) == []


def test_a_claim_check_record_is_routed_from_the_archive(ports):
    queued = accepted(ports)
    del queued["bundle"]  # as ingest queues a bundle too large to travel inline
    assert router_service(ports).route(queued) == 3
