"""Ingest order and idempotency scope: no message is routed without its `message.accepted` record; a retry after
any failed step neither loses the message nor records it twice; the wait for a concurrent request stays inside
the function's time; MessageHeader.id is unique per sender only, and no agency learns another's ids."""
from __future__ import annotations

import json

import pytest

from hub.adapters.errors import AdapterError
from hub.bootstrap import ingest_service, router_service
from tests.support.agencies import caller
from tests.support.fakes import InMemoryQueues
from tests.support.messages import load_event, load_valid, sender_of, to_bytes, with_message_id
from tests.support.wiring import queue_urls

INJURY = load_event("valid/injury-observed.json")
MID = json.loads(INJURY)["entry"][0]["resource"]["id"]


class Broken(AdapterError):
    """A dependency that failed (a 503 to the agency, which retries)."""


def handle(ports, body: bytes, ods: str | None = None, kind: str | None = None, **kw):
    return ingest_service(ports).handle(body, content_type="application/fhir+json",
                                        caller=caller(ods or sender_of(body), kind), **kw)


def accepted(ports) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == "message.accepted"]


def queued(ports) -> list[dict]:
    return ports.queues.messages(ports.settings.validated_queue_url)


class FailingOnce:
    """Wraps a port so that its first call of `method` raises."""

    def __init__(self, method: str):
        self.method, self.failed = method, False

    def __call__(self, inner):
        def once(*a, **kw):
            if not self.failed:
                self.failed = True
                raise Broken(f"{self.method} failed")
            return inner(*a, **kw)
        return once


def _with(ports, **replace):
    from tests.support.wiring import in_memory_ports

    return in_memory_ports(ports.settings, clock=ports.clock, **replace)


# ---- archive, audit, THEN enqueue ---------------------------------------------------------------
def test_a_message_is_never_queued_before_its_accepted_record(ports):
    # GIVEN an audit log that fails once, after the archive write
    trip = FailingOnce("append")
    audit = ports.audit
    audit.append = trip(audit.append)
    # WHEN the message arrives THEN the agency is told to retry (the adapter error is the handler's 503)
    with pytest.raises(Broken):
        handle(ports, INJURY)
    # AND nothing was queued: the router cannot route what the audit log does not show as accepted
    assert queued(ports) == [] and accepted(ports) == []
    # WHEN the agency retries THEN it is accepted once, recorded once, queued once
    assert handle(ports, INJURY).status == 202
    assert len(accepted(ports)) == 1 and len(queued(ports)) == 1


def test_a_retry_after_a_failed_enqueue_neither_loses_nor_records_twice(ports):
    # GIVEN a validated queue that fails once, after the accepted record was written
    queues = InMemoryQueues(queue_urls(ports.settings), clock=ports.clock)
    queues.send_json = FailingOnce("send_json")(queues.send_json)
    ports = _with(ports, queues=queues)
    with pytest.raises(Broken):
        handle(ports, INJURY)
    assert len(accepted(ports)) == 1 and queued(ports) == []
    # WHEN the agency retries THEN the message is queued, as an acceptance (202), with no second record
    res = handle(ports, INJURY)
    assert res.status == 202
    assert len(queued(ports)) == 1 and len(accepted(ports)) == 1
    # AND a later replay is a replay
    assert handle(ports, INJURY).status == 200 and len(queued(ports)) == 1


# ---- the in-progress wait stays inside the function's time --------------------------------------
def _in_progress(ports, monkeypatch, remaining_ms, left: dict | None = None):
    """Ingest while another request holds the message; sleeps are recorded (and taken off ``left``), not slept."""
    import hub.service.ingest as ingest_module
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if left is not None:
            left["ms"] -= seconds * 1000

    def busy(**_kw):
        raise IdempotencyAlreadyInProgressError("in progress")

    monkeypatch.setattr(ingest_module.time, "sleep", sleep)
    service = ingest_service(ports)
    service._accept_once = busy
    res = service.handle(INJURY, content_type="application/fhir+json", caller=caller("RX1"),
                         remaining_ms=remaining_ms)
    assert res.status == 409 and "retry" in res.outcome["issue"][0]["diagnostics"]
    return slept


def test_the_in_progress_wait_never_outlasts_the_function(ports, monkeypatch):
    from hub.service.ingest import REPLY_RESERVE_MS

    left = {"ms": 2_600}
    slept = _in_progress(ports, monkeypatch, lambda: left["ms"], left)
    assert slept and left["ms"] >= REPLY_RESERVE_MS


def test_no_wait_at_all_when_the_function_is_nearly_out_of_time(ports, monkeypatch):
    assert _in_progress(ports, monkeypatch, lambda: 1_000) == []


def test_without_a_deadline_the_wait_is_the_fixed_backoff(ports, monkeypatch):
    from hub.service.ingest import IN_PROGRESS_WAITS

    assert tuple(_in_progress(ports, monkeypatch, None)) == IN_PROGRESS_WAITS


# ---- MessageHeader.id is unique per sender only --------------------------------------------------
def _concern_with_the_injury_id() -> bytes:
    return to_bytes(with_message_id(load_valid("concern-recorded"), MID))  # police P42 reuses the hospital's id


def test_another_agency_reusing_a_message_id_is_a_distinct_message_not_a_409(ports):
    assert handle(ports, INJURY).status == 202
    res = handle(ports, _concern_with_the_injury_id())
    # no cross-agency oracle: the police key learns nothing about the hospital's message
    assert res.status == 202 and "conflict" not in json.dumps(res.outcome)
    assert {(r["actor_ods"], r["message_id"]) for r in accepted(ports)} == {("RX1", MID), ("P42", MID)}
    assert len(queued(ports)) == 2
    assert sorted(ports.archive.list("archive/")) == sorted(
        f"archive/{ports.clock().date().isoformat()}/{ods}/{MID}.json" for ods in ("P42", "RX1"))
    assert {ports.archive.get(k) for k in ports.archive.list("archive/")} == {INJURY, _concern_with_the_injury_id()}


def test_the_same_id_and_content_from_another_agency_is_not_a_replay(ports):
    assert handle(ports, INJURY).status == 202
    assert handle(ports, INJURY, ods="RX1").status == 200
    # the same bytes from another caller fail the sender check; they are never answered from RX1's record
    assert handle(ports, INJURY, ods="RX2", kind="hospital").status == 403


def test_ids_derived_downstream_keep_two_senders_apart(ports):
    # GIVEN the hospital's message and a police message reusing its id, both accepted
    assert handle(ports, INJURY).status == 202
    assert handle(ports, _concern_with_the_injury_id()).status == 202
    # WHEN the router takes both from the validated queue
    router = router_service(ports)
    routed = [router.route(q) for q in queued(ports)]
    # THEN each was delivered: no disclosure, routed record or rules-queue entry of one suppressed the other
    assert all(n > 0 for n in routed), routed
    records = [r for r in ports.audit.records if r["action"] == "message.routed"]
    assert {r["actor_ods"] for r in records} == {"RX1", "P42"}
    dids = [r["details"]["disclosure_id"] for r in records]
    assert len(dids) == len(set(dids))
    assert len(ports.queues.messages(ports.settings.rules_queue_url)) == 2
