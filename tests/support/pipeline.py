"""Drive the hub in-process, as Lambda would: ingest a body, feed a queue's messages to a handler as SQS
batch events (deleting what succeeded), read a queue dry. Works on any `HubPorts`: moto-backed or fakes."""
from __future__ import annotations

import json

from tests.support.agencies import caller as caller_for
from tests.support.lambda_events import AUTO, sqs_event
from tests.support.messages import sender_of


def receive_all(ports, url: str) -> list[dict]:
    """Every message now visible in the queue, received and deleted."""
    out: list[dict] = []
    while True:
        batch = ports.queues.receive(url, max_messages=10)
        if not batch:
            return out
        for m in batch:
            ports.queues.delete(url, m["ReceiptHandle"])
        out += batch


def bodies(msgs: list[dict]) -> list[dict]:
    return [json.loads(m["Body"]) for m in msgs]


def pump(ports, url: str, handler, ctx) -> dict:
    """Feed one queue's messages to a handler as SQS batch events, deleting what succeeded (as Lambda does);
    stops at the first batch with a failure. Returns {"failures": [message ids]}."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    failures: list[str] = []
    while True:
        batch = ports.queues.receive(url, max_messages=10, visibility_timeout=0)
        if not batch:
            return {"failures": failures}
        try:
            resp = handler(sqs_event(batch), ctx) or {}
            failed = {f["itemIdentifier"] for f in resp.get("batchItemFailures", [])}
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            failed = {m["MessageId"] for m in batch}
        for m in batch:
            if m["MessageId"] not in failed:
                ports.queues.delete(url, m["ReceiptHandle"])
        if failed:
            return {"failures": failures + sorted(failed)}


def ingest(ports, body: bytes, ods: str | None = AUTO, kind: str | None = None):
    """POST $process-message without HTTP: the ingest service on `ports`, as the body's sender by default."""
    from hub.bootstrap import ingest_service

    ods = sender_of(body) if ods == AUTO else ods
    return ingest_service(ports).handle(body, content_type="application/fhir+json",
                                        caller=caller_for(ods, kind))


def run_pipeline(ports, bodies_: list[bytes], ctx) -> None:
    """ingest -> router -> rules through the handlers, each message all the way through before the next."""
    from hub.handlers import router, rules

    for body in bodies_:
        res = ingest(ports, body)
        assert res.status in (200, 202), res.outcome
        assert pump(ports, ports.settings.validated_queue_url, router.lambda_handler, ctx)["failures"] == []
        assert pump(ports, ports.settings.rules_queue_url, rules.lambda_handler, ctx)["failures"] == []
