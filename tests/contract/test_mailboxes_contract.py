"""Mailboxes port: InMemoryMailboxes and DynamoDBMailboxes (moto: MailboxTable as template.yaml declares it, with
its delivered-index; a claim check in S3 for a large copy) behave alike."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.core.mailbox import MailboxMessage
from tests.support.fakes import InMemoryMailboxes

from .conftest import IMPLEMENTATIONS

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
GP, HV = "A81001", "HV001"


def message(ods: str, n: int, *, at: datetime | None = None, text: str = "x") -> MailboxMessage:
    mid = f"m-{ods}-{n:03d}"
    return MailboxMessage(ods=ods, message_id=mid, kind="gp" if ods == GP else "health-visiting",
                          event="injury-observed", original_message_id=f"orig-{n}", delivered_at=at or T0 + timedelta(
                              minutes=n), nhs_number="9990012008",
                          bundle={"resourceType": "Bundle", "id": mid, "type": "message", "note": text})


@pytest.fixture(params=IMPLEMENTATIONS)
def boxes(request):
    if request.param == "fake":
        return InMemoryMailboxes()
    from hub.adapters.dynamodb_mailbox import DynamoDBMailboxes

    aws = request.getfixturevalue("moto")
    boxes = DynamoDBMailboxes(aws.table("MailboxTable"), aws.bucket(), client=aws.ddb, s3=aws.s3,
                              inline_limit=2000)
    boxes.s3_client = aws.s3
    return boxes


def test_a_delivered_message_reads_back_whole_in_its_own_mailbox_only(boxes):
    m = message(GP, 1)
    assert boxes.deliver(m) is True
    got = boxes.get(GP, m.message_id)
    assert got.bundle == m.bundle and got.nhs_number == "9990012008" and not got.acknowledged
    assert (got.kind, got.event, got.original_message_id, got.delivered_at) == \
        (m.kind, m.event, m.original_message_id, m.delivered_at)
    assert got.size == len(b'{"resourceType":"Bundle","id":"m-A81001-001","type":"message","note":"x"}')
    assert boxes.get(HV, m.message_id) is None  # the same id in another mailbox: nothing
    assert boxes.get(GP, "m-unknown") is None


def test_delivery_is_conditional_a_second_one_changes_nothing(boxes):
    first = message(GP, 1)
    assert boxes.deliver(first) is True
    again = MailboxMessage(**{**first.__dict__, "bundle": {"resourceType": "Bundle", "id": "other"},
                              "delivered_at": T0 + timedelta(days=1)})
    assert boxes.deliver(again) is False
    got = boxes.get(GP, first.message_id)
    assert got.bundle == first.bundle and got.delivered_at == first.delivered_at


def test_a_large_copy_is_kept_aside_and_read_back_whole(boxes):
    big = message(GP, 2, text="y" * 5000)  # over the moto adapter's 2000-byte inline limit
    assert boxes.deliver(big) is True
    assert boxes.get(GP, big.message_id).bundle == big.bundle
    [listed], more = boxes.list(GP)
    assert listed.message_id == big.message_id and listed.bundle is None and not more
    assert listed.size > 5000
    if hasattr(boxes, "s3_client"):  # the claim lives under mailbox/ until the acknowledgement removes it
        keys = lambda: [o["Key"] for o in boxes.s3_client.list_objects_v2(Bucket=boxes.bucket).get("Contents", [])]
        assert keys() == [f"mailbox/{GP}/{big.message_id}.json"]
        assert boxes.acknowledge(GP, big.message_id, at=T0) == "acknowledged"
        assert keys() == []
        assert boxes.deliver(big) is False  # a late retry after the acknowledgement leaves nothing behind
        assert keys() == []


def test_listing_is_oldest_first_in_pages_without_content(boxes):
    for n in (3, 1, 2, 5, 4):
        boxes.deliver(message(GP, n))
    boxes.deliver(message(HV, 9))
    page, more = boxes.list(GP, limit=2)
    assert [m.message_id for m in page] == ["m-A81001-001", "m-A81001-002"] and more
    assert all(m.bundle is None for m in page)
    last = page[-1]
    page2, more2 = boxes.list(GP, limit=2, after=(last.delivered_at, last.message_id))
    page3, more3 = boxes.list(GP, limit=2, after=(page2[-1].delivered_at, page2[-1].message_id))
    assert [m.message_id for m in page2 + page3] == ["m-A81001-003", "m-A81001-004", "m-A81001-005"]
    assert more2 and not more3
    assert [m.message_id for m in boxes.list(HV)[0]] == ["m-HV001-009"]


def test_acknowledging_leaves_a_tombstone_that_keeps_the_message_from_coming_back(boxes):
    m = message(GP, 1)
    boxes.deliver(m)
    boxes.deliver(message(GP, 2))
    assert boxes.acknowledge(HV, m.message_id, at=T0) == "absent"  # not HV's to acknowledge
    assert boxes.acknowledge(GP, m.message_id, at=T0 + timedelta(hours=1)) == "acknowledged"
    assert boxes.acknowledge(GP, m.message_id, at=T0 + timedelta(hours=2)) == "already"
    assert boxes.acknowledge(GP, "m-unknown", at=T0) == "absent"
    tomb = boxes.get(GP, m.message_id)
    assert tomb.acknowledged and tomb.acknowledged_at == T0 + timedelta(hours=1)
    assert tomb.bundle is None and tomb.nhs_number is None  # no content, no child
    assert [x.message_id for x in boxes.list(GP)[0]] == ["m-A81001-002"]
    assert boxes.deliver(m) is False  # a late router retry writes nothing


def test_stale_lists_unacknowledged_messages_of_every_mailbox_delivered_before_a_time(boxes):
    boxes.deliver(message(GP, 1, at=T0))
    boxes.deliver(message(HV, 2, at=T0 + timedelta(hours=1)))
    boxes.deliver(message(GP, 3, at=T0 + timedelta(hours=5)))
    boxes.deliver(message(GP, 4, at=T0 + timedelta(minutes=30)))
    boxes.acknowledge(GP, "m-A81001-004", at=T0 + timedelta(hours=6))
    stale = boxes.stale(T0 + timedelta(hours=2))
    assert [(m.ods, m.message_id) for m in stale] == [(GP, "m-A81001-001"), (HV, "m-HV001-002")]
    assert all(m.bundle is None for m in stale)
    assert len(boxes.stale(T0 + timedelta(days=1), limit=1)) == 1
