"""IngestService on fakes: accept (archive, queue, audit once), reject (quarantine, audit), replay, 409."""
from __future__ import annotations

import json

import pytest

from hub.adapters.errors import ArchiveError
from hub.bootstrap import ingest_service
from hub.core.identity import content_hash
from tests.support.agencies import caller
from tests.support.fakes import InMemoryArchive
from tests.support.wiring import in_memory_ports
from tests.support.messages import (
    EVENTS,
    load_event,
    load_valid,
    nhs_number_of,
    sender_of,
    to_bytes,
    with_message_id,
)

INJURY = load_event("valid/injury-observed.json")


def handle(ports, body: bytes, ods: str | None = None):
    return ingest_service(ports).handle(body, content_type="application/fhir+json",
                                        caller=caller(ods or sender_of(body) or "A81001"))


def ports_with(ports, **replace):
    """The same settings and clock, with some ports replaced (fresh fakes for the rest)."""
    return in_memory_ports(ports.settings, clock=ports.clock, **replace)


def actions(ports) -> list[str]:
    return [r["action"] for r in ports.audit.records]


def test_a_valid_message_is_archived_queued_and_audited_once(ports, clock):
    res = handle(ports, INJURY)
    assert res.status == 202 and res.outcome["resourceType"] == "OperationOutcome"
    bundle = json.loads(INJURY)
    mid = bundle["entry"][0]["resource"]["id"]
    key = f"archive/{clock().date().isoformat()}/RX1/{mid}.json"  # ids are unique per sender only
    assert ports.archive.list("archive/") == [key] and ports.archive.get(key) == INJURY
    assert ports.archive.metadata(key) == {"sender-ods": "RX1", "event": "injury-observed",
                                           "content-sha256": content_hash(bundle)}
    [queued] = ports.queues.messages(ports.settings.validated_queue_url)
    assert (queued["message_id"], queued["sender_ods"], queued["sender_kind"]) == (mid, "RX1", "hospital")
    assert queued["archive_uri"] == f"s3://archive/{key}" and queued["bundle"] == bundle
    assert queued["received_at"] == clock().isoformat()
    [rec] = ports.audit.records
    assert (rec["action"], rec["outcome"], rec["message_id"], rec["actor_ods"]) == ("message.accepted", "202", mid, "RX1")
    assert rec["child"] == ports.audit.child_hash(nhs_number_of(bundle))
    assert nhs_number_of(bundle) not in json.dumps(ports.audit.records)
    assert ports.archive.list("quarantine/") == []


@pytest.mark.parametrize("name", ["bad-nhs-number", "duplicate-fullurl"])
def test_an_invalid_message_is_quarantined_and_audited_never_queued(ports, name):
    body = (EVENTS / "invalid" / f"{name}.json").read_bytes()
    expected = json.loads((EVENTS / "invalid" / f"{name}.expected.json").read_text())
    res = handle(ports, body)
    assert res.status == expected["status"]
    [key] = ports.archive.list("quarantine/")
    assert ports.archive.get(key) == body and ports.archive.list("archive/") == []
    assert ports.queues.depth(ports.settings.validated_queue_url) == {"visible": 0, "in_flight": 0}
    [rec] = ports.audit.records
    assert (rec["action"], rec["outcome"]) == ("message.rejected", str(expected["status"]))
    faults = {(f["code"], f["expression"]) for f in rec["details"]["faults"]}
    assert {(i["code"], i["expression"]) for i in expected["issues"]} <= faults


def test_an_unauthenticated_caller_is_refused_and_nothing_is_written(ports):
    res = ingest_service(ports).handle(INJURY, content_type="application/fhir+json", caller=None)
    assert res.status == 401
    assert ports.archive.objects == {} and ports.audit.records == []
    assert ports.queues.depth(ports.settings.validated_queue_url)["visible"] == 0


def test_the_same_message_again_is_a_replay_answered_200_without_a_second_delivery(ports, clock):
    first = handle(ports, INJURY)
    clock.advance(minutes=1)
    again = handle(ports, json.dumps(json.loads(INJURY), indent=2).encode())  # same content, other bytes
    assert (first.status, again.status) == (202, 200) and again.outcome == first.outcome
    assert len(ports.queues.messages(ports.settings.validated_queue_url)) == 1
    assert len(ports.archive.list("archive/")) == 1
    assert actions(ports) == ["message.accepted", "message.replayed"]


def test_the_same_message_id_with_other_content_from_the_same_sender_is_a_409_conflict(ports):
    assert handle(ports, INJURY).status == 202
    other = json.loads(INJURY)
    other["entry"][3]["resource"]["bodySite"] = {"text": "left shin"}
    res = handle(ports, to_bytes(other))
    assert res.status == 409 and res.outcome["issue"][0]["code"] == "conflict"
    assert actions(ports) == ["message.accepted", "message.conflict"]
    [queued] = ports.queues.messages(ports.settings.validated_queue_url)
    assert queued["bundle"] == json.loads(INJURY)


def test_a_message_still_being_accepted_elsewhere_is_a_409_to_retry(ports, monkeypatch):
    import hub.service.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "IN_PROGRESS_WAITS", (0,))  # no real waiting in the test
    answers = []

    class ArchiveThatSeesARetry(InMemoryArchive):
        def archive(self, *args):
            # the same request arrives again while the first is between its idempotency record and the archive
            answers.append(handle(ports, INJURY))
            return super().archive(*args)

    ports = ports_with(ports, archive=ArchiveThatSeesARetry())
    assert handle(ports, INJURY).status == 202
    [inner] = answers
    assert inner.status == 409 and "retry" in inner.outcome["issue"][0]["diagnostics"]
    assert len(ports.queues.messages(ports.settings.validated_queue_url)) == 1


def test_a_failed_archive_write_leaves_nothing_behind_and_the_retry_is_accepted(ports):
    class FailingOnce(InMemoryArchive):
        failed = False

        def archive(self, *args):
            if not self.failed:
                self.failed = True
                raise ArchiveError("archive write failed (SlowDown)")
            return super().archive(*args)

    ports = ports_with(ports, archive=FailingOnce())
    with pytest.raises(ArchiveError):
        handle(ports, INJURY)
    assert ports.audit.records == [] and ports.queues.messages(ports.settings.validated_queue_url) == []
    assert handle(ports, INJURY).status == 202
    assert actions(ports) == ["message.accepted"]
