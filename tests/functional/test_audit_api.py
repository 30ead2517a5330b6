"""GET /audit: commissioner-only queries, child queries with purpose, CSV, paging; each query audited."""
from __future__ import annotations

import json

import pytest
from moto import mock_aws

from hub.core.audit import AuditFilters
from hub.core.messages import Caller
from hub.handlers.audit_api import handle_query

from audit_fixtures import NHS_A, NHS_B, T0, entry, make_aws, make_hub, make_log

COMMISSIONER = Caller(ods="COMM01", kind="commissioner")


@pytest.fixture
def aws():
    with mock_aws():
        yield make_aws()


@pytest.fixture
def log(aws):
    log = make_log(aws.ddb, shards=2)
    log.append_many([entry(i, nhs=NHS_A if i < 4 else NHS_B, actor_ods="A81001" if i % 2 else "POL01") for i in range(10)])
    return log


def audit_queries(log) -> list[dict]:
    return log.query(AuditFilters(action="audit.query"), None, 1000)[0]


def test_audit_api_refuses_non_commissioners_with_operation_outcome(log):
    for caller in (Caller("A81001", "gp"), Caller("POL01", "police"), None):
        resp = handle_query(log, {}, None, caller, T0)
        assert resp.status_code == 403
        body = json.loads(resp.body)
        assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "forbidden"
    refused = audit_queries(log)
    assert len(refused) == 3 and {r["outcome"] for r in refused} == {"403"}


def test_audit_api_returns_json_records_filtered_by_sender(log):
    resp = handle_query(log, {"sender": "POL01", "purpose": "commissioning"}, "application/json", COMMISSIONER, T0)
    assert resp.status_code == 200
    body = json.loads(resp.body)
    assert body["count"] == 5 and body["next_cursor"] is None
    assert {r["actor_ods"] for r in body["records"]} == {"POL01"}
    assert all("nhs_number" not in r and len(r["child"]) == 64 for r in body["records"])


