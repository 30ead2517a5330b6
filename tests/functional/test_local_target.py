"""The hub's data plane on whichever emulator AWS_ENDPOINT_URL names (moto by default; LocalStack under
infra/localstack/run.sh, which deploys through CloudFormation and sets HUB_LOCAL_STACK_FILE)."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest

from hub.local import local_stack


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}  # pytest's own, per phase


@pytest.fixture(scope="module")
def environment_before():
    return _environment()


@pytest.fixture(scope="module")
def stack(environment_before):
    from hub.handlers import composition

    with local_stack(stack_name="hub-target", pollers=False, save_to=False) as s:
        yield s
    composition.use(None)


def test_local_target_fifo_queue_round_trip_with_group(stack):
    sqs = stack.client("sqs")
    url = stack.stack_info.env["VALIDATED_QUEUE_URL"]
    body = json.dumps({"probe": uuid.uuid4().hex})
    sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="child-1",
                     MessageDeduplicationId=uuid.uuid4().hex)
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                               MessageSystemAttributeNames=["All"])["Messages"]
    (m,) = [m for m in msgs if m["Body"] == body]
    assert m["Attributes"]["MessageGroupId"] == "child-1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true" and json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] in (5, "5")


def test_local_target_state_table_household_index(stack):
    ddb = stack.client("dynamodb")
    table = stack.stack_info.env["STATE_TABLE"]
    hh = f"hh-{uuid.uuid4().hex[:8]}"
    for i in range(2):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"child#{hh}-{i}"}, "household": {"S": hh},
                                            "due_shard": {"S": "0"}, "next_due": {"S": f"2026-01-0{i + 1}"}})
    got = ddb.query(TableName=table, IndexName="household-index", KeyConditionExpression="household = :h",
                    ExpressionAttributeValues={":h": {"S": hh}})["Items"]
    assert len(got) == 2
    due = ddb.query(TableName=table, IndexName="due-index",
                    KeyConditionExpression="due_shard = :s AND next_due <= :t",
                    ExpressionAttributeValues={":s": {"S": "0"}, ":t": {"S": "2026-01-01"}})["Items"]
    assert {i["pk"]["S"] for i in due} >= {f"child#{hh}-0"}


def test_local_target_archive_secret_and_digest_key(stack):
    env = stack.stack_info.env
    s3 = stack.client("s3")
    key = f"messages/{uuid.uuid4()}.json"
    s3.put_object(Bucket=env["ARCHIVE_BUCKET"], Key=key, Body=b"{}")
    assert s3.get_object(Bucket=env["ARCHIVE_BUCKET"], Key=key)["Body"].read() == b"{}"
    secret = stack.client("secretsmanager").get_secret_value(SecretId=env["AUDIT_HMAC_SECRET_ARN"])
    assert len(secret["SecretString"]) >= 32
    mac = stack.client("kms").generate_mac(KeyId=env["AUDIT_DIGEST_KEY_ID"], Message=b"chain-head",
                                           MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert len(mac) == 32


def test_local_target_api_requires_credentials(stack):
    req = urllib.request.Request(stack.api_url + "/$process-message", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 401


def test_local_target_uses_the_emulator_it_was_given(stack):
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:  # an emulator named by the environment: used as it is
        assert stack.server is None and stack.endpoint == endpoint
    else:  # none named: the stack's own moto, which the environment is not told about
        assert stack.server is not None and stack.endpoint.startswith("http://127.0.0.1:")
    assert stack.stack_info.endpoint_url.rstrip("/") == stack.endpoint.rstrip("/")
    if os.environ.get("HUB_LOCAL_STACK_FILE"):  # under infra/localstack/run.sh: the CloudFormation stack is reused
        assert stack.server is None
        assert stack.client("cloudformation").describe_stacks(
            StackName=stack.stack_info.stack_name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_local_target_hands_the_handlers_its_ports_and_leaves_the_environment_alone(stack, environment_before):
    from hub.handlers import composition

    # the handlers' composition is the stack's ports, on the stack's emulator and resources
    assert composition.current() is stack.ports
    assert stack.ports.clients.endpoint_url == stack.endpoint
    assert stack.ports.settings.state_table == stack.stack_info.env["STATE_TABLE"]
    assert stack.ports.queues.depth(stack.stack_info.env["VALIDATED_QUEUE_URL"])["visible"] >= 0
    # and nothing was written to the environment for it
    assert _environment() == environment_before
