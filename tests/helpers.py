"""Helpers shared by the functional and integration tests (events, Lambda events, queue reading)."""
from __future__ import annotations

import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
SHARED = REPO.parent / "shared"


class LambdaContext:
    function_name = "test"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:test"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def load_event(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


AGENCY_KINDS = {a["ods"]: a["kind"] for a in json.loads((EVENTS / "scenarios/child-s/agencies.json").read_text())}
AUTO = "auto"


def sender_of(body: bytes | str) -> str | None:
    """The ODS code of the MessageHeader.sender Organization (None if the body is not a readable message)."""
    from hub.cli.send import sender_ods as _sender_ods

    try:
        return _sender_ods(json.loads(body))
    except (ValueError, RecursionError):
        return None


def api_event(body: bytes | str, *, ods: str | None = AUTO, kind: str | None = None,
              content_type: str = "application/fhir+json", path: str = "/$process-message", method: str = "POST") -> dict:
    if ods == AUTO:
        ods = sender_of(body) or "A81001"
    kind = kind or AGENCY_KINDS.get(ods, "gp")
    if isinstance(body, bytes):
        try:
            text, b64 = body.decode("utf-8"), False
        except UnicodeDecodeError:
            import base64

            text, b64 = base64.b64encode(body).decode(), True
    else:
        text, b64 = body, False
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": {"Content-Type": content_type}, "multiValueHeaders": {"Content-Type": [content_type]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "body": text, "isBase64Encoded": b64,
        "requestContext": {"stage": "dev", "requestId": "r-" + os.urandom(4).hex(), "path": path,
                           "resourcePath": path, "httpMethod": method,
                           "authorizer": {"ods": ods, "kind": kind} if ods else {}},
    }


def sqs_event(records: list[dict], queue_arn: str = "arn:aws:sqs:eu-west-2:123456789012:q.fifo") -> dict:  # noqa: E501
    return {"Records": [{
        "messageId": m.get("MessageId", f"m{i}"), "receiptHandle": m.get("ReceiptHandle", f"rh{i}"),
        "body": m["Body"], "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g",
                                          **m.get("Attributes", {})},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": "eu-west-2"} for i, m in enumerate(records)]}


def receive_all(hub, url: str) -> list[dict]:
    out = []
    while True:
        batch = hub.clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                                AttributeNames=["All"]).get("Messages", [])
        if not batch:
            return out
        for m in batch:
            hub.clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        out += batch


def bodies(msgs: list[dict]) -> list[dict]:
    return [json.loads(m["Body"]) for m in msgs]


def pump(hub, url: str, handler, ctx) -> dict:
    """Feed one queue's messages to a handler as SQS batch events, deleting what succeeded (as Lambda does)."""
    failures_total = []
    while True:
        batch = hub.clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                                MessageAttributeNames=["All"], VisibilityTimeout=0).get("Messages", [])
        if not batch:
            return {"failures": failures_total}
        from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

        try:
            resp = handler(sqs_event(batch), ctx) or {}
            failed = {f["itemIdentifier"] for f in resp.get("batchItemFailures", [])}
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            failed = {m["MessageId"] for m in batch}
        for m in batch:
            if m["MessageId"] not in failed:
                hub.clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if failed:
            failures_total += sorted(failed)
            return {"failures": failures_total}


def ingest(hub, body: bytes, ods: str | None = AUTO, kind: str | None = None):
    from hub.bootstrap import ingest_service
    from hub.core.messages import Caller

    ods = sender_of(body) if ods == AUTO else ods
    return ingest_service(hub).handle(body, content_type="application/fhir+json",
                                      caller=Caller(ods, kind or AGENCY_KINDS.get(ods, "gp")))


def run_pipeline(hub, bodies_: list[bytes], ctx) -> None:
    """ingest -> router -> rules, in-process, each message all the way through before the next."""
    from hub.handlers import router, rules

    for body in bodies_:
        res = ingest(hub, body)
        assert res.status in (200, 202), res.outcome
        assert pump(hub, hub.settings.validated_queue_url, router.lambda_handler, ctx)["failures"] == []
        assert pump(hub, hub.settings.rules_queue_url, rules.lambda_handler, ctx)["failures"] == []
