"""Mailboxes in DynamoDB (MailboxTable), with an S3 claim check for a copy too large to keep inline.

One item per delivered copy: partition key `ods` (the addressee), sort key `id` (the copy's MessageHeader.id).
The copy is the `bundle` attribute (JSON text), or, above `inline_limit` bytes, an object under
`mailbox/<ods>/<id>.json` in the archive bucket named by `claim`. The local secondary index
`delivered-index` (ods, delivered_at) lists a mailbox oldest first; it is sparse: acknowledging removes
`delivered_at` (and the copy, the child and the claimed object), leaving a tombstone that keeps the key
taken until its TTL (`expires`), so a late retry of the router finds it and writes nothing.
Both the table and the bucket are encrypted with the stack's key.
"""
from __future__ import annotations

import json
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import MailboxError, describe
from hub.core.mailbox import MailboxMessage, copy_bytes, parse_time, tombstone_expiry, utc_iso

INDEX = "delivered-index"
INLINE_LIMIT = 300_000  # DynamoDB's item limit is 400 KB; leave room for the other attributes
CLAIM_PREFIX = "mailbox/"
# what a listing reads: the index's own attributes (never the copy or the child); names, as some are reserved words
_LISTED = ("ods", "id", "kind", "event", "original_message_id", "delivered_at", "size")
_PROJECTION = {"ProjectionExpression": ", ".join(f"#{a}" for a in _LISTED),
               "ExpressionAttributeNames": {f"#{a}": a for a in _LISTED}}


