"""MailboxService on fakes: an organisation lists, fetches and acknowledges only its own messages; every fetch
and the acknowledgement (once) are audited before anything is returned; operators see what waits too long."""
from __future__ import annotations

import json

import pytest

from hub.adapters.dynamodb_audit_read import AuditWriteError
from hub.bootstrap import mailbox_service, router_service
from hub.core.mailbox import MailboxMessage, MailboxQueryError, encode_cursor
from hub.core.messages import Caller
from hub.service.mailbox import NotAnAgency
from tests.support.fakes import InMemoryAuditLog
from tests.support.messages import load_event
from tests.support.pipeline import ingest
from tests.support.wiring import in_memory_ports

GP, HV, LA = Caller("A81001", "gp"), Caller("HV001", "health-visiting"), Caller("LAFD001", "social-care")


def routed_injury(ports) -> None:
    """An injury to a baby on no plan: one copy each to the GP, health visiting and the LA front door."""
    assert ingest(ports, load_event("valid/injury-observed.json")).status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    assert router_service(ports).route(json.loads(m["Body"])) == 3


def actions(ports, action: str) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == action]


def test_each_organisation_lists_and_fetches_only_its_own(ports):
    routed_injury(ports)
    svc = mailbox_service(ports)
    [gp_copy] = svc.list(GP).messages
    [hv_copy] = svc.list(HV).messages
    assert gp_copy["id"] != hv_copy["id"] and gp_copy["kind"] == "gp" and gp_copy["event"] == "injury-observed"
    assert "nhs_number" not in json.dumps(gp_copy)  # a listing carries no child
    bundle = svc.fetch(GP, gp_copy["id"])
    assert bundle["entry"][0]["resource"]["id"] == gp_copy["id"]
    # another organisation's id is simply not there, as an unknown one is
    assert svc.fetch(GP, hv_copy["id"]) is None and svc.fetch(GP, "no-such-id") is None
    assert svc.acknowledge(GP, hv_copy["id"]) is None
    assert svc.fetch(HV, hv_copy["id"]) is not None  # untouched by the GP's attempt
    assert svc.list(Caller("ZZZ999", "gp")).messages == []


def test_a_fetch_is_audited_each_time_and_an_acknowledgement_once(ports):
    routed_injury(ports)
    svc = mailbox_service(ports)
    [copy] = svc.list(GP).messages
    svc.fetch(GP, copy["id"])
    svc.fetch(GP, copy["id"])  # a reader that crashed before storing it fetches again
    fetched = actions(ports, "mailbox.fetched")
    assert len(fetched) == 2
    assert {(r["actor_ods"], r["recipient_ods"], r["message_id"], r["details"]["disclosure_id"]) for r in fetched} == \
        {(GP.ods, GP.ods, copy["original_message_id"], copy["id"])}
    assert fetched[0]["child"]  # the child's keyed hash: the chronology shows who read what about whom
    assert svc.acknowledge(GP, copy["id"]) == "acknowledged"
    assert svc.acknowledge(GP, copy["id"]) == "acknowledged"  # idempotent
    assert len(actions(ports, "mailbox.acknowledged")) == 1
    # it has left the mailbox: neither listed nor fetched
    assert svc.list(GP).messages == [] and svc.fetch(GP, copy["id"]) is None


def test_an_acknowledgement_whose_removal_failed_is_recorded_once_on_retry(ports):
    routed_injury(ports)
    svc = mailbox_service(ports)
    [copy] = svc.list(GP).messages
    real = ports.mailboxes.acknowledge
    calls = []

    def failing_once(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            from hub.adapters.errors import MailboxError
            raise MailboxError("acknowledgement failed (ThrottlingException)")
        return real(*a, **kw)

    ports.mailboxes.acknowledge = failing_once
    with pytest.raises(Exception):
        svc.acknowledge(GP, copy["id"])
    assert svc.list(GP).messages  # still in the mailbox
    assert svc.acknowledge(GP, copy["id"]) == "acknowledged"
    assert len(actions(ports, "mailbox.acknowledged")) == 1  # the retry found the first record


def test_no_audit_record_no_data(clock):
    class AuditDown(InMemoryAuditLog):
        down = False

        def append(self, entry):
            if self.down:
                raise AuditWriteError("audit append failed: ProvisionedThroughputExceeded")
            return super().append(entry)

    from tests.support.fakes import HMAC_KEY

    audit = AuditDown(HMAC_KEY, shards=4)
    ports = in_memory_ports(clock=clock, audit=audit)
    routed_injury(ports)
    svc = mailbox_service(ports)
    [copy] = svc.list(GP).messages
    audit.down = True
    with pytest.raises(AuditWriteError):
        svc.fetch(GP, copy["id"])
    with pytest.raises(AuditWriteError):
        svc.acknowledge(GP, copy["id"])
    audit.down = False
    assert svc.list(GP).messages == [copy]  # nothing was acknowledged without its record


def test_a_key_of_no_agency_has_no_mailbox(ports):
    svc = mailbox_service(ports)
    for caller in (None, Caller("COMM01", "commissioner")):
        with pytest.raises(NotAnAgency):
            svc.list(caller)
        with pytest.raises(NotAnAgency):
            svc.fetch(caller, "x")


def _deliver(ports, ods: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        mid = f"m-{ods}-{i:03d}"
        ports.mailboxes.deliver(MailboxMessage(ods=ods, message_id=mid, kind="gp", event="child-seen",
                                               original_message_id=f"o-{i}", delivered_at=ports.clock(),
                                               bundle={"resourceType": "Bundle", "id": mid}))
        ports.clock.advance(minutes=1)
        ids.append(mid)
    return ids


def test_paging_walks_the_mailbox_oldest_first_and_refuses_a_foreign_cursor(ports):
    ids = _deliver(ports, GP.ods, 7)
    _deliver(ports, HV.ods, 2)
    svc = mailbox_service(ports)
    seen, cursor = [], None
    while True:
        page = svc.list(GP, limit="3", cursor=cursor)
        seen += [m["id"] for m in page.messages]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ids
    hv_cursor = svc.list(HV, limit=1).next_cursor
    with pytest.raises(MailboxQueryError) as exc:
        svc.list(GP, cursor=hv_cursor)  # another organisation's cursor (or a forged one) is refused
    assert exc.value.parameter == "cursor"
    for bad in ("0", "101", "x"):
        with pytest.raises(MailboxQueryError):
            svc.list(GP, limit=bad)
    with pytest.raises(MailboxQueryError):
        svc.list(GP, cursor="not-a-cursor")
    assert encode_cursor(GP.ods, ports.clock(), "z") != hv_cursor


def test_operators_see_only_what_waits_longer_than_the_configured_age(ports):
    old = _deliver(ports, GP.ods, 2)
    ports.clock.advance(hours=71)
    _deliver(ports, HV.ods, 1)
    svc = mailbox_service(ports)  # MailboxOperatorAgeHours: 72 by default
    ports.clock.advance(hours=1, minutes=1)
    stale = svc.stale()
    assert [(s["ods"], s["id"]) for s in stale] == [(GP.ods, i) for i in old]
    assert all(s["age_hours"] >= 72 and "nhs_number" not in s for s in stale)
    svc.acknowledge(GP, old[0])
    assert [s["id"] for s in svc.stale()] == [old[1]]
