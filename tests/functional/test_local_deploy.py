"""deploy() of the real template.yaml on a moto server: every resource exists with the template's attributes."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import boto3
import pytest

from hub import settings
from hub.local.deploy import StackInfo, deploy
from hub.local.template import DEFAULT_TEMPLATE, load_template, translate


@pytest.fixture(scope="module")
def env(moto_endpoint):
    return moto_endpoint


@pytest.fixture(scope="module")
def info(env, tmp_path_factory):
    return deploy(stack_name="hub-test", save_to=tmp_path_factory.mktemp("stack") / "stack.json")


@pytest.fixture(scope="module")
def cfn():
    return translate(load_template(DEFAULT_TEMPLATE))


def _of_type(cfn, t):
    return {lid: r for lid, r in cfn["Resources"].items() if r["Type"] == t and "Condition" not in r}


def test_local_deploy_creates_every_fifo_queue_with_template_attributes(info, cfn):
    sqs = boto3.client("sqs")
    queues = _of_type(cfn, "AWS::SQS::Queue")
    assert len(queues) == 6  # validated, rules and alerts, and their DLQs (deliveries go to mailboxes)
    for lid, res in queues.items():
        props = res["Properties"]
        a = sqs.get_queue_attributes(QueueUrl=info.resources[lid], AttributeNames=["All"])["Attributes"]
        assert a["FifoQueue"] == "true", lid
        assert a["ContentBasedDeduplication"] == "false", lid
        assert a["KmsMasterKeyId"] == info.resources["HubKey"], lid
        if "VisibilityTimeout" in props:
            assert int(a["VisibilityTimeout"]) == int(props["VisibilityTimeout"]), lid
        if "RedrivePolicy" in props:
            redrive = json.loads(a["RedrivePolicy"])
            dlq_lid = props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=info.resources[dlq_lid],
                                               AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            assert redrive["deadLetterTargetArn"] == dlq_arn, lid
            assert int(redrive["maxReceiveCount"]) == 5, lid


def test_local_deploy_consumer_visibility_timeout_at_least_six_times_function_timeout(info):
    sqs = boto3.client("sqs")
    sources = [(spec, ev) for spec in info.functions.values() for ev in spec.events if ev["type"] == "SQS"]
    assert {ev["queue"] for _, ev in sources} == {"ValidatedQueue", "RulesQueue"}
    for spec, ev in sources:
        vt = int(sqs.get_queue_attributes(QueueUrl=ev["queue_url"], AttributeNames=["VisibilityTimeout"])
                 ["Attributes"]["VisibilityTimeout"])
        assert vt >= 6 * spec.timeout
        assert ev["batch_size"] == 10 and ev["report_batch_item_failures"] is True


def test_local_deploy_creates_tables_with_keys_gsis_ttl_and_encryption(info, cfn):
    ddb = boto3.client("dynamodb")
    tables = _of_type(cfn, "AWS::DynamoDB::Table")
    assert set(tables) == {"ChildStateTable", "IdempotencyTable", "AuditTable", "AgenciesTable", "TaskTable",
                           "MailboxTable"}
    for lid, res in tables.items():
        props = res["Properties"]
        t = ddb.describe_table(TableName=info.resources[lid])["Table"]
        assert t["KeySchema"] == props["KeySchema"], lid
        want_gsis = {g["IndexName"]: g["KeySchema"] for g in props.get("GlobalSecondaryIndexes", [])}
        got_gsis = {g["IndexName"]: g["KeySchema"] for g in t.get("GlobalSecondaryIndexes", [])}
        assert got_gsis == want_gsis, lid
        want_lsis = {i["IndexName"]: i["KeySchema"] for i in props.get("LocalSecondaryIndexes", [])}
        assert {i["IndexName"]: i["KeySchema"] for i in t.get("LocalSecondaryIndexes", [])} == want_lsis, lid
        assert t["SSEDescription"]["Status"] == "ENABLED", lid
        assert t["SSEDescription"]["SSEType"] == "KMS", lid
        ttl = ddb.describe_time_to_live(TableName=info.resources[lid])["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in props:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
        pitr = ddb.describe_continuous_backups(TableName=info.resources[lid])["ContinuousBackupsDescription"]
        assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED", lid
    state = ddb.describe_table(TableName=info.resources["ChildStateTable"])["Table"]
    assert {g["IndexName"] for g in state["GlobalSecondaryIndexes"]} == {"household-index", "due-index"}


def test_local_deploy_creates_bucket_encrypted_versioned_and_private(info):
    s3 = boto3.client("s3")
    b = info.resources["ArchiveBucket"]
    enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert info.resources["HubKey"] in enc["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Enabled"
    pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
    assert all(pab.values()) and len(pab) == 4
    # the TLS-only deny would refuse every plain-HTTP emulator request: deploy leaves it out and says so
    # (tests/infra checks the template's policy itself)
    assert any(w.startswith("ArchiveBucketPolicy: TLS-only statement not applied") for w in info.warnings)
    with pytest.raises(s3.exceptions.ClientError):
        s3.get_bucket_policy(Bucket=b)


def test_local_deploy_creates_secret_keys_and_topic(info):
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=info.resources["AuditHmacSecret"])
    assert len(secret["SecretString"]) == 64
    kms = boto3.client("kms")
    assert kms.describe_key(KeyId=info.resources["HubKey"])["KeyMetadata"]["KeySpec"] == "SYMMETRIC_DEFAULT"
    assert kms.get_key_rotation_status(KeyId=info.resources["HubKey"])["KeyRotationEnabled"] is True
    digest = kms.describe_key(KeyId=info.resources["AuditDigestKey"])["KeyMetadata"]
    assert digest["KeySpec"] == "HMAC_256" and digest["KeyUsage"] == "GENERATE_VERIFY_MAC"
    mac = kms.generate_mac(KeyId=info.resources["AuditDigestKey"], Message=b"head", MacAlgorithm="HMAC_SHA_256")
    assert mac["Mac"]
    attrs = boto3.client("sns").get_topic_attributes(TopicArn=info.resources["AlarmTopic"])["Attributes"]
    assert attrs["KmsMasterKeyId"] == info.resources["HubKey"]


def test_local_deploy_env_has_every_settings_name_resolved(info):
    names = [settings.ARCHIVE_BUCKET, settings.VALIDATED_QUEUE_URL, settings.RULES_QUEUE_URL,
             settings.ALERTS_QUEUE_URL, settings.STATE_TABLE, settings.IDEMPOTENCY_TABLE, settings.AUDIT_TABLE,
             settings.AGENCIES_TABLE, settings.AUDIT_HMAC_SECRET_ARN, settings.AUDIT_DIGEST_KEY_ID,
             settings.LA_FRONT_DOOR_ODS, "AUDIT_SHARDS", settings.MAILBOX_TABLE, settings.MAILBOX_OPERATOR_AGE_HOURS]
    for n in names:
        assert info.env.get(n), n
    s = settings.Settings.from_env(info.env)
    assert s.mailbox_table == info.resources["MailboxTable"] and s.mailbox_operator_age_hours == 72
    assert s.validated_queue_url == info.resources["ValidatedQueue"]
    assert s.state_table == info.resources["ChildStateTable"]
    assert s.la_front_door_ods == "LAFD001"
    assert info.env["AUDIT_SHARDS"] == "4"
    for spec in info.functions.values():  # every function sees every name
        assert spec.env == info.env


def test_local_deploy_function_specs_follow_template(info):
    f = info.functions
    assert {k: v.handler for k, v in f.items()} == {
        "AuthorizerFunction": "hub.handlers.authorizer.lambda_handler",
        "IngestFunction": "hub.handlers.ingest.lambda_handler",
        "RouterFunction": "hub.handlers.router.lambda_handler",
        "RulesFunction": "hub.handlers.rules.lambda_handler",
        "SweepFunction": "hub.handlers.sweep.lambda_handler",
        "AuditApiFunction": "hub.handlers.audit_api.lambda_handler",
        "AuditDigestFunction": "hub.handlers.audit_digest.lambda_handler",
        "ConsoleFunction": "hub.handlers.console.lambda_handler",
        "TaskApiFunction": "hub.handlers.task_api.lambda_handler",
        "ConformanceFunction": "hub.handlers.conformance.lambda_handler",
        "MailboxApiFunction": "hub.handlers.mailbox_api.lambda_handler",
    }
    assert f["IngestFunction"].timeout == 10 and 128 <= f["IngestFunction"].memory <= 10240
    assert f["IngestFunction"].name == "hub-test-ingest"
    routes = {(e["method"], e["path"]): e for e in f["IngestFunction"].events}
    assert set(routes) == {("POST", "/$process-message"), ("GET", "/openapi.json")}
    api = routes[("POST", "/$process-message")]
    assert api["authorizer"]["function"] == "AuthorizerFunction" and api["authorizer"]["type"] == "REQUEST"
    # no identity source: API Gateway would refuse a request without `Authorization` before the authorizer
    # could accept its `x-api-key`, so the authorizer itself answers every unauthenticated request
    assert api["authorizer"]["identity_headers"] == []
    assert [e["expression"] for e in f["SweepFunction"].events] == ["rate(15 minutes)"]
    assert [e["expression"] for e in f["AuditDigestFunction"].events] == ["rate(5 minutes)"]


def test_local_deploy_is_idempotent_and_stack_info_round_trips(info, tmp_path):
    again = deploy(stack_name="hub-test", save_to=tmp_path / "again.json")
    assert again.resources == info.resources
    loaded = StackInfo.load(tmp_path / "again.json")
    assert loaded == again


def test_local_deploy_skips_conditional_push_resources_by_default(info):
    assert not {"PushPipe", "PushConnection", "PushDestination", "PushPipeRole"} & set(info.resources)
    assert "PushPipe" not in info.skipped  # condition false: not even declared


def test_local_stack_serves_the_real_template_routes_behind_the_authorizer(env):
    # GIVEN the whole local stack on the already-running emulator
    from hub.local import local_stack

    with local_stack(stack_name="hub-smoke", pollers=False, save_to=False) as (endpoint, api_url, info, rt):
        assert endpoint == env and api_url.startswith("http://127.0.0.1:")
        # WHEN a request arrives with no credentials THEN the authorizer refuses it (401) and no handler runs
        for method, path in (("POST", "/$process-message"), ("GET", "/audit")):
            req = urllib.request.Request(api_url + path, data=b"{}" if method == "POST" else None, method=method)
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            assert e.value.code == 401
        assert {name for name, *_ in rt.invocations} == {"AuthorizerFunction"}
    assert rt.api_url is None  # stopped
