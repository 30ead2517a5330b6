"""LocalRuntime against a small fixture template on a moto server (independent of the hub handlers)."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest

from hub.local.deploy import deploy
from hub.local.invoker import load_module
from hub.local.runtime import LocalRuntime, evaluate_policy

FIXTURES = Path(__file__).parent / "local_fixtures"
FUNCTIONS = ("FxAuthorizerFunction", "FxEchoFunction", "FxWorkerFunction", "FxSweepFunction")


def _compose_fixtures(info, clock):
    """The fixture functions' composition, handed to fx_echo as the hub's handlers get theirs."""
    ports = {"sqs": boto3.session.Session(region_name=info.region).client("sqs", endpoint_url=info.endpoint_url),
             "work_queue_url": info.env["WORK_QUEUE_URL"], "clock": clock}
    load_module("fx_echo", info.functions["FxEchoFunction"].code_uri).use(ports)
    return ports


def _runtime(info, **kwargs) -> LocalRuntime:
    return LocalRuntime(info, compose=_compose_fixtures, **kwargs)


@pytest.fixture()
def stack_info(moto_endpoint):
    # a fresh stack (fresh queues) per test: moto allows one purge per queue per minute
    return deploy(FIXTURES / "template.yaml", stack_name=f"fx{uuid.uuid4().hex[:8]}", save_to=False)


@pytest.fixture()
def runtime(stack_info):
    rt = _runtime(stack_info, poll_wait_seconds=0)
    rt.start(pollers=False)
    for fn in FUNCTIONS:
        rt.handler(fn)
    import fx_authorizer, fx_echo, fx_sweep, fx_worker  # noqa: E401 - in sys.modules once the runtime loaded them

    for mod in (fx_authorizer, fx_echo, fx_worker):
        getattr(mod, "CALLS", getattr(mod, "SEEN", [])).clear()
    fx_sweep.EVENTS.clear()
    yield rt
    rt.stop()


def _request(rt, method, path, body=None, headers=None):
    req = urllib.request.Request(rt.api_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _counts(url):
    a = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def _send(url, body, group="g"):
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                                      MessageDeduplicationId=uuid.uuid4().hex)


# ---------------------------------------------------------------- API Gateway + authorizer
def test_local_runtime_routes_allowed_request_with_authorizer_context(runtime):
    # GIVEN an allowed caller WHEN it posts to the literal-$ route
    status, body = _request(runtime, "POST", "/$process-message", b'{"a": 1}',
                            {"Authorization": "Bearer allow", "Content-Type": "application/fhir+json"})
    # THEN the function got a REST proxy event carrying the authorizer context
    assert status == 202
    echo = json.loads(body)
    assert echo["resource"] == "/$process-message"
    assert echo["stage"] == "test"
    assert echo["authorizer"]["ods"] == "A1" and echo["authorizer"]["kind"] == "gp"
    assert echo["authorizer"]["principalId"] == "A1"
    assert echo["body"] == '{"a": 1}' and echo["isBase64Encoded"] is False
    assert echo["function"].endswith("FxEchoFunction") and echo["memory"] == 128
    assert 0 < echo["remaining_ms"] <= 5000
    import fx_authorizer

    (auth_event,) = fx_authorizer.CALLS
    assert auth_event["type"] == "REQUEST"
    assert auth_event["methodArn"].endswith("/test/POST/$process-message")


def test_local_runtime_missing_identity_header_is_401_without_calling_authorizer(runtime):
    import fx_authorizer

    status, body = _request(runtime, "POST", "/$process-message", b"{}")
    assert status == 401 and json.loads(body) == {"message": "Unauthorized"}
    assert fx_authorizer.CALLS == []


def test_local_runtime_authorizer_raising_unauthorized_is_401(runtime):
    import fx_echo

    status, body = _request(runtime, "POST", "/$process-message", b"{}", {"Authorization": "Bearer nope"})
    assert status == 401 and json.loads(body) == {"message": "Unauthorized"}
    assert fx_echo.CALLS == []


@pytest.mark.parametrize("token", ["Bearer deny", "Bearer elsewhere"])
def test_local_runtime_deny_or_non_matching_policy_is_403(runtime, token):
    import fx_echo

    status, _ = _request(runtime, "POST", "/$process-message", b"{}", {"Authorization": token})
    assert status == 403
    assert fx_echo.CALLS == []


def test_local_runtime_unknown_route_is_403_missing_token(runtime):
    status, body = _request(runtime, "GET", "/nowhere", headers={"Authorization": "Bearer allow"})
    assert status == 403 and json.loads(body) == {"message": "Missing Authentication Token"}


def test_local_runtime_path_and_query_parameters_and_stage_prefix(runtime):
    status, body = _request(runtime, "GET", "/test/items/abc?x=1&x=2&y=", headers={"Authorization": "Bearer allow"})
    assert status == 200
    echo = json.loads(body)
    assert echo["resource"] == "/items/{id}" and echo["path"] == "/items/abc"
    assert echo["pathParameters"] == {"id": "abc"}
    assert echo["query"] == {"x": "2", "y": ""}


def test_local_runtime_route_without_authorizer_skips_it(runtime):
    import fx_authorizer

    status, body = _request(runtime, "GET", "/health")
    assert status == 200 and json.loads(body)["authorizer"] is None
    assert fx_authorizer.CALLS == []


def test_local_runtime_non_utf8_body_arrives_base64(runtime):
    import base64

    raw = b"\xff\xfe\x00not utf-8"
    status, body = _request(runtime, "POST", "/$process-message", raw, {"Authorization": "Bearer allow"})
    echo = json.loads(body)
    assert status == 202 and echo["isBase64Encoded"] is True
    assert base64.b64decode(echo["body"]) == raw


def test_evaluate_policy_explicit_deny_wins_and_wildcards_match():
    arn = "arn:aws:execute-api:eu-west-2:1:api/dev/GET/audit"
    allow_all = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/dev/*"}
    deny = {"Effect": "Deny", "Action": ["execute-api:Invoke"], "Resource": [arn]}
    assert evaluate_policy({"Statement": [allow_all]}, arn) == "Allow"
    assert evaluate_policy({"Statement": [allow_all, deny]}, arn) == "Deny"
    assert evaluate_policy({"Statement": [allow_all]}, arn.replace("api/dev", "api/prod")) == "None"


# ---------------------------------------------------------------- SQS event source mapping
def test_local_runtime_partial_batch_failure_keeps_only_the_failed_record(runtime, stack_info):
    import fx_worker

    url = stack_info.resources["WorkQueue"]
    # GIVEN three messages in three groups, one of which the handler fails
    for i, body in enumerate(["ok-1", "fail-2", "ok-3"]):
        _send(url, body, group=f"g{i}")
    # WHEN one batch is polled
    handled = runtime.poll_once("FxWorkerFunction")
    # THEN all three were delivered as a real SQS batch event
    assert handled == 3
    recs = {r["body"]: r for r in fx_worker.SEEN}
    assert set(recs) == {"ok-1", "fail-2", "ok-3"}
    r = recs["fail-2"]
    assert r["eventSource"] == "aws:sqs"
    assert r["eventSourceARN"].endswith(f":{stack_info.stack_name}-WorkQueue.fifo")
    assert r["attributes"]["MessageGroupId"] == "g1"
    assert r["attributes"]["ApproximateReceiveCount"] == "1"
    assert r["attributes"]["MessageDeduplicationId"]
    assert r["receiptHandle"] and r["messageId"]
    # AND only the failed record is left (in flight until its visibility timeout)
    assert _counts(url) == (0, 1)


def test_local_runtime_handler_exception_fails_whole_batch(runtime, stack_info):
    url = stack_info.resources["WorkQueue"]
    _send(url, "ok-a", "a")
    _send(url, "explode", "b")
    assert runtime.poll_once("FxWorkerFunction") == 2
    assert _counts(url) == (0, 2)


def test_local_runtime_failed_record_redrives_to_dlq_by_max_receive_count(stack_info):
    sqs = boto3.client("sqs")
    # GIVEN failed records become visible again at once (fast local retries)
    rt = _runtime(stack_info, poll_wait_seconds=0, failed_visibility_timeout=0)
    rt.handler("FxWorkerFunction")  # loads fx_worker from its CodeUri (on this worker, maybe for the first time)
    import fx_worker

    fx_worker.SEEN.clear()
    _send(stack_info.resources["WorkQueue"], "fail-always", "x")
    _send(stack_info.resources["WorkQueue"], "ok-once", "y")
    # WHEN drained
    assert rt.drain(timeout=30) is True
    # THEN the good one was handled once, the bad one twice (maxReceiveCount 2) and then moved to the DLQ
    bodies = [r["body"] for r in fx_worker.SEEN]
    assert bodies.count("ok-once") == 1
    assert bodies.count("fail-always") == 2
    assert _counts(stack_info.resources["WorkQueue"]) == (0, 0)
    msgs = sqs.receive_message(QueueUrl=stack_info.resources["WorkDLQ"], MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in msgs] == ["fail-always"]


def test_local_runtime_api_to_queue_to_worker_with_pollers_running(stack_info):
    with _runtime(stack_info, poll_wait_seconds=1) as rt:
        rt.handler("FxWorkerFunction")  # loads fx_worker from its CodeUri (on this worker, maybe for the first time)
        import fx_worker

        fx_worker.SEEN.clear()
        status, _ = _request(rt, "POST", "/$process-message", b"hello-through", {"Authorization": "Bearer allow"})
        assert status == 202
        assert rt.drain(timeout=30) is True
    assert [r["body"] for r in fx_worker.SEEN] == ["hello-through"]
    assert not [t for t in rt._threads if t.is_alive()]


# ---------------------------------------------------------------- schedules
def test_local_runtime_fire_schedules_sends_eventbridge_scheduled_event(runtime):
    import fx_sweep

    results = runtime.fire_schedules()
    assert results == {"FxSweepFunction": {"fired": "Scheduled Event"}}
    (ev,) = fx_sweep.EVENTS
    assert ev["source"] == "aws.events" and ev["detail"] == {}
    assert ev["resources"][0].startswith("arn:aws:events:eu-west-2:")
    assert ev["time"].endswith("Z")


def test_local_runtime_rate_expressions():
    assert LocalRuntime.rate_seconds("rate(15 minutes)") == 900
    assert LocalRuntime.rate_seconds("rate(1 hour)") == 3600
    assert LocalRuntime.rate_seconds("cron(0 * * * ? *)") is None


# ---------------------------------------------------------------- composition, not the environment
def test_local_runtime_hands_its_composition_to_the_handlers_and_leaves_env_and_sys_path_alone(stack_info):
    env_before, path_before = dict(os.environ), list(sys.path)
    calls = []

    def compose(info, clock):
        calls.append((info, clock))
        return _compose_fixtures(info, clock)

    def clock():
        return datetime(2030, 1, 2, tzinfo=timezone.utc)

    # WHEN a runtime with a clock serves a request that makes its function use the stack's queue
    with LocalRuntime(stack_info, poll_wait_seconds=0, clock=clock, compose=compose) as rt:
        status, _ = _request(rt, "POST", "/$process-message", b"via-ports", {"Authorization": "Bearer allow"})
        # THEN the composition was built once, from the stack and with the clock, and is what the handler used
        assert status == 202
        assert calls == [(stack_info, clock)] and rt.ports["work_queue_url"] == stack_info.resources["WorkQueue"]
        import fx_echo

        assert fx_echo.PORTS["clock"] is clock
        assert rt.drain(timeout=30) is True
    # AND the body went through that composition to the worker's queue
    import fx_worker

    assert "via-ports" in [r["body"] for r in fx_worker.SEEN]
    # AND neither the environment nor sys.path was touched: the handler module came from the CodeUri
    assert dict(os.environ) == env_before and sys.path == path_before
    assert "WORK_QUEUE_URL" not in os.environ
    assert Path(fx_echo.__file__).parent == FIXTURES


def test_local_runtime_loads_a_handler_from_its_code_uri_without_sys_path(stack_info):
    sys.modules.pop("fx_sweep", None)
    path_before = list(sys.path)
    rt = _runtime(stack_info)
    # WHEN a function whose module is not importable from sys.path is invoked
    assert rt.invoke("FxSweepFunction", {"detail-type": "Scheduled Event"}) == {"fired": "Scheduled Event"}
    # THEN its module was loaded from the function's CodeUri and registered, sys.path unchanged
    assert Path(sys.modules["fx_sweep"].__file__).parent == FIXTURES
    assert sys.path == path_before
    assert rt.invocations == [("FxSweepFunction", "direct")]
