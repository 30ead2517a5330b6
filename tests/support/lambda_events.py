"""What Lambda hands a handler: a context, an API Gateway proxy event, an SQS batch event."""
from __future__ import annotations

import base64
import os

from tests.support.agencies import AGENCY_KINDS
from tests.support.messages import sender_of

AUTO = "auto"
REGION = "eu-west-2"
ACCOUNT = "123456789012"


class LambdaContext:
    """The attributes handlers and Powertools read from the Lambda context; a fixed 30 s remaining."""

    def __init__(self, function_name: str = "test", memory_limit_in_mb: int = 128, aws_request_id: str = "req-1",
                 remaining_ms: int = 30_000) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.aws_request_id = aws_request_id
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


def api_event(body: bytes | str | None, *, ods: str | None = AUTO, kind: str | None = None,
              content_type: str = "application/fhir+json", path: str = "/$process-message", method: str = "POST",
              query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> dict:
    """An API Gateway (REST, proxy) event as the authorizer passes it on: `ods`/`kind` in the authorizer
    context (ods=AUTO: the message's sender; None: no authorizer context)."""
    if ods == AUTO:
        ods = (sender_of(body) if body is not None else None) or "A81001"
    kind = kind or AGENCY_KINDS.get(ods, "gp")
    b64 = False
    text = body
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, b64 = base64.b64encode(body).decode(), True
    hdrs = {"Content-Type": content_type, **(headers or {})}
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": hdrs, "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in query.items()}
        if query else None, "pathParameters": None, "stageVariables": None,
        "body": text, "isBase64Encoded": b64,
        "requestContext": {"stage": "dev", "requestId": "r-" + os.urandom(4).hex(), "path": path,
                           "resourcePath": path, "httpMethod": method,
                           "authorizer": {"ods": ods, "kind": kind} if ods else {}},
    }


def sqs_record(msg: dict, i: int = 0, queue_arn: str = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q.fifo") -> dict:
    """One SQS event record from a received message (boto3 `receive_message` or `InMemoryQueues.receive` shape)."""
    attrs = {k: v for k, v in (msg.get("Attributes") or {}).items() if k in (
        "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
        "MessageGroupId", "MessageDeduplicationId", "SequenceNumber")}
    return {
        "messageId": msg.get("MessageId", f"m{i}"), "receiptHandle": msg.get("ReceiptHandle", f"rh{i}"),
        "body": msg["Body"], "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": "g", **attrs},
        "messageAttributes": {k: {"stringValue": a.get("StringValue"), "dataType": a.get("DataType", "String"),
                                  "stringListValues": [], "binaryListValues": []}
                              for k, a in (msg.get("MessageAttributes") or {}).items()},
        "md5OfBody": msg.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": REGION}


def sqs_event(messages: list[dict], queue_arn: str = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q.fifo") -> dict:
    """An SQS batch event (as an event source mapping sends it) of received messages."""
    return {"Records": [sqs_record(m, i, queue_arn) for i, m in enumerate(messages)]}


def ensure_metrics_namespace(default: str = "SafeguardingHub") -> None:
    """Handlers imported before the stack set POWERTOOLS_METRICS_NAMESPACE (e.g. by `hub.openapi` at
    collection time in the same worker) hold a Metrics without a namespace; with metrics disabled
    Powertools never clears the set, so the 100th value makes add_metric serialise and raise (a 502).
    Give them the namespace template.yaml sets, as Lambda would have at import."""
    import sys

    ns = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or default
    for name, mod in list(sys.modules.items()):
        m = getattr(mod, "metrics", None) if name.startswith("hub.handlers.") else None
        if m is not None and getattr(m, "namespace", None) is None:
            m.namespace = ns
