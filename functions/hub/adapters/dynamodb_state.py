"""Child state in DynamoDB: one item per child, a sparse deadline index, optimistic concurrency.

The state document is stored compressed (long chronologies stay far below the 400 KB item
limit); `household`, `due_shard` and `next_due` are top-level so the GSIs can index them.
Only children with a pending deadline appear in `due-index`, so a sweep reads what is due,
not every registered child.
"""
from __future__ import annotations

import hashlib
import json
import threading
import zlib
from datetime import datetime, timezone

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import StateConflictError, StateStoreError, describe
from hub.core.rules import ChildState

DUE_SHARDS = 8


def _pk(nhs_number: str) -> str:
    return f"CHILD#{nhs_number}"


def _shard(nhs_number: str) -> str:
    return str(int(hashlib.sha256(nhs_number.encode()).hexdigest()[:8], 16) % DUE_SHARDS)


def _utc_key(value: str) -> str:
    """Index key for next_due: UTC, fixed width, so string order is time order."""
    return datetime.fromisoformat(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class DynamoDBStateRepository:
    def __init__(self, table_name: str, *, client, shards: int = DUE_SHARDS):
        self.table_name = table_name
        self._ddb = client
        self._shards = shards
        self._local = threading.local()

    @property
    def _revs(self) -> dict[str, int]:
        if not hasattr(self._local, "revs"):
            self._local.revs = {}
        return self._local.revs

    def _decode(self, item: dict) -> ChildState:
        state = ChildState.from_item(json.loads(zlib.decompress(item["doc"]["B"])))
        self._revs[state.nhs_number] = int(item["rev"]["N"])
        return state

    def get(self, nhs_number: str) -> ChildState | None:
        try:
            item = self._ddb.get_item(TableName=self.table_name, Key={"pk": {"S": _pk(nhs_number)}},
                                      ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StateStoreError(f"state read failed ({describe(exc)})") from exc
        if item is None:
            self._revs[nhs_number] = 0
            return None
        return self._decode(item)

    def _query(self, **kwargs) -> list[ChildState]:
        out: list[ChildState] = []
        try:
            for page in self._ddb.get_paginator("query").paginate(TableName=self.table_name, **kwargs):
                out += [self._decode(i) for i in page.get("Items", [])]
        except (ClientError, BotoCoreError) as exc:
            raise StateStoreError(f"state query failed ({describe(exc)})") from exc
        return out

    def by_household(self, household: str) -> list[ChildState]:
        return self._query(IndexName="household-index", KeyConditionExpression="household = :h",
                           ExpressionAttributeValues={":h": {"S": household}})

    def due(self, until: datetime, limit: int | None = None) -> list[ChildState]:
        cutoff = until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        found: list[ChildState] = []
        for shard in range(self._shards):
            found += self._query(IndexName="due-index",
                                 KeyConditionExpression="due_shard = :s AND next_due <= :t",
                                 ExpressionAttributeValues={":s": {"S": str(shard)}, ":t": {"S": cutoff}})
        # the GSI is eventually consistent: re-read each child before acting on it
        fresh = [s for s in (self.get(c.nhs_number) for c in found) if s is not None and s.next_due
                 and _utc_key(s.next_due) <= cutoff]
        fresh.sort(key=lambda s: _utc_key(s.next_due))
        return fresh[:limit] if limit else fresh

    def put(self, state: ChildState) -> None:
        rev = self._revs.get(state.nhs_number)
        item = {"pk": {"S": _pk(state.nhs_number)}, "rev": {"N": str((rev or 0) + 1)},
                "doc": {"B": zlib.compress(json.dumps(state.to_item(), separators=(",", ":")).encode(), 6)}}
        if state.household:
            item["household"] = {"S": state.household}
        if state.next_due:
            item["next_due"] = {"S": _utc_key(state.next_due)}
            item["due_shard"] = {"S": _shard(state.nhs_number)}
        if rev:
            cond = {"ConditionExpression": "rev = :r", "ExpressionAttributeValues": {":r": {"N": str(rev)}}}
        else:  # not read, or read as absent: must still be absent
            cond = {"ConditionExpression": "attribute_not_exists(pk)"}
        try:
            self._ddb.put_item(TableName=self.table_name, Item=item, **cond)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StateConflictError("child state changed concurrently; retrying the record") from exc
            raise StateStoreError(f"state write failed ({describe(exc)})") from exc
        except BotoCoreError as exc:
            raise StateStoreError(f"state write failed ({describe(exc)})") from exc
        self._revs[state.nhs_number] = (rev or 0) + 1
