"""template.yaml translates offline with aws-sam-translator and wires what the code depends on."""
from __future__ import annotations

import pytest

from hub import settings
from hub.local.template import load_template, serverless_functions
from tests.support.template_fixtures import cfn, source  # noqa: F401 - pytest fixtures


def _res(cfn, t):
    return {lid: r for lid, r in cfn["Resources"].items() if r["Type"] == t}


def test_template_translates_to_plain_cloudformation(cfn):
    assert not [r for r in cfn["Resources"].values() if r["Type"].startswith("AWS::Serverless::")]
    assert "Transform" not in cfn


def test_template_declares_required_logical_ids(source):
    required = {
        "HubKey", "AuditDigestKey", "ArchiveBucket", "ArchiveBucketPolicy", "ChildStateTable", "IdempotencyTable",
        "AuditTable", "AgenciesTable", "AuditHmacSecret", "ValidatedQueue", "ValidatedDLQ", "RulesQueue",
        "RulesDLQ", "AlertsQueue", "AlertsDLQ", "AlarmTopic", "HubApi", "AuthorizerFunction", "IngestFunction",
        "RouterFunction", "RulesFunction", "SweepFunction", "AuditApiFunction", "AuditDigestFunction",
    }
    required |= {"MailboxTable", "MailboxApiFunction"}
    assert required <= set(source["Resources"])
    # no shared per-kind outbox (nor a consumer policy on one): each organisation reads its own mailbox
    assert not [lid for lid in source["Resources"] if "Outbox" in lid]
    assert source["Resources"]["AuditTable"]["DeletionPolicy"] == "Retain"


