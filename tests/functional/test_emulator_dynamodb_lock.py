"""The embedded moto server serves DynamoDB one request at a time (hub.local.server).

moto's DynamoDB backend is not thread-safe: concurrent TransactWriteItems once failed half-way with an
HTTP 500 and left part of a transaction written, which broke the audit chain's head on LocalStack (same
backend). These tests pin the lock and show concurrent transactions all succeed, atomically."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from hub.local import server


def test_dynamodb_requests_run_under_the_lock_and_others_do_not():
    seen = []

    def app(environ, start_response):
        seen.append((environ.get("HTTP_X_AMZ_TARGET"), server._DYNAMODB_LOCK._is_owned()))
        return iter([b"ok"])

    wrapped = server._serialise_dynamodb(app)
    assert wrapped({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.TransactWriteItems"}, None) == [b"ok"]
    assert list(wrapped({"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, None)) == [b"ok"]
    assert seen == [("DynamoDB_20120810.TransactWriteItems", True), ("AmazonSQS.ReceiveMessage", False)]


@pytest.fixture(scope="module")
def ddb():
    srv, endpoint = server.start_moto()
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="eu-west-2",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        yield client
    finally:
        server.stop_moto(srv)


def test_concurrent_transactions_all_commit_whole(ddb):
    errors: list[str] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        for i in range(15):
            items = [{"Put": {"TableName": "t", "Item": {"pk": {"S": f"w{w}-{i}-{j}"}},
                              "ConditionExpression": "attribute_not_exists(pk)"}} for j in range(4)]
            try:
                ddb.transact_write_items(TransactItems=items)
            except Exception as exc:  # noqa: BLE001 - any failure is what the test counts
                with lock:
                    errors.append(type(exc).__name__)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    count = sum(page["Count"] for page in ddb.get_paginator("scan").paginate(TableName="t", Select="COUNT"))
    assert errors == []
    assert count == 8 * 15 * 4
