"""RouterService on fakes: each recipient the policy names gets one disclosure in its organisation's mailbox,
audited once, whatever fails midway; then the message goes on to rules. The policy's own answer (`decide`)
is the oracle."""
from __future__ import annotations

import json

import pytest

from hub.adapters.errors import MailboxError, StateStoreError
from hub.bootstrap import mailbox_service, router_service
from hub.core.identity import disclosure_id, sender_message_id
from hub.core.messages import Caller
from hub.core.routing import decide
from hub.service.context import routing_context
from hub.service.queued import PoisonMessageError, load_message
from tests.support.fakes import InMemoryLedger, InMemoryMailboxes
from tests.support.messages import load_event
from tests.support.pipeline import ingest
from tests.support.wiring import in_memory_ports

INJURY = load_event("valid/injury-observed.json")  # three recipients for a child on no plan


def accepted(ports, body: bytes = INJURY) -> dict:
    """What ingest put on the validated queue for `body`."""
    assert ingest(ports, body).status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    return json.loads(m["Body"])


def expected_disclosures(ports, queued: dict) -> list:
    msg, _ = load_message(ports.archive, queued)
    return decide(msg, routing_context(ports.state, msg), ports.routing_policy, ports.routing_config)


def mailboxes(ports) -> dict[str, list[dict]]:
    """ODS code -> the copies waiting (unacknowledged) in that organisation's mailbox."""
    found = {ods: ports.mailboxes.delivered(ods=ods) for ods, _ in ports.mailboxes.items}
    return {ods: copies for ods, copies in found.items() if copies}


def routed(ports) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == "message.routed"]


def test_each_recipient_gets_one_readdressed_disclosure_in_its_own_mailbox_audited_once_then_rules(ports):
    queued = accepted(ports)
    want = expected_disclosures(ports, queued)
    assert len(want) == 3
    assert router_service(ports).route(queued) == 3
    got = mailboxes(ports)
    assert sorted(got) == sorted(d.recipient_ods for d in want)  # one mailbox per ODS, never per kind
    for d in want:
        [bundle] = got[d.recipient_ods]
        header = bundle["entry"][0]["resource"]
        scoped = sender_message_id(queued["sender_ods"], queued["message_id"])
        assert header["id"] == disclosure_id(scoped, d.recipient_kind, d.recipient_ods)
        assert header["destination"][0]["receiver"]["identifier"]["value"] == d.recipient_ods
        [stored] = [m for (ods, _), (m, _t) in ports.mailboxes.items.items() if ods == d.recipient_ods]
        assert (stored.kind, stored.original_message_id, stored.event) == \
            (d.recipient_kind, queued["message_id"], "injury-observed")
    audits = routed(ports)
    assert sorted((r["recipient_kind"], r["recipient_ods"], r["legal_basis"]) for r in audits) == \
        sorted((d.recipient_kind, d.recipient_ods, d.legal_basis) for d in want)
    assert all(ports.ledger.status(f"disclosure#{r['details']['disclosure_id']}") == "audited" for r in audits)
    assert ports.queues.messages(ports.settings.rules_queue_url) == [queued]


def test_a_delivery_failing_midway_then_the_retry_delivers_each_recipient_exactly_once(ports):
    queued = accepted(ports)

    class SecondDeliveryFails(InMemoryMailboxes):
        calls = 0

        def deliver(self, message):
            self.calls += 1
            if self.calls == 2:
                raise MailboxError("mailbox delivery failed (ServiceUnavailable)")
            return super().deliver(message)

    flaky = in_memory_ports(ports.settings, clock=ports.clock, archive=ports.archive, state=ports.state,
                            mailboxes=SecondDeliveryFails())
    router = router_service(flaky)
    with pytest.raises(MailboxError):
        router.route(queued)
    assert sum(len(v) for v in mailboxes(flaky).values()) == 1 and len(routed(flaky)) == 1
    assert flaky.queues.messages(flaky.settings.rules_queue_url) == []  # rules wait for a complete routing
    assert router.route(queued) == 2  # the retry delivers only what is missing
    assert sorted((k, len(v)) for k, v in mailboxes(flaky).items()) == \
        sorted((d.recipient_ods, 1) for d in expected_disclosures(flaky, queued))
    assert len(routed(flaky)) == 3 and len(flaky.queues.messages(flaky.settings.rules_queue_url)) == 1


class LedgerLostAfterFirstDelivery(InMemoryLedger):
    failed = False

    def mark(self, key, status):
        if status == "sent" and not self.failed:
            self.failed = True
            raise StateStoreError("ledger write failed (ProvisionedThroughputExceeded)")
        super().mark(key, status)


def test_a_crash_between_delivery_and_ledger_is_absorbed_by_the_conditional_mailbox_write(ports):
    queued = accepted(ports)
    flaky = in_memory_ports(ports.settings, clock=ports.clock, archive=ports.archive, state=ports.state,
                            ledger=LedgerLostAfterFirstDelivery())
    router = router_service(flaky)
    with pytest.raises(StateStoreError):
        router.route(queued)
    router.route(queued)  # delivers the first disclosure again with the same id: the mailbox keeps one
    assert all(len(v) == 1 for v in mailboxes(flaky).values()) and len(mailboxes(flaky)) == 3
    assert len(routed(flaky)) == 3


def test_a_retry_after_the_recipient_acknowledged_delivers_nothing_again(ports):
    # GIVEN the first delivery reached the GP's mailbox but its ledger mark was lost
    queued = accepted(ports)
    flaky = in_memory_ports(ports.settings, clock=ports.clock, archive=ports.archive, state=ports.state,
                            ledger=LedgerLostAfterFirstDelivery())
    router = router_service(flaky)
    with pytest.raises(StateStoreError):
        router.route(queued)
    [(ods, message_id)] = list(flaky.mailboxes.items)
    kind = flaky.mailboxes.items[(ods, message_id)][0].kind
    # AND the recipient fetched and acknowledged it before the retry
    svc = mailbox_service(flaky)
    assert svc.fetch(Caller(ods, kind), message_id) is not None
    assert svc.acknowledge(Caller(ods, kind), message_id) == "acknowledged"
    # WHEN the router retries THEN the acknowledged copy does not come back (its tombstone holds the key)
    router.route(queued)
    assert ods not in mailboxes(flaky) and len(mailboxes(flaky)) == 2
    assert len(routed(flaky)) == 3


def test_routing_the_same_record_again_delivers_and_audits_nothing_new(ports):
    queued = accepted(ports)
    router = router_service(ports)
    router.route(queued)
    before = (json.dumps(mailboxes(ports)), len(ports.audit.records))
    assert router.route(queued) == 0
    assert (json.dumps(mailboxes(ports)), len(ports.audit.records)) == before


def test_a_record_that_no_longer_validates_is_poison(ports):
    queued = accepted(ports)
    queued["bundle"]["entry"][0]["resource"]["eventCoding"]["code"] = "no-such-event"
    with pytest.raises(PoisonMessageError):
        router_service(ports).route(queued)
    assert mailboxes(ports) == {} and routed(ports) == []


def test_a_claim_check_record_is_routed_from_the_archive(ports):
    queued = accepted(ports)
    del queued["bundle"]  # as ingest queues a bundle too large to travel inline
    assert router_service(ports).route(queued) == 3
