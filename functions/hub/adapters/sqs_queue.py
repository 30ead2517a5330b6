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

    def redrive(self, dlq_url: str, target_url: str, *, max_messages: int | None = None) -> int:
        """Move DLQ messages back to their source: receive, send, then delete, so a crash duplicates rather than loses."""
        moved = 0
        while max_messages is None or moved < max_messages:
            batch = self.receive(dlq_url, max_messages=10, visibility_timeout=60)
            if not batch:
                break
            for m in batch:
                attrs = m.get("Attributes", {})
                group = attrs.get("MessageGroupId", "redrive")
                dedup = "redrive-" + (attrs.get("MessageDeduplicationId") or m["MessageId"])
                extra = {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items() if "StringValue" in v}
                self.send(target_url, OutgoingMessage(m["Body"], group, dedup, extra or None))
                self.delete(dlq_url, m["ReceiptHandle"])
                moved += 1
        return moved