def test_template_functions_have_fixed_handlers_and_globals(cfn):
    fns = _res(cfn, "AWS::Lambda::Function")
    assert {lid: f["Properties"]["Handler"] for lid, f in fns.items()} == {
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
    for lid, f in fns.items():
        p = f["Properties"]
        assert p["Runtime"] == "python3.11" and p["Architectures"] == ["arm64"], lid
        assert p["TracingConfig"] == {"Mode": "Active"}, lid
        assert p["LoggingConfig"]["LogGroup"]["Ref"] in cfn["Resources"], lid
        env = p["Environment"]["Variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "SafeguardingHub", lid
        assert {"POWERTOOLS_SERVICE_NAME", "LOG_LEVEL"} <= set(env), lid
    # sizes come from bench/RESULTS.md (peak RSS x2); each must be a valid Lambda size
    assert all(128 <= f["Properties"]["MemorySize"] <= 10240 for f in fns.values())
    assert fns["IngestFunction"]["Properties"]["Timeout"] == 10


def test_template_env_names_match_settings_contract(source):
    env = source["Globals"]["Function"]["Environment"]["Variables"]
    names = {settings.ARCHIVE_BUCKET, settings.VALIDATED_QUEUE_URL, settings.RULES_QUEUE_URL,
             settings.ALERTS_QUEUE_URL, settings.STATE_TABLE, settings.IDEMPOTENCY_TABLE, settings.AUDIT_TABLE,
             settings.AGENCIES_TABLE, settings.AUDIT_HMAC_SECRET_ARN, settings.AUDIT_DIGEST_KEY_ID,
             settings.LA_FRONT_DOOR_ODS, "AUDIT_SHARDS", settings.MAILBOX_TABLE,
             settings.MAILBOX_OPERATOR_AGE_HOURS}
    assert names <= set(env)


def test_template_sqs_event_sources_batch_10_partial_failures_and_visibility(cfn, source):
    esms = _res(cfn, "AWS::Lambda::EventSourceMapping")
    fns = serverless_functions(source)
    wired = {}
    for m in esms.values():
        p = m["Properties"]
        fn = p["FunctionName"]["Ref"]
        queue = p["EventSourceArn"]["Fn::GetAtt"][0]
        wired[queue] = fn
        assert p["BatchSize"] == 10
        assert p["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        vt = source["Resources"][queue]["Properties"]["VisibilityTimeout"]
        assert vt >= 6 * fns[fn]["Timeout"], queue
    assert wired == {"ValidatedQueue": "RouterFunction", "RulesQueue": "RulesFunction"}


def test_template_every_queue_is_fifo_cmk_with_fifo_dlq(source):
    queues = {lid: r["Properties"] for lid, r in source["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
    dlqs = set()
    for lid, p in queues.items():
        assert p["FifoQueue"] is True and p["ContentBasedDeduplication"] is False, lid
        assert p["KmsMasterKeyId"] == {"Ref": "HubKey"}, lid
        if "RedrivePolicy" in p:
            dlq = p["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert p["RedrivePolicy"]["maxReceiveCount"] == 5
            assert queues[dlq]["FifoQueue"] is True
            dlqs.add(dlq)
    assert set(queues) - dlqs == {lid for lid in queues if not lid.endswith("DLQ")}
    assert all(lid in dlqs for lid in queues if lid.endswith("DLQ"))


def test_template_schedules(cfn):
    rules = {r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]: r["Properties"]["ScheduleExpression"]
             for r in _res(cfn, "AWS::Events::Rule").values()}
    assert rules == {"SweepFunction": "rate(15 minutes)", "AuditDigestFunction": "rate(5 minutes)"}


def test_template_api_routes_and_authorizer(cfn):
    (api,) = _res(cfn, "AWS::ApiGateway::RestApi").values()
    body = api["Properties"]["Body"]
    routes = {(m.upper(), p) for p, ms in body["paths"].items() for m in ms}
    conformance = {("GET", "/metadata"), *(("GET", f"/{t}/{{id}}") for t in (
        "MessageDefinition", "CodeSystem", "ValueSet", "StructureDefinition"))}
    assert routes >= {("POST", "/$process-message"), ("GET", "/audit"), ("GET", "/openapi.json"),
                      ("GET", "/audit/verification"), ("GET", "/console"), ("GET", "/console/{proxy+}"),
                      ("POST", "/$validate"), *conformance}
    # only the console's static pages and the FHIR conformance resources are public (they hold no data)
    public = {(m.upper(), p) for p, ms in body["paths"].items() for m, op in ms.items()
              if op.get("security") != [{"AgencyAuthorizer": []}]}
    assert public == {("GET", "/console"), ("GET", "/console/{proxy+}"), *conformance}
    auth = body["securityDefinitions"]["AgencyAuthorizer"]
    assert auth["x-amazon-apigateway-authtype"] == "custom"
    assert auth["x-amazon-apigateway-authorizer"]["type"] == "request"
    # no identity source: a key in x-api-key must reach the authorizer too (README), not a 401 from API Gateway
    assert "identitySource" not in auth["x-amazon-apigateway-authorizer"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[kind]["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/fhir+json'"
        assert headers["gatewayresponse.header.X-Correlation-ID"] == "method.request.header.X-Correlation-ID"
        assert '"resourceType": "OperationOutcome"' in responses[kind]["responseTemplates"]["application/json"]
    (stage,) = _res(cfn, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["TracingEnabled"] is True
    assert stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0] == "ApiAccessLogGroup"
    assert stage["Properties"]["StageName"] == {"Ref": "Stage"}


def test_template_outputs_cover_queues_tables_bucket_secret_keys_api(source):
    out_refs = set()
    for o in source["Outputs"].values():
        v = o["Value"]
        out_refs.add(v.get("Ref") or (v.get("Fn::GetAtt") or [None])[0])
    declared = {lid for lid, r in source["Resources"].items() if r["Type"] in (
        "AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SecretsManager::Secret", "AWS::KMS::Key")}
    assert declared <= out_refs
    assert "HubApi" in str(source["Outputs"]["ApiUrl"]["Value"])


def test_template_loader_understands_short_form_tags(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("A: !GetAtt X.Arn\nB: !Sub ['${a}', {a: !Ref Y}]\nC: !If [Cond, !Ref Z, !Ref 'AWS::NoValue']\n"
                 "D: !Join [',', [a, b]]\nE: !Select [0, !Split [',', 'a,b']]\n")
    t = load_template(p)
    assert t["A"] == {"Fn::GetAtt": ["X", "Arn"]}
    assert t["B"] == {"Fn::Sub": ["${a}", {"a": {"Ref": "Y"}}]}
    assert t["C"] == {"Fn::If": ["Cond", {"Ref": "Z"}, {"Ref": "AWS::NoValue"}]}
    assert t["E"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
