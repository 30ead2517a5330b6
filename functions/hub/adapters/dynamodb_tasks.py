"""Alert Tasks in DynamoDB (TaskTable): one item per Task, conditional writes, three indexes.

The Task document is a JSON string; the attributes the indexes need are top-level:
- `owner-index` (owner, last_updated): a recipient's Tasks, newest update first (GET /Task);
- `alert-index` (alert_id): the Tasks of one alert, which a resolution completes;
- `due-index` (due_shard, next_due): sparse, only Tasks the sweep must look at (not acknowledged, a
  deadline pending), so an escalation sweep reads what is due and nothing else.
Index reads are eventually consistent, so every Task found through an index is read again before use.
"""
from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import TaskConflictError, TaskStoreError, describe
from hub.core.tasks import Task, parse_time, utc_iso

DUE_SHARDS = 4


def _shard(task_id: str, shards: int) -> str:
    return str(int(hashlib.sha256(task_id.encode()).hexdigest()[:8], 16) % shards)


def _key(value: str) -> str:
    return utc_iso(parse_time(value))


def encode_cursor(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=") if key else None


def decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise TaskStoreError("bad cursor", retryable=False) from None
    if not isinstance(key, dict) or not all(isinstance(v, dict) and set(v) == {"S"} for v in key.values()):
        raise TaskStoreError("bad cursor", retryable=False)
    return key


class DynamoDBTaskStore:
    def __init__(self, table_name: str, *, client, shards: int = DUE_SHARDS) -> None:
        self.table_name = table_name
        self._ddb = client
        self._shards = shards

    # ---- items ------------------------------------------------------------------------
    def _item(self, task: Task) -> dict:
        item = {"id": {"S": task.id}, "owner": {"S": task.owner}, "alert_id": {"S": task.alert_id},
                "status": {"S": task.status}, "last_updated": {"S": _key(task.last_updated)},
                "version": {"N": str(task.version)},
                "doc": {"S": json.dumps(task.to_item(), separators=(",", ":"), sort_keys=True)}}
        if task.next_due:
            item["next_due"] = {"S": _key(task.next_due)}
            item["due_shard"] = {"S": _shard(task.id, self._shards)}
        return item

    @staticmethod
    def _task(item: dict) -> Task:
        return Task.from_item(json.loads(item["doc"]["S"]))

    def _call(self, what: str, fn, **kwargs):
        try:
            return fn(TableName=self.table_name, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise TaskStoreError(f"task {what} failed ({describe(exc)})") from exc

    # ---- the port ---------------------------------------------------------------------
    def get(self, task_id: str) -> Task | None:
        item = self._call("read", self._ddb.get_item, Key={"id": {"S": task_id}}, ConsistentRead=True).get("Item")
        return self._task(item) if item else None

    def create(self, task: Task) -> bool:
        try:
            self._ddb.put_item(TableName=self.table_name, Item=self._item(task),
                               ConditionExpression="attribute_not_exists(id)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise TaskStoreError(f"task write failed ({describe(exc)})") from exc
        except BotoCoreError as exc:
            raise TaskStoreError(f"task write failed ({describe(exc)})") from exc
        return True

    def update(self, task: Task, *, expected_version: int) -> None:
        try:
            self._ddb.put_item(TableName=self.table_name, Item=self._item(task),
                               ConditionExpression="version = :v",
                               ExpressionAttributeValues={":v": {"N": str(expected_version)}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise TaskConflictError("the Task changed since it was read") from exc
            raise TaskStoreError(f"task write failed ({describe(exc)})") from exc
        except BotoCoreError as exc:
            raise TaskStoreError(f"task write failed ({describe(exc)})") from exc

    def _fresh(self, items: list[dict]) -> list[Task]:
        return [t for t in (self.get(i["id"]["S"]) for i in items) if t is not None]

    def by_alert(self, alert_id: str) -> list[Task]:
        items: list[dict] = []
        kwargs = dict(IndexName="alert-index", KeyConditionExpression="alert_id = :a",
                      ExpressionAttributeValues={":a": {"S": alert_id}})
        while True:
            page = self._call("query", self._ddb.query, **kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted((t for t in self._fresh(items) if t.alert_id == alert_id), key=lambda t: t.id)

    def by_owner(self, owner: str, *, statuses: tuple[str, ...] | None = None, updated_from: datetime | None = None,
                 updated_to: datetime | None = None, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[Task], str | None]:
        cond, values, names = "#o = :o", {":o": {"S": owner}}, {"#o": "owner"}
        if updated_from and updated_to:
            cond += " AND last_updated BETWEEN :lo AND :hi"
        elif updated_from:
            cond += " AND last_updated >= :lo"
        elif updated_to:
            cond += " AND last_updated <= :hi"
        if updated_from:
            values[":lo"] = {"S": utc_iso(updated_from)}
        if updated_to:
            values[":hi"] = {"S": utc_iso(updated_to)}
        kwargs: dict = dict(IndexName="owner-index", KeyConditionExpression=cond, ScanIndexForward=False)
        if statuses:
            names["#s"] = "status"
            kwargs["FilterExpression"] = "#s IN (" + ", ".join(f":s{i}" for i in range(len(statuses))) + ")"
            values.update({f":s{i}": {"S": s} for i, s in enumerate(statuses)})
        kwargs.update(ExpressionAttributeValues=values, ExpressionAttributeNames=names)
        start = decode_cursor(cursor)
        found: list[dict] = []
        while True:
            # the filter applies after Limit, so ask only for what is still missing: a page never overshoots
            page = self._call("query", self._ddb.query, Limit=limit - len(found),
                              **({"ExclusiveStartKey": start} if start else {}), **kwargs)
            found += page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if start is None or len(found) >= limit:
                break
        tasks = [self._task(i) for i in found]  # the owner index projects the whole item
        return tasks, encode_cursor(start)

    def due(self, until: datetime, limit: int | None = None) -> list[Task]:
        cutoff = utc_iso(until)
        items: list[dict] = []
        for shard in range(self._shards):
            kwargs = dict(IndexName="due-index", KeyConditionExpression="due_shard = :s AND next_due <= :t",
                          ExpressionAttributeValues={":s": {"S": str(shard)}, ":t": {"S": cutoff}})
            while True:
                page = self._call("query", self._ddb.query, **kwargs)
                items += page.get("Items", [])
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        fresh = [t for t in self._fresh(items) if t.next_due and _key(t.next_due) <= cutoff]
        fresh.sort(key=lambda t: (_key(t.next_due), t.id))
        return fresh[:limit] if limit else fresh
