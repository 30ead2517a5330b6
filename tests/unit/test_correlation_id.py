"""X-Correlation-ID: every API handler of template.yaml takes the client's id as its Powertools correlation
id and echoes it on the reply (API Gateway's request id when the client sent none)."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger

from hub.handlers._observability import correlated, correlation_id

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))


def _event(headers: dict | None) -> dict:
    return {"headers": headers, "requestContext": {"requestId": "req-9"}}


def test_correlation_id_is_the_clients_in_any_case_else_the_request_id():
    assert correlation_id(_event({"x-correlation-id": "abc"})) == "abc"
    assert correlation_id(_event({"X-Correlation-ID": "abc"})) == "abc"
    assert correlation_id(_event(None)) == "req-9"
    assert correlation_id(_event({"X-Correlation-ID": "x" * 500})) == "req-9"  # not a log-sized id


def test_correlation_id_is_set_and_echoed_replacing_any_the_handler_wrote():
    logger = Logger(service="correlation-test")
    seen = []

    @correlated(logger)
    def handler(event, context):
        seen.append(logger.get_correlation_id())
        return {"statusCode": 200, "headers": {"x-correlation-id": "stale", "A": "1"},
                "multiValueHeaders": {"X-Correlation-Id": ["stale"]}, "body": ""}

    reply = handler(_event({"X-Correlation-ID": "trace-1"}), None)
    assert seen == ["trace-1"]
    assert reply["headers"] == {"A": "1", "X-Correlation-ID": "trace-1"} and reply["multiValueHeaders"] == {}


def test_correlation_id_authorizer_reply_is_left_alone():
    @correlated(Logger(service="correlation-test"))
    def authorizer(event, context):
        return {"principalId": "A1", "policyDocument": {}}

    assert authorizer(_event({"x-correlation-id": "c"}), None) == {"principalId": "A1", "policyDocument": {}}


def test_correlation_id_every_api_handler_of_the_template_echoes_it(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    from export_openapi import api_handler_modules

    for name in api_handler_modules():
        handler = importlib.import_module(name).lambda_handler
        assert getattr(handler, "echoes_correlation_id", False), (
            f"{name}.lambda_handler: add @correlated(logger) (hub.handlers._observability) "
            "under @logger.inject_lambda_context")
