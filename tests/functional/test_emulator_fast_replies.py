"""The embedded emulator's shortcuts against moto's own behaviour (hub.local.dynamodb_replies, hub.local.sqs_long_poll).

DynamoDB: with checking on, every item reply is also produced by moto's serialiser and the two must decode
alike (a difference is a 500, so boto3 raises), for every attribute type and every item operation.
SQS: a long poll on a FIFO queue whose only group is in flight waits rather than spins, and the group's
next message is still received once the first is deleted."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import boto3
import pytest

from hub.local import dynamodb_replies, sqs_long_poll
from hub.local.server import start_moto

ITEM = {
    "pk": {"S": "child#1"}, "sk": {"S": "rec#0001"},
    "n": {"N": "12.50"}, "b": {"B": b"\x00\xffbytes"}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]}, "m": {"M": {"inner": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]}}},
    "bool": {"BOOL": True}, "null": {"NULL": True}, "text": {"S": "é ünïcode \u2028 \"quoted\""},
}


@pytest.fixture(scope="module")
def emulator():
    srv, endpoint = start_moto()
    session = boto3.session.Session(region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
    yield session, endpoint
    srv.stop()


@pytest.fixture()
def checked(monkeypatch):
    """Checking on; yields a function naming the operations served by the fast path since."""
    monkeypatch.setattr(dynamodb_replies, "CHECK", True)
    before = dict(dynamodb_replies.served_fast)
    yield lambda: {op for op, n in dynamodb_replies.served_fast.items() if n > before.get(op, 0)}


def test_every_item_operation_replies_as_moto_would(emulator, checked):
    session, endpoint = emulator
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    ddb.create_table(TableName="replies", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    cap = {"ReturnConsumedCapacity": "TOTAL"}
    ddb.put_item(TableName="replies", Item=ITEM, **cap)
    got = ddb.get_item(TableName="replies", Key={"pk": ITEM["pk"], "sk": ITEM["sk"]}, ConsistentRead=True, **cap)
    assert got["Item"]["b"] == {"B": b"\x00\xffbytes"} and got["Item"]["text"] == ITEM["text"]
    assert got["ConsumedCapacity"]["TableName"] == "replies"
    for i in range(2, 6):
        ddb.put_item(TableName="replies", Item={**ITEM, "sk": {"S": f"rec#{i:04}"}})
    page = ddb.query(TableName="replies", KeyConditionExpression="pk = :p", Limit=2,
                     ExpressionAttributeValues={":p": ITEM["pk"]}, **cap)
    assert page["Count"] == 2 and page["LastEvaluatedKey"] == {"pk": ITEM["pk"], "sk": {"S": "rec#0002"}}
    assert ddb.query(TableName="replies", KeyConditionExpression="pk = :p", Select="COUNT",
                     ExpressionAttributeValues={":p": ITEM["pk"]})["Count"] == 5
    assert ddb.scan(TableName="replies", ProjectionExpression="sk, m")["Items"][0]["m"] == ITEM["m"]
    upd = ddb.update_item(TableName="replies", Key={"pk": ITEM["pk"], "sk": ITEM["sk"]}, ReturnValues="ALL_NEW",
                          UpdateExpression="SET n = n + :d", ExpressionAttributeValues={":d": {"N": "1"}})
    assert Decimal(upd["Attributes"]["n"]["N"]) == Decimal("13.5")
    old = ddb.delete_item(TableName="replies", Key={"pk": ITEM["pk"], "sk": {"S": "rec#0005"}}, ReturnValues="ALL_OLD", **cap)
    assert old["Attributes"]["bs"] == {"BS": [b"\x01", b"\x02"]}
    batch = ddb.batch_get_item(RequestItems={"replies": {"Keys": [{"pk": ITEM["pk"], "sk": {"S": "rec#0002"}}]}})
    assert batch["Responses"]["replies"][0]["ns"]["NS"] and batch["UnprocessedKeys"] == {}
    assert ddb.batch_write_item(RequestItems={"replies": [{"DeleteRequest": {"Key": {"pk": ITEM["pk"],
                                                                                      "sk": {"S": "rec#0004"}}}}]}
                                )["UnprocessedItems"] == {}
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "replies", "Item": {**ITEM, "sk": {"S": "rec#0009"}}}}])
    tx = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "replies",
                                                        "Key": {"pk": ITEM["pk"], "sk": {"S": "rec#0009"}}}}])
    assert tx["Responses"][0]["Item"]["null"] == {"NULL": True}
    assert checked() == dynamodb_replies.ITEM_OPERATIONS


def test_an_error_reply_is_still_moto_s(emulator, checked):
    session, endpoint = emulator
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="replies", Item=ITEM, ConditionExpression="attribute_not_exists(pk)")
    assert ddb.get_item(TableName="replies", Key={"pk": ITEM["pk"], "sk": ITEM["sk"]})["Item"]["sk"] == ITEM["sk"]
    assert "GetItem" in checked()


def test_a_long_poll_on_a_busy_fifo_group_waits_and_then_gets_the_next_message(emulator, monkeypatch):
    session, endpoint = emulator
    sqs = session.client("sqs", endpoint_url=endpoint)
    url = sqs.create_queue(QueueName="poll.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "60",
                                                             "ContentBasedDeduplication": "true"})["QueueUrl"]
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="child-1")
    first = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)["Messages"][0]
    assert first["Body"] == "first"
    got: dict = {}
    WAIT = 2  # noqa: N806

    def long_poll():
        got["reply"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=WAIT)

    passes = []
    queue_class = type(sqs_backend_queue(url))
    waited = queue_class.wait_for_messages
    monkeypatch.setattr(queue_class, "wait_for_messages", lambda self, timeout: (passes.append(1), waited(self, timeout)))
    poller = threading.Thread(target=long_poll)
    poller.start()
    time.sleep(1.0)  # "second" is visible but its group is in flight: the poll must wait, not spin
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    poller.join(5)
    # moto keeps the groups that were in flight when a poll began for the whole poll, so "second" comes
    # with this poll or the next one
    bodies = [m["Body"] for m in got["reply"].get("Messages", [])]
    bodies += [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", [])]
    assert bodies == ["second"]
    # a spinning poll passes over the queue thousands of times a second; a waiting one once per tick, plus
    # one for each wake-up (the delete)
    assert 1 <= len(passes) <= WAIT / sqs_long_poll.TICK_SECONDS + 5, len(passes)


def sqs_backend_queue(url: str):
    from moto.sqs.models import sqs_backends

    return sqs_backends["123456789012"]["eu-west-2"].get_queue(url.rsplit("/", 1)[1])
