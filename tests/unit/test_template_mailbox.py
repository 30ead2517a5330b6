"""template.yaml for mailboxes: the table (per-ODS keys, listing index, tombstone TTL, stack key), the mailbox API
behind the agency authorizer, least-privilege IAM (the router writes, the API reads and acknowledges, nobody
deletes or scans), no per-kind outbox or consumer policy anywhere, and the optional push route addressed per
ODS code that carries ids, never content."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub import settings
from tests.support.template_fixtures import cfn, source  # noqa: F401 - pytest fixtures

ROOT = Path(__file__).resolve().parents[2]
ROUTES = {("GET", "/mailbox"), ("GET", "/mailbox/{id}"), ("POST", "/mailbox/{id}/$acknowledge")}
PUSH = ("PushConnection", "PushDestination", "PushPipeRole", "PushPipe")


def _statements(source, function: str) -> list[dict]:
    return [s for pol in source["Resources"][function]["Properties"]["Policies"]
            if isinstance(pol, dict) and "Statement" in pol for s in pol["Statement"]]


def _mailbox_actions(source, function: str) -> set[str]:
    found = set()
    for s in _statements(source, function):
        if "MailboxTable" in json.dumps(s.get("Resource")):
            found |= {s["Action"]} if isinstance(s["Action"], str) else set(s["Action"])
    return found


def test_the_mailbox_table_is_keyed_by_ods_and_message_and_encrypted_with_the_stack_key(source):
    table = source["Resources"]["MailboxTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "ods", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}]
    [lsi] = props["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "delivered-index"
    assert [k["AttributeName"] for k in lsi["KeySchema"]] == ["ods", "delivered_at"]
    assert set(lsi["Projection"]["NonKeyAttributes"]) == {"kind", "event", "original_message_id", "size"}  # no content
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": ["HubKey", "Arn"]}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}  # the push route never sees content


def test_no_per_kind_outbox_or_consumer_policy_is_left(source, cfn):
    assert not [lid for lid in source["Resources"] if "Outbox" in lid or "Webhook" in lid]
    policies = [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert policies == ["AlertsConsumerPolicy"]
    env = source["Globals"]["Function"]["Environment"]["Variables"]
    assert not [k for k in env if k.startswith("OUTBOX_")]


def test_the_mailbox_routes_are_the_mailbox_api_functions_and_all_need_the_authorizer(cfn):
    (api,) = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    paths = api["Properties"]["Body"]["paths"]
    found = {(m.upper(), p): op for p, ms in paths.items() for m, op in ms.items() if p.startswith("/mailbox")}
    assert set(found) == ROUTES
    assert all(op.get("security") == [{"AgencyAuthorizer": []}] for op in found.values())
    assert all("MailboxApiFunction" in str(op["x-amazon-apigateway-integration"]["uri"]) for op in found.values())


def test_only_the_router_writes_mailboxes_and_only_the_api_reads_and_acknowledges(source):
    writers = {lid: _mailbox_actions(source, lid) for lid, r in source["Resources"].items()
               if r["Type"] == "AWS::Serverless::Function" and _mailbox_actions(source, lid)}
    assert writers == {"RouterFunction": {"dynamodb:PutItem", "dynamodb:GetItem"},
                       "MailboxApiFunction": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}}
    claims = {lid: {a for s in _statements(source, lid) if "mailbox/*" in json.dumps(s.get("Resource"))
                    for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
              for lid in ("RouterFunction", "MailboxApiFunction")}
    assert claims == {"RouterFunction": {"s3:PutObject"}, "MailboxApiFunction": {"s3:GetObject", "s3:DeleteObject"}}


def test_the_operator_age_parameter_reaches_the_settings(source):
    param = source["Parameters"]["MailboxOperatorAgeHours"]
    assert param["Type"] == "Number" and param["Default"] == 72
    env = source["Globals"]["Function"]["Environment"]["Variables"]
    assert env[settings.MAILBOX_OPERATOR_AGE_HOURS] == {"Ref": "MailboxOperatorAgeHours"}
    assert env[settings.MAILBOX_TABLE] == {"Ref": "MailboxTable"}
    parsed = settings.Settings.from_env({settings.MAILBOX_TABLE: "t", settings.MAILBOX_OPERATOR_AGE_HOURS: "24"})
    assert (parsed.mailbox_table, parsed.mailbox_operator_age_hours) == ("t", 24.0)


def _push_enabled(source, **params) -> bool:
    from hub.local.cfn_resolver import Resolver
    from hub.local.template import parameter_defaults

    resolver = Resolver(source, parameter_defaults(source, params), {}, lambda n: None, lambda n, a: None)
    return resolver.condition("PushEnabled")


def test_the_push_route_is_off_by_default_and_addressed_per_ods(source):
    res = source["Resources"]
    assert all(res[lid]["Condition"] == "PushEnabled" for lid in PUSH)
    assert _push_enabled(source) is False  # the defaults leave it out
    assert _push_enabled(source, PushWebhookUrl="https://gp.example/hook") is False  # a webhook needs its ODS
    assert _push_enabled(source, PushOds="A81001", PushWebhookUrl="https://gp.example/hook") is True
    pipe = res["PushPipe"]["Properties"]
    assert pipe["Source"] == {"Fn::GetAtt": ["MailboxTable", "StreamArn"]}
    [flt] = pipe["SourceParameters"]["FilterCriteria"]["Filters"]
    pattern = json.loads(flt["Pattern"]["Fn::Sub"].replace("${PushOds}", "A81001"))
    assert pattern == {"eventName": ["INSERT"], "dynamodb": {"Keys": {"ods": {"S": ["A81001"]}}}}  # one ODS, no kind
    body = pipe["TargetParameters"]["InputTemplate"]
    assert "Keys" in body and "NewImage" not in body and "bundle" not in body  # ids only
    assert json.loads(body.replace("<$.dynamodb.Keys.ods.S>", "A81001").replace("<$.dynamodb.Keys.id.S>", "m1")) == \
        {"ods": "A81001", "id": "m1", "href": "/mailbox/m1"}
    role = res["PushPipeRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    resources = json.dumps([s["Resource"] for s in role])
    assert "MailboxTable" in resources and "Queue" not in resources and "Bucket" not in resources
    [kms] = [s for s in role if s["Action"] == "kms:Decrypt"]
    assert "kms:ViaService" in kms["Condition"]["StringEquals"]
    assert source["Parameters"]["PushOds"]["AllowedPattern"] == "^([A-Z0-9]{3,8})?$"


def test_the_mailbox_api_function_has_a_build_target_and_an_errors_alarm(source):
    assert "MailboxApiFunction" in (ROOT / "functions" / "Makefile").read_text()
    alarm = source["Resources"]["MailboxApiErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Ref": "MailboxApiFunction"}