def test_audit_api_pages_with_opaque_cursor(log):
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": "3", "action": "message.accepted", "purpose": "assurance"} | ({"cursor": cursor} if cursor else {})
        body = json.loads(handle_query(log, params, None, COMMISSIONER, T0).body)
        seen += [r["message_id"] for r in body["records"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"msg-{i:04d}" for i in range(10)]


def test_audit_api_child_query_needs_a_purpose(log):
    resp = handle_query(log, {"nhs_number": NHS_A}, None, COMMISSIONER, T0)
    assert resp.status_code == 400
    assert json.loads(resp.body)["issue"][0]["expression"] == ["purpose"]
    bad = handle_query(log, {"nhs_number": NHS_A, "purpose": "x"}, None, COMMISSIONER, T0)
    assert bad.status_code == 400 and json.loads(bad.body)["issue"][0]["expression"] == ["purpose"]


def test_audit_api_child_query_is_audited_with_its_purpose(log):
    resp = handle_query(log, {"nhs_number": NHS_A, "purpose": "investigation"}, None, COMMISSIONER, T0)
    body = json.loads(resp.body)
    assert resp.status_code == 200 and body["count"] == 4
    assert {r["nhs_number"] for r in body["records"]} == {NHS_A}
    (rec,) = [r for r in audit_queries(log) if r["outcome"] == "200"]
    assert rec["actor_ods"] == "COMM01" and rec["child"] == log.child_hash(NHS_A)
    assert rec["details"]["purpose"] == "investigation" and rec["details"]["returned"] == 4
    assert NHS_A not in json.dumps(rec)


def test_audit_api_csv_on_accept_header(log):
    resp = handle_query(log, {"limit": "4", "action": "message.accepted", "purpose": "audit"}, "text/csv", COMMISSIONER, T0)
    assert resp.status_code == 200 and resp.content_type.startswith("text/csv")
    lines = resp.body.strip().split("\r\n")
    assert lines[0].split(",")[:4] == ["chain", "seq", "at", "action"] and len(lines) == 5
    assert resp.headers.get("X-Next-Cursor")


def test_audit_api_bad_filters_are_400(log):
    for params in ({"from": "yesterday"}, {"limit": "0"}, {"cursor": "zz"}, {"from": "2026-03-05", "to": "2026-03-01"}):
        assert handle_query(log, params | {"purpose": "audit"}, None, COMMISSIONER, T0).status_code == 400


def test_audit_api_lambda_handler_reads_authorizer_context(aws, log, monkeypatch, request):
    from hub.handlers import audit_api, composition

    hub = make_hub(aws, shards=2)
    composition.use(hub)
    request.addfinalizer(lambda: composition.use(None))

    def event(kind: str, query: dict, accept: str = "application/json") -> dict:
        return {"resource": "/audit", "path": "/audit", "httpMethod": "GET", "headers": {"Accept": accept},
                "multiValueHeaders": {"Accept": [accept]}, "queryStringParameters": query,
                "multiValueQueryStringParameters": {k: [v] for k, v in query.items()}, "body": None,
                "isBase64Encoded": False, "pathParameters": None, "stageVariables": None,
                "requestContext": {"requestId": "req-1", "httpMethod": "GET", "path": "/audit", "stage": "v1",
                                   "resourcePath": "/audit", "authorizer": {"ods": "COMM01" if kind == "commissioner" else "A81001",
                                                                            "kind": kind}}}

    from tests.support.lambda_events import LambdaContext

    ctx = LambdaContext("audit", 256)
    ok = audit_api.lambda_handler(event("commissioner", {"from": "2026-03-02", "to": "2026-03-02", "sender": "A81001",
                                                         "purpose": "commissioning"}), ctx)
    assert ok["statusCode"] == 200
    assert json.loads(ok["body"])["count"] == 5
    csv_resp = audit_api.lambda_handler(event("commissioner", {"nhs_number": NHS_B, "purpose": "audit"}, "text/csv"), ctx)
    assert csv_resp["statusCode"] == 200 and NHS_B in csv_resp["body"]
    denied = audit_api.lambda_handler(event("gp", {}), ctx)
    assert denied["statusCode"] == 403
    assert json.loads(denied["body"])["resourceType"] == "OperationOutcome"


def test_audit_api_every_query_needs_a_coded_purpose(log):
    # WHEN a commissioner queries without a purpose, or with one outside the published value set
    for params in ({}, {"action": "message.accepted"}, {"purpose": "x"}, {"purpose": "Commissioning"},
                   {"purpose": "commissioning " * 20}):
        resp = handle_query(log, params, None, COMMISSIONER, T0)
        # THEN 400, naming the parameter
        body = json.loads(resp.body)
        assert resp.status_code == 400 and body["resourceType"] == "OperationOutcome", params
        assert body["issue"][0]["expression"] == ["purpose"], params
    # AND each code of the value set is accepted and recorded on the query's own audit record
    from hub.core.audit.purpose import purpose_codes

    assert set(purpose_codes()) == {"commissioning", "assurance", "audit", "investigation"}
    for code in purpose_codes():
        assert handle_query(log, {"purpose": code}, None, COMMISSIONER, T0).status_code == 200
    recorded = [r["details"].get("purpose") for r in audit_queries(log) if r["outcome"] == "200"]
    assert recorded == list(purpose_codes())


@pytest.mark.parametrize("params", [
    {"to": "9999-12-31"}, {"from": "0001-01-01T00:00:00+01:00"}, {"to": "9999-12-31T23:59:59-14:00"},
    {"from": "0000-01-01"}, {"from": "2026-02-30"}, {"to": "2026-03-01T24:61"}, {"from": "\x00" * 10},
    {"from": "2" * 10_000}, {"sender": "A" * 5000}, {"limit": "9" * 5000}, {"limit": "1e3"},
    {"cursor": "eyJjIjogLTF9"}, {"cursor": "%%%"}, {"nhs_number": "9912003888\n"},
])
def test_audit_api_input_it_cannot_represent_is_400_never_5xx(log, params):
    resp = handle_query(log, params | {"purpose": "audit"}, None, COMMISSIONER, T0)
    body = json.loads(resp.body)
    assert resp.status_code == 400 and body["resourceType"] == "OperationOutcome", (params, resp.body[:200])
    assert body["issue"][0]["severity"] == "error"