def _failed(what: str, exc: Exception) -> MailboxError:
    code = (getattr(exc, "response", None) or {}).get("Error", {}).get("Code", "")
    return MailboxError(f"mailbox {what} failed ({describe(exc)})",
                        retryable=code not in ("ValidationException", "ResourceNotFoundException"))


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoDBMailboxes:
    def __init__(self, table_name: str, bucket: str, *, client, s3, inline_limit: int = INLINE_LIMIT) -> None:
        self.table_name, self.bucket = table_name, bucket
        self._ddb, self._s3 = client, s3
        self.inline_limit = inline_limit

    # ---- writing ------------------------------------------------------------------------------
    def deliver(self, message: MailboxMessage) -> bool:
        key = {"ods": {"S": message.ods}, "id": {"S": message.message_id}}
        body = copy_bytes(message.bundle or {})
        item = {**key, "kind": {"S": message.kind}, "event": {"S": message.event},
                "original_message_id": {"S": message.original_message_id},
                "delivered_at": {"S": utc_iso(message.delivered_at)}, "size": {"N": str(len(body))}}
        if message.nhs_number:
            item["nhs_number"] = {"S": message.nhs_number}
        try:
            if len(body) > self.inline_limit:
                # the object first, so an item never names a claim that is not there; looked up first, so a
                # retry after an acknowledgement does not leave an object that no item names
                if self._ddb.get_item(TableName=self.table_name, Key=key, ConsistentRead=True,
                                      ProjectionExpression="#id", ExpressionAttributeNames={"#id": "id"}).get("Item"):
                    return False
                claim = f"{CLAIM_PREFIX}{message.ods}/{message.message_id}.json"
                self._s3.put_object(Bucket=self.bucket, Key=claim, Body=body, ContentType="application/fhir+json")
                item["claim"] = {"S": claim}
            else:
                item["bundle"] = {"S": body.decode()}
            self._ddb.put_item(TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(#id)",
                               ExpressionAttributeNames={"#id": "id"})
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise _failed("delivery", exc) from exc
        except BotoCoreError as exc:
            raise _failed("delivery", exc) from exc
        return True

    def acknowledge(self, ods: str, message_id: str, *, at: datetime) -> str:
        key = {"ods": {"S": ods}, "id": {"S": message_id}}
        try:
            old = self._ddb.update_item(
                TableName=self.table_name, Key=key, ConditionExpression="attribute_exists(delivered_at)",
                UpdateExpression="REMOVE delivered_at, bundle, claim, nhs_number SET acknowledged_at = :at, "
                                 "#expires = :exp", ExpressionAttributeNames={"#expires": "expires"},
                ExpressionAttributeValues={":at": {"S": utc_iso(at)}, ":exp": {"N": str(tombstone_expiry(at))}},
                ReturnValues="ALL_OLD").get("Attributes", {})
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise _failed("acknowledgement", exc) from exc
            return "already" if self.get(ods, message_id, bundle=False) is not None else "absent"
        except BotoCoreError as exc:
            raise _failed("acknowledgement", exc) from exc
        claim = old.get("claim", {}).get("S")
        if claim:
            try:
                self._s3.delete_object(Bucket=self.bucket, Key=claim)
            except (ClientError, BotoCoreError):
                pass  # the item no longer names it; an object left behind is the hub's, encrypted, unlisted
        return "acknowledged"

    # ---- reading ------------------------------------------------------------------------------
    def _message(self, item: dict, *, bundle: dict | None = None) -> MailboxMessage:
        s = {k: v.get("S") for k, v in item.items() if "S" in v}
        acked = s.get("acknowledged_at")
        return MailboxMessage(
            ods=s["ods"], message_id=s["id"], kind=s.get("kind", ""), event=s.get("event", ""),
            original_message_id=s.get("original_message_id", ""),
            delivered_at=parse_time(s["delivered_at"]) if s.get("delivered_at") else parse_time(acked),
            bundle=bundle, size=int(item.get("size", {}).get("N", "0")), nhs_number=s.get("nhs_number"),
            acknowledged_at=parse_time(acked) if acked else None)

    def get(self, ods: str, message_id: str, *, bundle: bool = True) -> MailboxMessage | None:
        try:
            item = self._ddb.get_item(TableName=self.table_name, Key={"ods": {"S": ods}, "id": {"S": message_id}},
                                      ConsistentRead=True).get("Item")
            if item is None:
                return None
            copy = None
            if bundle and "bundle" in item:
                copy = json.loads(item["bundle"]["S"])
            elif bundle and "claim" in item:
                obj = self._s3.get_object(Bucket=self.bucket, Key=item["claim"]["S"])
                copy = json.loads(obj["Body"].read())
        except (ClientError, BotoCoreError) as exc:
            raise _failed("read", exc) from exc
        return self._message(item, bundle=copy)

    def list(self, ods: str, *, limit: int = 50, after: tuple[datetime, str] | None = None):
        kwargs = {"TableName": self.table_name, "IndexName": INDEX, **_PROJECTION,
                  "KeyConditionExpression": "#ods = :ods", "ExpressionAttributeValues": {":ods": {"S": ods}},
                  "Limit": limit + 1}
        if after is not None:
            kwargs["ExclusiveStartKey"] = {"ods": {"S": ods}, "id": {"S": after[1]},
                                           "delivered_at": {"S": utc_iso(after[0])}}
        found: list[dict] = []
        try:
            while len(found) <= limit:
                page = self._ddb.query(**kwargs)
                found += page.get("Items", [])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise _failed("listing", exc) from exc
        # in the index's order (delivery time), so the last one returned is where the next page starts
        messages = [self._message(i) for i in found]
        return messages[:limit], len(messages) > limit

    def stale(self, delivered_before: datetime, *, limit: int = 1000) -> list[MailboxMessage]:
        kwargs = {"TableName": self.table_name, "IndexName": INDEX, **_PROJECTION,
                  "FilterExpression": "#delivered_at < :before",
                  "ExpressionAttributeValues": {":before": {"S": utc_iso(delivered_before)}}}
        found: list[MailboxMessage] = []
        try:
            while len(found) < limit:
                page = self._ddb.scan(**kwargs)
                found += [self._message(i) for i in page.get("Items", [])]
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise _failed("operator listing", exc) from exc
        return sorted(found, key=lambda m: (m.delivered_at, m.ods, m.message_id))[:limit]
