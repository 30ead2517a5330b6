"""Queues port: InMemoryQueues and SqsQueues (moto) behave alike on template.yaml's FIFO queues."""
from __future__ import annotations

import json

import pytest

from hub.adapters.errors import QueueError
from tests.support.fakes import InMemoryQueues

from .conftest import IMPLEMENTATIONS


class Port:
    def __init__(self, queues, url: str, other: str):
        self.queues, self.url, self.other = queues, url, other

    def send(self, value, group="g1", dedup=None, url=None, **kw) -> str:
        return self.queues.send_json(url or self.url, {"v": value}, group_id=group, dedup_id=dedup or str(value), **kw)

    def receive(self, **kw) -> list[dict]:
        return self.queues.receive(self.url, **kw)

    def values(self, msgs: list[dict]) -> list:
        return [json.loads(m["Body"])["v"] for m in msgs]


@pytest.fixture(params=IMPLEMENTATIONS)
def q(request) -> Port:
    if request.param == "fake":
        urls = ["https://sqs.example/q.fifo", "https://sqs.example/other.fifo"]
        return Port(InMemoryQueues(urls), *urls)
    from hub.adapters.sqs_queue import SqsQueues

    aws = request.getfixturevalue("moto")
    return Port(SqsQueues(client=aws.sqs), aws.queue("ValidatedQueue"), aws.queue("RulesQueue"))


def test_a_sent_message_is_received_with_its_group_dedup_id_and_attributes(q):
    q.queues.send_json(q.url, {"b": 2, "a": [1]}, group_id="grp", dedup_id="d-1", attributes={"ods": "A81001"})
    [m] = q.receive()
    assert m["Body"] == '{"a":[1],"b":2}'  # compact, sorted keys
    assert m["Attributes"]["MessageGroupId"] == "grp" and m["Attributes"]["MessageDeduplicationId"] == "d-1"
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert m["MessageAttributes"]["ods"]["StringValue"] == "A81001"
    assert m["MessageId"] and m["ReceiptHandle"]


def test_a_repeated_dedup_id_is_accepted_but_delivered_once(q):
    q.send("first", dedup="same")
    q.send("second", dedup="same")
    assert q.queues.depth(q.url) == {"visible": 1, "in_flight": 0}
    assert q.values(q.receive()) == ["first"]


def test_dedup_ids_are_cut_to_128_characters(q):
    q.send("first", dedup="x" * 128 + "-a")
    q.send("second", dedup="x" * 128 + "-b")
    assert q.values(q.receive()) == ["first"]


def test_dedup_is_per_queue(q):
    q.send("here", dedup="d")
    q.send("there", dedup="d", url=q.other)
    assert q.values(q.receive()) == ["here"]
    assert q.values(q.queues.receive(q.other)) == ["there"]


def test_a_group_waits_while_its_earlier_message_is_in_flight_and_keeps_its_order(q):
    for value, group in (("a", "g1"), ("x", "g2"), ("b", "g1"), ("c", "g1")):
        q.send(value, group=group)
    first = q.receive(max_messages=1)
    assert q.values(first) == ["a"]
    assert q.values(q.receive()) == ["x"]  # g1 is held while "a" is in flight
    q.queues.delete(q.url, first[0]["ReceiptHandle"])
    assert q.values(q.receive()) == ["b", "c"]


def test_a_message_not_deleted_comes_back_after_its_visibility_timeout(q):
    q.send("again")
    assert q.values(q.receive(visibility_timeout=0)) == ["again"]
    [m] = q.receive()
    assert json.loads(m["Body"])["v"] == "again" and m["Attributes"]["ApproximateReceiveCount"] == "2"


def test_depth_counts_visible_and_in_flight_and_delete_removes(q):
    assert q.receive() == [] and q.queues.depth(q.url) == {"visible": 0, "in_flight": 0}
    q.send(1, group="g1")
    q.send(2, group="g2")
    [m] = q.receive(max_messages=1)
    assert q.queues.depth(q.url) == {"visible": 1, "in_flight": 1}
    q.queues.delete(q.url, m["ReceiptHandle"])
    assert q.queues.depth(q.url) == {"visible": 1, "in_flight": 0}


def test_receive_takes_at_most_max_messages_and_never_more_than_ten(q):
    for i in range(12):
        q.send(i, group=f"g{i}")
    assert len(q.receive(max_messages=3)) == 3
    with pytest.raises(QueueError):
        q.receive(max_messages=11)


def test_deleting_with_a_bad_receipt_handle_is_a_queue_error(q):
    with pytest.raises(QueueError):
        q.queues.delete(q.url, "not-a-receipt-handle")


def test_a_fifo_message_needs_a_group(q):
    with pytest.raises(QueueError):
        q.send("lost", group="")
    assert q.queues.depth(q.url)["visible"] == 0


def test_a_body_over_the_size_limit_is_refused(q):
    with pytest.raises(QueueError):
        q.send("x" * (1024 * 1024 + 1))


def test_a_queue_that_does_not_exist_is_a_queue_error(q):
    missing = q.url.replace(".fifo", "-missing.fifo")
    with pytest.raises(QueueError):
        q.queues.depth(missing)
    with pytest.raises(QueueError):
        q.send("nowhere", url=missing)
