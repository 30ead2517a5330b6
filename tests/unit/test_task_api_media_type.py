"""POST /Task/{id}/$operation with a body that is not JSON is a 4xx OperationOutcome, never a 5xx.

Found by the OpenAPI fuzz test: ``Content-Type: multipart/form-data`` without a boundary made the resolver's
body validation raise, and the Task API answered 502.
"""
import json
from types import SimpleNamespace

import pytest

from hub.handlers import task_api


def _event(content_type):
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return {"httpMethod": "POST", "path": "/Task/t-1/$acknowledge", "resource": "/Task/{id}/$acknowledge",
            "pathParameters": {"id": "t-1"}, "headers": headers, "multiValueHeaders": {},
            "queryStringParameters": None, "body": "", "isBase64Encoded": False,
            "requestContext": {"requestId": "r-1", "authorizer": {}}}


_CONTEXT = SimpleNamespace(function_name="TaskApiFunction", memory_limit_in_mb=128, aws_request_id="r-1",
                           invoked_function_arn="arn:aws:lambda:eu-west-2:000000000000:function:TaskApiFunction")


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; charset=utf-8",
                                          "application/x-www-form-urlencoded", "text/plain"])
def test_non_json_body_is_415_operation_outcome(content_type):
    reply = task_api.lambda_handler(_event(content_type), _CONTEXT)
    assert reply["statusCode"] == 415
    outcome = json.loads(reply["body"])
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"


@pytest.mark.parametrize("content_type", [None, "application/json", "application/fhir+json; charset=utf-8"])
def test_json_bodies_go_on_to_the_operation(content_type):
    assert task_api._unsupported_media_type(_event(content_type)) is None


def test_gets_are_not_checked():
    event = dict(_event("multipart/form-data"), httpMethod="GET")
    assert task_api._unsupported_media_type(event) is None


@pytest.mark.parametrize("raw", [b"\xf3\x80\x80", b"{\"by\": \"\xe9\"}", b"\x80"])
def test_a_body_that_is_not_utf8_is_400_operation_outcome(raw):
    # the local gateway (like API Gateway for binary bodies) hands such bytes on base64-encoded; found by the fuzz
    import base64
    event = dict(_event("application/json"), body=base64.b64encode(raw).decode("ascii"), isBase64Encoded=True)
    reply = task_api.lambda_handler(event, _CONTEXT)
    assert reply["statusCode"] == 400
    assert json.loads(reply["body"])["resourceType"] == "OperationOutcome"


def test_a_base64_utf8_json_body_goes_on_to_the_operation():
    import base64
    event = dict(_event("application/json"), body=base64.b64encode(b'{"by": "A Nurse"}').decode(), isBase64Encoded=True)
    assert task_api._unsupported_media_type(event) is None
