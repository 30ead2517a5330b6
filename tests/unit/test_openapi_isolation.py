"""In one process with the Lambda apps: building the OpenAPI document leaves them alone (no
include_router, which rebinds a router's request state to the including resolver), and the ingest app
serves the packaged document instead of building one."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _get(path: str) -> dict:
    return {"resource": path, "path": path, "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
            "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path,
                                                       "requestId": "openapi-test", "stage": "test"},
            "body": None, "isBase64Encoded": False}


def test_openapi_export_leaves_handler_routers_bound_to_their_apps(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    from hub.handlers import audit_api, ingest  # each includes its own router at import, before the guard

    def refuse(self, *args, **kwargs):
        raise AssertionError("the OpenAPI export must not include a router into a resolver")

    monkeypatch.setattr(ApiGatewayResolver, "include_router", refuse)
    from tools.export_openapi import openapi_document

    doc = openapi_document()
    assert {"/$process-message", "/audit"} <= set(doc["paths"])
    assert ingest.router.api_resolver is ingest.app
    assert audit_api.router.api_resolver is audit_api.app


def test_ingest_serves_the_packaged_document(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    from hub.handlers import ingest

    resp = ingest.app.resolve(_get("/openapi.json"), None)
    assert resp["statusCode"] == 200
    assert resp["body"] == (ROOT / "functions" / "hub" / "data" / "openapi.json").read_text()
    assert json.loads(resp["body"]) == json.loads((ROOT / "schemas" / "openapi.json").read_text())
