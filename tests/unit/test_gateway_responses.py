"""API Gateway's own replies as the local runtime plays them from template.yaml's GatewayResponses: FHIR
OperationOutcomes (404 for an unknown route or method, 401, 429, 5xx) echoing the client's X-Correlation-ID;
and API Gateway's defaults for an API that does not customise them."""
from __future__ import annotations

import json

import pytest

from hub.local.api_gateway import ApiGateway, gateway_response
from hub.local.stack_info import FunctionSpec, StackInfo
from hub.local.template import load_template


@pytest.fixture(scope="module")
def configured() -> dict:
    return load_template()["Resources"]["HubApi"]["Properties"]["GatewayResponses"]


@pytest.mark.parametrize("kind, status, code", [
    ("MISSING_AUTHENTICATION_TOKEN", 404, "not-found"),
    ("UNAUTHORIZED", 401, "login"),
    ("ACCESS_DENIED", 429, "throttled"),  # the authorizer's only Deny: a key over its rate limit
    ("AUTHORIZER_FAILURE", 500, "transient"),  # DEFAULT_5XX
    ("BAD_GATEWAY", 502, "transient"),
])
def test_gateway_responses_are_operation_outcomes_echoing_the_correlation_id(configured, kind, status, code):
    got_status, headers, body = gateway_response(kind, configured, {"x-correlation-id": "trace-42"},
                                                 {"requestId": "req-1"})
    outcome = json.loads(body)
    assert got_status == status
    assert headers["Content-Type"] == "application/fhir+json" and headers["X-Correlation-ID"] == "trace-42"
    assert outcome["resourceType"] == "OperationOutcome"
    assert [(i["severity"], i["code"]) for i in outcome["issue"]] == [("error", code)]
    assert outcome["issue"][0]["diagnostics"]


def test_gateway_responses_without_a_client_correlation_id_send_none(configured):
    _, headers, _ = gateway_response("UNAUTHORIZED", configured, {}, {"requestId": "r"})
    assert "X-Correlation-ID" not in headers and headers["WWW-Authenticate"] == "Bearer"


def test_gateway_responses_default_4xx_quotes_the_error_message(configured):
    _, _, body = gateway_response("ACCESS_DENIED", {"DEFAULT_4XX": configured["DEFAULT_4XX"]}, {}, {},
                                  {"Message": 'a "quoted" reason'})
    assert json.loads(body)["issue"][0]["diagnostics"] == 'a "quoted" reason'


def test_gateway_responses_api_gateway_defaults_when_not_configured():
    assert gateway_response("MISSING_AUTHENTICATION_TOKEN", {}, {}, {})[::2] == (
        403, json.dumps({"message": "Missing Authentication Token"}).encode())


def _api(responses: dict) -> ApiGateway:
    event = {"type": "Api", "name": "Get", "path": "/things/{id}", "method": "GET", "api": "Api", "stage": "v1",
             "authorizer": None, "gateway_responses": responses}
    info = StackInfo(endpoint_url="http://x", region="eu-west-2", resources={}, env={},
                     functions={"Fn": FunctionSpec(handler="m.h", timeout=3, memory=128, env={}, events=[event])})
    return ApiGateway(info, invoke=lambda *a, **k: {"statusCode": 200, "body": "{}"})


@pytest.mark.parametrize("method, path", [("GET", "/nowhere"), ("DELETE", "/things/1"), ("POST", "/v1/things/1")])
def test_gateway_responses_unknown_route_or_method_is_the_templates_404(configured, method, path):
    status, headers, body = _api(configured).handle_http(method, path, [("X-Correlation-ID", "c-1")], b"")
    assert status == 404 and json.loads(body)["issue"][0]["code"] == "not-found"
    assert headers["X-Correlation-ID"] == "c-1" and headers["x-amzn-RequestId"]
    assert _api(configured).handle_http("GET", "/things/1", [], b"")[0] == 200
