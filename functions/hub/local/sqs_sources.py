"""SQS event source mappings for the template's SQS events: receive a batch, invoke, delete what succeeded.

As Lambda does: a handler exception fails the whole batch; with ReportBatchItemFailures only the records
named in `batchItemFailures` stay on the queue. Failed records wait out the queue's VisibilityTimeout,
then count towards its maxReceiveCount (and its DLQ), unless `failed_visibility_timeout` shortens the wait.

Like Lambda's pollers, each mapping can keep up to `concurrency` batches in flight (one poller thread each).
The default is 1: on the in-process moto server, CPU-bound under one GIL, 4 measured slower (bench/RESULTS.md),
and one fault-suite run with 4 published an alert twice (cause not yet found).
FIFO order holds: SQS hides a group while any of its messages is in flight, each poller deletes only after
its batch's result, receives of one mapping are serialised (the emulator's group check is not atomic
across threads) and no batch is invoked while another in flight shares one of its MessageGroupIds.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
from typing import Any, Callable

from hub.local.stack_info import StackInfo

log = logging.getLogger("hub.local.runtime")  # see api_gateway: one name for the played Lambda service


def sqs_record(msg: dict, queue_arn: str, region: str) -> dict:
    """One received message as a record of Lambda's SQS event."""
    attrs = msg.get("Attributes") or {}
    mattrs = {}
    for name, a in (msg.get("MessageAttributes") or {}).items():
        mattrs[name] = {
            "stringValue": a.get("StringValue"),
            "binaryValue": base64.b64encode(a["BinaryValue"]).decode() if a.get("BinaryValue") else None,
            "stringListValues": a.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(b).decode() for b in a.get("BinaryListValues", [])],
            "dataType": a.get("DataType"),
        }
    rec_attrs = {k: v for k, v in attrs.items() if k in (
        "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
        "MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")}
    return {
        "messageId": msg["MessageId"],
        "receiptHandle": msg["ReceiptHandle"],
        "body": msg.get("Body", ""),
        "attributes": rec_attrs,
        "messageAttributes": mattrs,
        "md5OfBody": msg.get("MD5OfBody"),
        "md5OfMessageAttributes": msg.get("MD5OfMessageAttributes"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class SqsEventSources:
    """The enabled SQS event sources of `info`; `invoke(function, event, source)` runs a function."""

    def __init__(self, info: StackInfo, invoke: Callable[..., Any], sqs_client: Callable[[], Any], *,
                 poll_wait_seconds: int = 1, failed_visibility_timeout: int | None = None, concurrency: int = 1):
        self.info = info
        self.concurrency = max(1, int(concurrency))
        self.invoke = invoke
        self._sqs = sqs_client
        self.poll_wait_seconds = poll_wait_seconds
        self.failed_visibility_timeout = failed_visibility_timeout
        self.sources = [
            (fn, ev) for fn, spec in info.functions.items() for ev in spec.events
            if ev["type"] == "SQS" and ev.get("enabled", True)
        ]
        self.threads: list[threading.Thread] = []
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._receive_locks: dict[str, threading.Lock] = {}
        self._groups_free = threading.Condition(self._inflight_lock)
        self._groups: dict[str, set[str]] = {}  # queue url -> MessageGroupIds of batches in flight

    def poll_once(self, function: str | None = None, wait_seconds: int = 0) -> int:
        """Receive one batch per SQS source (or only `function`'s), invoke, delete successes. Returns records handled."""
        total = 0
        for fn, ev in self.sources:
            if function is None or fn == function:
                total += self._poll_source(fn, ev, wait_seconds)
        return total

    def _poll_source(self, fn: str, ev: dict, wait_seconds: int) -> int:
        sqs = self._sqs()
        url = ev["queue_url"]
        with self._inflight_lock:
            rlock = self._receive_locks.setdefault(url, threading.Lock())
        with rlock:
            resp = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=max(1, min(int(ev["batch_size"]), 10)),
                WaitTimeSeconds=wait_seconds,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            msgs = resp.get("Messages") or []
            if not msgs:
                return 0
            # received messages count as NotVisible in the queue until deleted, so drain() sees them either way
            with self._inflight_lock:
                self._inflight += 1
        groups = {(m.get("Attributes") or {}).get("MessageGroupId") for m in msgs} - {None}
        with self._groups_free:
            busy = self._groups.setdefault(url, set())
            # SQS already hides in-flight groups; this wait only matters if the emulator ever does not
            self._groups_free.wait_for(lambda: not (busy & groups))
            busy |= groups
        try:
            failed = self._invoke_batch(fn, ev, msgs)
            done = [m for m in msgs if m["MessageId"] not in failed]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=ev["queue_url"],
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            if self.failed_visibility_timeout is not None:
                for m in msgs:
                    if m["MessageId"] in failed:
                        sqs.change_message_visibility(QueueUrl=ev["queue_url"], ReceiptHandle=m["ReceiptHandle"],
                                                      VisibilityTimeout=int(self.failed_visibility_timeout))
            return len(msgs)
        finally:
            with self._groups_free:
                self._groups[url] -= groups
                self._inflight -= 1
                self._groups_free.notify_all()

    def _invoke_batch(self, fn: str, ev: dict, msgs: list[dict]) -> set[str]:
        """The message ids that failed."""
        event = {"Records": [sqs_record(m, ev["queue_arn"], self.info.region) for m in msgs]}
        try:
            result = self.invoke(fn, event, source=f"sqs:{ev['queue']}")
        except Exception:  # noqa: BLE001 - a handler error fails the whole batch, as in Lambda
            log.exception("function %s failed on a batch of %d", fn, len(msgs))
            return {m["MessageId"] for m in msgs}
        if ev.get("report_batch_item_failures") and isinstance(result, dict):
            return {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
        return set()

    # ------------------------------------------------------------------ pollers
    def start(self, stop: threading.Event) -> None:
        """`concurrency` long-polling threads per source until `stop` is set."""
        for fn, ev in self.sources:
            for i in range(self.concurrency):
                t = threading.Thread(target=self._poller, args=(fn, ev, stop), name=f"sqs-{fn}-{ev['name']}-{i}",
                                     daemon=True)
                t.start()
                self.threads.append(t)

    def _poller(self, fn: str, ev: dict, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._poll_source(fn, ev, self.poll_wait_seconds)
            except Exception:  # noqa: BLE001 - keep polling like the event source mapping does
                log.exception("poller %s/%s", fn, ev.get("queue"))
                stop.wait(0.5)

    def join(self, timeout: float) -> None:
        for t in self.threads:
            t.join(timeout)
        self.threads = [t for t in self.threads if t.is_alive()]

    # ------------------------------------------------------------------ drain
    def _queues_empty(self) -> bool:
        sqs = self._sqs()
        for _, ev in self.sources:
            a = sqs.get_queue_attributes(
                QueueUrl=ev["queue_url"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                "ApproximateNumberOfMessagesDelayed"],
            )["Attributes"]
            if any(int(v) for v in a.values()):
                return False
        return True

    def drain(self, timeout: float = 30.0) -> bool:
        """Process until every source queue is empty and nothing is in flight. False if timeout came first
        (e.g. a failed record waiting out its visibility timeout)."""
        deadline = time.monotonic() + timeout
        pollers_running = any(t.is_alive() for t in self.threads)
        quiet = 0
        while time.monotonic() < deadline:
            if pollers_running:
                busy = self._inflight > 0
                time.sleep(0.05)
            else:
                busy = self.poll_once(wait_seconds=0) > 0
            if not busy and self._inflight == 0 and self._queues_empty():
                quiet += 1
                if quiet >= 2 or not pollers_running:  # no poller can have taken a record since the check
                    return True
            else:
                quiet = 0
        return False
