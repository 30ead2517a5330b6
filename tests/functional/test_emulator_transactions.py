"""TransactWriteItems on the embedded emulator (hub.local.moto_transactions): all or nothing, without moto's
copy of every table the transaction names."""
from __future__ import annotations

import boto3
import pytest

from hub.local.server import start_moto

KEY = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTRS = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]


class _NotToBeCopied:
    def __deepcopy__(self, memo):
        raise AssertionError("a whole table was deep-copied")


@pytest.fixture(scope="module")
def ddb():
    srv, endpoint = start_moto()
    session = boto3.session.Session(region_name="eu-west-2", aws_access_key_id="t", aws_secret_access_key="t")
    client = session.client("dynamodb", endpoint_url=endpoint)
    client.create_table(TableName="ledger", BillingMode="PAY_PER_REQUEST", KeySchema=KEY, AttributeDefinitions=ATTRS,
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    client.create_table(TableName="heads", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["eu-west-2"]
    for name in ("ledger", "heads"):
        backend.tables[name].not_to_be_copied = _NotToBeCopied()
    yield client, backend
    srv.stop()


def _items(client, table):
    return sorted((i["pk"]["S"], i.get("sk", {}).get("S"), i.get("n", {}).get("N"))
                  for i in client.scan(TableName=table, ConsistentRead=True)["Items"])


def test_a_transaction_commits_whole_without_copying_the_tables(ddb):
    client, backend = ddb
    client.put_item(TableName="heads", Item={"pk": {"S": "chain#0"}, "n": {"N": "0"}})
    client.transact_write_items(TransactItems=[
        {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "chain#0"}, "sk": {"S": "0001"}, "n": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": "heads", "Key": {"pk": {"S": "chain#0"}}, "UpdateExpression": "SET n = :n",
                    "ConditionExpression": "n = :o", "ExpressionAttributeValues": {":n": {"N": "1"}, ":o": {"N": "0"}}}},
    ])
    assert _items(client, "ledger") == [("chain#0", "0001", "1")]
    assert _items(client, "heads") == [("chain#0", None, "1")]


def test_a_failed_transaction_leaves_items_and_stream_as_they_were(ddb):
    client, backend = ddb
    ledger_before, heads_before = _items(client, "ledger"), _items(client, "heads")
    stream_before = len(backend.tables["ledger"].stream_shard.items)
    with pytest.raises(client.exceptions.TransactionCanceledException) as exc:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": "ledger", "Item": {"pk": {"S": "chain#0"}, "sk": {"S": "0002"}, "n": {"N": "2"}}}},
            {"Update": {"TableName": "ledger", "Key": {"pk": {"S": "chain#0"}, "sk": {"S": "0001"}},
                        "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "99"}}}},
            {"Delete": {"TableName": "heads", "Key": {"pk": {"S": "chain#0"}}}},
            {"ConditionCheck": {"TableName": "heads", "Key": {"pk": {"S": "chain#9"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    reasons = [r["Code"] for r in exc.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _items(client, "ledger") == ledger_before  # the put undone, the in-place update undone
    assert _items(client, "heads") == heads_before  # the delete undone
    assert len(backend.tables["ledger"].stream_shard.items) == stream_before


def test_two_operations_on_one_item_are_refused_and_change_nothing(ddb):
    client, _ = ddb
    before = _items(client, "ledger")
    key = {"pk": {"S": "chain#0"}, "sk": {"S": "0001"}}
    with pytest.raises(client.exceptions.ClientError):
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": "ledger", "Key": key, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "7"}}}},
            {"Delete": {"TableName": "ledger", "Key": key}},
        ])
    assert _items(client, "ledger") == before
