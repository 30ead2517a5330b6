"""FIFO SQS publishing and reading, with content-independent deduplication ids."""
from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import QueueError, describe


@dataclass(frozen=True)
class OutgoingMessage:
    body: str
    group_id: str
    dedup_id: str
    attributes: dict[str, str] | None = None


class SqsQueues:
    def __init__(self, *, client):
        self._sqs = client

    def send(self, queue_url: str, msg: OutgoingMessage) -> str:
        kwargs = {"QueueUrl": queue_url, "MessageBody": msg.body}
        if queue_url.endswith(".fifo"):
            kwargs |= {"MessageGroupId": msg.group_id, "MessageDeduplicationId": msg.dedup_id[:128]}
        if msg.attributes:
            kwargs["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in msg.attributes.items()}
        try:
            return self._sqs.send_message(**kwargs)["MessageId"]
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"send failed ({describe(exc)})") from exc

    def send_json(self, queue_url: str, payload: dict, *, group_id: str, dedup_id: str,
                  attributes: dict[str, str] | None = None) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        return self.send(queue_url, OutgoingMessage(body, group_id, dedup_id, attributes))

    def receive(self, queue_url: str, *, max_messages: int = 10, wait_seconds: int = 0,
                visibility_timeout: int | None = None) -> list[dict]:
        kwargs = {"QueueUrl": queue_url, "MaxNumberOfMessages": max_messages, "WaitTimeSeconds": wait_seconds,
                  "MessageAttributeNames": ["All"], "AttributeNames": ["All"]}
        if visibility_timeout is not None:
            kwargs["VisibilityTimeout"] = visibility_timeout
        try:
            return self._sqs.receive_message(**kwargs).get("Messages", [])
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"receive failed ({describe(exc)})") from exc

    def delete(self, queue_url: str, receipt_handle: str) -> None:
        try:
            self._sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt_handle)
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"delete failed ({describe(exc)})") from exc

    def release(self, queue_url: str, receipt_handles: list[str]) -> None:
        """Make received messages visible again at once: a reader that leaves them on the queue."""
        for i in range(0, len(receipt_handles), 10):
            entries = [{"Id": str(j), "ReceiptHandle": h, "VisibilityTimeout": 0}
                       for j, h in enumerate(receipt_handles[i:i + 10])]
            try:
                self._sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise QueueError(f"release failed ({describe(exc)})") from exc

    def depth(self, queue_url: str) -> dict[str, int]:
        try:
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"attributes failed ({describe(exc)})") from exc
        return {"visible": int(attrs.get("ApproximateNumberOfMessages", 0)),
                "in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0))}

    def queue_arn(self, queue_url: str) -> str:
        try:
            return self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"attributes failed ({describe(exc)})") from exc

    def dead_letter_sources(self, dlq_url: str) -> list[str]:
        """URLs of the queues whose RedrivePolicy names this DLQ."""
        try:
            pages = self._sqs.get_paginator("list_dead_letter_source_queues").paginate(QueueUrl=dlq_url)
            return [url for page in pages for url in page.get("queueUrls", [])]
        except (ClientError, BotoCoreError) as exc:
            raise QueueError(f"dead-letter sources failed ({describe(exc)})") from exc

    def redrive(self, dlq_url: str, target_url: str, *, max_messages: int | None = None,
                method: str = "auto", timeout: float = 120.0) -> int:
        """Move DLQ messages back to `target_url`; returns how many were moved.

        method "auto": SQS StartMessageMoveTask for a standard DLQ moved whole, else "loop". FIFO DLQs always
        loop: LocalStack's move task re-sends with the original deduplication id, so a message redriven within
        the 5-minute dedup window is silently dropped (measured), and moto 5.2.5 has no move task at all.
        "loop" receives, sends, then deletes (a crash duplicates rather than loses; the resend keeps the
        MessageGroupId and uses a deduplication id derived from the DLQ message id, so a repeat within the
        window is deduplicated while each dead-lettering gets a fresh id).
        """
        if method not in ("auto", "loop", "move-task"):
            raise ValueError(f"unknown redrive method {method!r}")
        fifo = dlq_url.endswith(".fifo")
        if method == "move-task" or (method == "auto" and not fifo and max_messages is None):
            moved = self._move_task(dlq_url, target_url, timeout=timeout, required=method == "move-task")
            if moved is not None:
                return moved
        return self._redrive_loop(dlq_url, target_url, max_messages=max_messages)

    def _move_task(self, dlq_url: str, target_url: str, *, timeout: float, required: bool) -> int | None:
        """StartMessageMoveTask and wait for it; None if the endpoint does not implement it (and not required)."""
        import time

        source_arn, target_arn = self.queue_arn(dlq_url), self.queue_arn(target_url)
        try:
            self._sqs.start_message_move_task(SourceArn=source_arn, DestinationArn=target_arn)
        except NotImplementedError:  # moto's in-process mock
            if required:
                raise QueueError("StartMessageMoveTask is not implemented by this endpoint", retryable=False)
            return None
        except (ClientError, BotoCoreError) as exc:
            code = str(((getattr(exc, "response", None) or {}).get("Error") or {}).get("Code", ""))
            if not required and (code in ("500", "InvalidAction", "UnsupportedOperation")
                                 or code.endswith("UnsupportedOperation")):
                return None  # moto server answers 500 for actions it lacks
            raise QueueError(f"move task failed ({describe(exc)})") from exc
        deadline = time.monotonic() + timeout
        while True:
            try:
                tasks = self._sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1).get("Results", [])
            except (ClientError, BotoCoreError) as exc:
                raise QueueError(f"move task status failed ({describe(exc)})") from exc
            task = tasks[0] if tasks else {}
            status = task.get("Status")
            if status == "COMPLETED":
                return int(task.get("ApproximateNumberOfMessagesMoved", 0))
            if status in ("FAILED", "CANCELLED"):
                raise QueueError(f"move task {status.lower()} ({task.get('FailureReason', 'no reason given')})",
                                 retryable=status == "FAILED")
            if time.monotonic() > deadline:
                raise QueueError("move task still running at the timeout")
            time.sleep(0.2)

    def _redrive_loop(self, dlq_url: str, target_url: str, *, max_messages: int | None) -> int:
        moved = 0
        while max_messages is None or moved < max_messages:
            want = 10 if max_messages is None else min(10, max_messages - moved)
            batch = self.receive(dlq_url, max_messages=want, visibility_timeout=60)
            if not batch:
                break
            for m in batch:
                attrs = m.get("Attributes", {})
                kwargs = {"QueueUrl": target_url, "MessageBody": m["Body"]}
                if target_url.endswith(".fifo"):
                    kwargs |= {"MessageGroupId": attrs.get("MessageGroupId") or "redrive",
                               "MessageDeduplicationId": f"redrive-{m['MessageId']}"}
                if m.get("MessageAttributes"):
                    kwargs["MessageAttributes"] = {
                        k: {f: v[f] for f in ("DataType", "StringValue", "BinaryValue") if f in v}
                        for k, v in m["MessageAttributes"].items()}
                try:
                    self._sqs.send_message(**kwargs)
                except (ClientError, BotoCoreError) as exc:
                    raise QueueError(f"redrive send failed ({describe(exc)})") from exc
                self.delete(dlq_url, m["ReceiptHandle"])
                moved += 1
        return moved
