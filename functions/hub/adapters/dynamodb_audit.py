"""The hub's one audit writer (and reader): hash-chained records in DynamoDB.

Table: partition key `pk` (S) = chain name (`chain#00`..), sort key `sk` (S) =
`r#<seq:012d>` for records and `head` for the chain head item. No GSI.

Concurrency: by default (`atomic_head=True`) each append is one TransactWriteItems
that puts the record(s) with attribute_not_exists and moves the head item
conditioned on its previous seq and hash, retrying on conflict with jittered
backoff. `append_many` chains up to 99 records per transaction.

`atomic_head=False` ("claim" mode) puts each record conditionally on its
(chain, seq) slot and moves the head afterwards, monotonically; the chain stays
correct, and it avoids transactions (moto copies the whole table on every
transaction, which makes large local load tests quadratic). If a writer dies
between the two calls, verify reports the record as beyond the head until the
next append moves the head past it.
"""
from __future__ import annotations

import json
import random
import threading
import time
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from hub.adapters.errors import AdapterError
from hub.core.audit.chain import (
    GENESIS,
    HEAD_SK,
    ChainReport,
    Head,
    chain_names,
    link,
    link_many,
    record_sk,
    shard_for,
    shard_key,
    verify_chain,
)
from hub.core.audit.model import AuditEntry, AuditError, build_body, child_hash
from hub.core.audit.query import AuditFilters, Cursor, matches

MAX_TX_RECORDS = 99  # + the head update = DynamoDB's 100-item transaction limit
MAX_TX_BYTES = 3_000_000
_RETRYABLE = {"ConditionalCheckFailed", "TransactionConflict", "None", None}
_THROTTLED = {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
              "TransactionInProgressException", "InternalServerError"}


class AuditWriteError(AuditError, AdapterError):
    pass


class AuditReadError(AuditError, AdapterError):
    pass


class AuditConflictError(AuditWriteError):
    """Gave up after too many lost races for the chain head."""


# ---- item (de)serialisation: strings as S, ints as N, details as a JSON string -------------
def _to_item(record: dict) -> dict:
    item: dict[str, Any] = {"pk": {"S": record["chain"]}, "sk": {"S": record_sk(record["seq"])}}
    for key, value in record.items():
        if key == "details":
            item[key] = {"S": json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)}
        elif isinstance(value, bool):
            item[key] = {"BOOL": value}
        elif isinstance(value, int):
            item[key] = {"N": str(value)}
        elif value is not None:
            item[key] = {"S": str(value)}
    return item


def _plain(av: dict) -> Any:
    (kind, value), = av.items()
    if kind == "S":
        return value
    if kind == "N":
        d = Decimal(value)
        return int(d) if d == d.to_integral_value() else float(d)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _plain(v) for k, v in value.items()}
    if kind == "L":
        return [_plain(v) for v in value]
    if kind in ("SS", "NS", "BS"):
        return sorted(str(v) for v in value)
    return str(value)


def _from_item(item: dict) -> dict:
    record = {k: _plain(v) for k, v in item.items()}
    details = record.get("details")
    if isinstance(details, str):
        try:
            record["details"] = json.loads(details)
        except ValueError:
            pass  # left as text: its hash will not match, verify reports it
    return record


def _strip_keys(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("pk", "sk")}


class DynamoDBAuditLog:
    def __init__(
        self,
        table_name: str,
        *,
        client: Any,
        hmac_key: bytes,
        shards: int = 1,
        atomic_head: bool = True,
        max_attempts: int = 60,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.table_name = table_name
        self.client = client
        self._hmac_key = hmac_key
        self.shards = max(1, int(shards))
        self.atomic_head = atomic_head
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._rng = rng
        self._heads: dict[str, Head] = {}  # last head this instance wrote; saves a read when uncontended
        self._lock = threading.Lock()
        self.conflicts = 0  # lost races for a chain head/slot (retried); a contention metric

    # ---- identity -------------------------------------------------------------------
    @property
    def chains(self) -> list[str]:
        return chain_names(self.shards)

    def child_hash(self, nhs_number: str) -> str:
        return child_hash(self._hmac_key, nhs_number)

    # ---- writing ----------------------------------------------------------------------
    def append(self, entry: AuditEntry) -> dict:
        """Append one record; returns it as stored (with chain, seq, prev_hash, hash)."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Iterable[AuditEntry]) -> list[dict]:
        """Append several records; records for the same chain keep their given order."""
        bodies = [build_body(e, self._hmac_key) for e in entries]
        by_chain: dict[str, list[tuple[int, dict]]] = {}
        for i, body in enumerate(bodies):
            by_chain.setdefault(shard_for(shard_key(body), self.shards), []).append((i, body))
        out: list[dict | None] = [None] * len(bodies)
        for chain, indexed in by_chain.items():
            for batch in _batches(indexed):
                write = self._append_tx if self.atomic_head else self._append_claim
                try:
                    records = write(chain, [b for _, b in batch])
                except AuditReadError as exc:
                    raise AuditWriteError(f"audit append to {chain} failed: {exc}") from exc
                for (i, _), rec in zip(batch, records):
                    out[i] = rec
        return out  # type: ignore[return-value]

    def _append_tx(self, chain: str, bodies: list[dict]) -> list[dict]:
        for attempt in range(self.max_attempts):
            head = self._cached_head(chain) or self.head(chain)
            records = link_many(bodies, chain=chain, seq=head.seq, prev_hash=head.hash)
            last = records[-1]
            items = [
                {"Put": {"TableName": self.table_name, "Item": _to_item(r),
                         "ConditionExpression": "attribute_not_exists(sk)"}}
                for r in records
            ]
            head_update: dict[str, Any] = {
                "TableName": self.table_name,
                "Key": {"pk": {"S": chain}, "sk": {"S": HEAD_SK}},
                "UpdateExpression": "SET #s = :n, #h = :h, #a = :a",
                "ExpressionAttributeNames": {"#s": "seq", "#h": "hash", "#a": "at"},
                "ExpressionAttributeValues": {":n": {"N": str(last["seq"])}, ":h": {"S": last["hash"]},
                                              ":a": {"S": last["at"]}},
            }
            if head.seq == 0:
                head_update["ConditionExpression"] = "attribute_not_exists(#s)"
            else:
                head_update["ConditionExpression"] = "#s = :ps AND #h = :ph"
                head_update["ExpressionAttributeValues"].update({":ps": {"N": str(head.seq)}, ":ph": {"S": head.hash}})
            items.append({"Update": head_update})
            try:
                self.client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "TransactionCanceledException":
                    reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
                    if not reasons <= _RETRYABLE:
                        raise AuditWriteError(f"audit append to {chain} refused: {sorted(map(str, reasons))}") from exc
                elif code not in _THROTTLED:
                    raise AuditWriteError(f"audit append to {chain} failed: {code}") from exc
                self._forget_head(chain)
                self._backoff(attempt)
                continue
            self._remember_head(Head(chain, last["seq"], last["hash"], last["at"]))
            return records
        raise AuditConflictError(f"audit append to {chain}: lost the head race {self.max_attempts} times")

    def _append_claim(self, chain: str, bodies: list[dict]) -> list[dict]:
        records = []
        for body in bodies:
            for attempt in range(self.max_attempts):
                tail = self._cached_head(chain) or self.tail(chain)
                rec = link(body, chain=chain, seq=tail.seq + 1, prev_hash=tail.hash)
                try:
                    self.client.put_item(TableName=self.table_name, Item=_to_item(rec),
                                         ConditionExpression="attribute_not_exists(sk)")
                except ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code")
                    if code not in ("ConditionalCheckFailedException", *_THROTTLED):
                        raise AuditWriteError(f"audit append to {chain} failed: {code}") from exc
                    self._forget_head(chain)
                    self._backoff(attempt)
                    continue
                self._remember_head(Head(chain, rec["seq"], rec["hash"], rec["at"]))
                records.append(rec)
                break
            else:
                raise AuditConflictError(f"audit append to {chain}: lost the slot race {self.max_attempts} times")
        last = records[-1]
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": {"S": chain}, "sk": {"S": HEAD_SK}},
                UpdateExpression="SET #s = :n, #h = :h, #a = :a",
                ConditionExpression="attribute_not_exists(#s) OR #s < :n",
                ExpressionAttributeNames={"#s": "seq", "#h": "hash", "#a": "at"},
                ExpressionAttributeValues={":n": {"N": str(last["seq"])}, ":h": {"S": last["hash"]}, ":a": {"S": last["at"]}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise AuditWriteError(f"audit head update on {chain} failed") from exc
        return records

    def _backoff(self, attempt: int) -> None:
        with self._lock:
            self.conflicts += 1
        self._sleep(min(0.5, 0.005 * (2 ** min(attempt, 10))) * self._rng())

    def _cached_head(self, chain: str) -> Head | None:
        with self._lock:
            return self._heads.get(chain)

    def _remember_head(self, head: Head) -> None:
        with self._lock:
            current = self._heads.get(head.chain)
            if current is None or current.seq < head.seq:
                self._heads[head.chain] = head

    def _forget_head(self, chain: str) -> None:
        with self._lock:
            self._heads.pop(chain, None)

    # ---- reading ----------------------------------------------------------------------
    def head(self, chain: str | None = None) -> Head:
        """The chain's head item (seq 0 / GENESIS when the chain is empty). Strongly consistent."""
        chain = chain or self.chains[0]
        try:
            resp = self.client.get_item(TableName=self.table_name, ConsistentRead=True,
                                        Key={"pk": {"S": chain}, "sk": {"S": HEAD_SK}})
        except ClientError as exc:
            raise AuditReadError(f"cannot read the head of {chain}") from exc
        item = resp.get("Item")
        if not item:
            return Head(chain, 0, GENESIS, None)
        rec = _from_item(item)
        return Head(chain, int(rec.get("seq", 0)), str(rec.get("hash", GENESIS)), rec.get("at"))

    def heads(self) -> list[Head]:
        return [self.head(c) for c in self.chains]

    def tail(self, chain: str) -> Head:
        """The last record actually stored in the chain."""
        for item in self._query_items(chain, forward=False, page_size=1, max_items=1):
            rec = _from_item(item)
            if isinstance(rec.get("seq"), int) and "hash" in rec:
                return Head(chain, rec["seq"], rec["hash"], rec.get("at"))
        return Head(chain, 0, GENESIS, None)

    def _query_items(self, chain: str, *, after_sk: str | None = None, forward: bool = True,
                     page_size: int = 500, consistent: bool = True, max_items: int | None = None) -> Iterator[dict]:
        """Raw items of one chain partition except the head, in sort-key order."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :c AND sk > :after",
            "ExpressionAttributeValues": {":c": {"S": chain}, ":after": {"S": after_sk or HEAD_SK}},
            "ScanIndexForward": forward,
            "ConsistentRead": consistent,
            "Limit": page_size,
        }
        if not forward:
            kwargs["KeyConditionExpression"] = "pk = :c AND sk BETWEEN :lo AND :hi"
            kwargs["ExpressionAttributeValues"] = {":c": {"S": chain}, ":lo": {"S": "r#"}, ":hi": {"S": "r#~"}}
        seen = 0
        while True:
            try:
                resp = self.client.query(**kwargs)
            except ClientError as exc:
                raise AuditReadError(f"cannot read audit chain {chain}") from exc
            for item in resp.get("Items", []):
                yield item
                seen += 1
                if max_items is not None and seen >= max_items:
                    return
            lek = resp.get("LastEvaluatedKey")
            if not lek:
                return
            kwargs["ExclusiveStartKey"] = lek

    def _items_before_head(self, chain: str) -> Iterator[dict]:
        """Items sorting before `head` (never written by the hub, so inserted)."""
        try:
            resp = self.client.query(TableName=self.table_name, ConsistentRead=True,
                                     KeyConditionExpression="pk = :c AND sk < :h",
                                     ExpressionAttributeValues={":c": {"S": chain}, ":h": {"S": HEAD_SK}})
        except ClientError as exc:
            raise AuditReadError(f"cannot read audit chain {chain}") from exc
        yield from resp.get("Items", [])

    def iter_records(self, chain: str | None = None, start=None, end=None) -> Iterator[dict]:
        """Records in chain order (chain by chain), optionally only those with start <= at < end."""
        f = AuditFilters(start=start, end=end)
        for c in [chain] if chain else self.chains:
            for item in self._query_items(c, consistent=False):
                rec = _strip_keys(_from_item(item))
                if matches(rec, f):
                    yield rec

    def query(self, filters: AuditFilters, cursor: Cursor | None = None, limit: int = 100) -> tuple[list[dict], Cursor | None]:
        """One page of matching records and the cursor for the next page (None at the end)."""
        chains = self.chains
        index = cursor.chain_index if cursor else 0
        after = cursor.after_sk if cursor else None
        out: list[dict] = []
        while index < len(chains):
            for item in self._query_items(chains[index], after_sk=after, consistent=False):
                rec = _strip_keys(_from_item(item))
                if matches(rec, filters):
                    out.append(rec)
                    if len(out) >= limit:
                        return out, Cursor(index, item["sk"]["S"])
            index, after = index + 1, None
        return out, None

    # ---- verification -----------------------------------------------------------------
    def verify(self, *, start=None, end=None, anchors: dict[str, Head] | None = None,
               chains: Iterable[str] | None = None) -> list[ChainReport]:
        """Verify every chain (or those given). anchors: signed heads from the latest digest."""
        anchors = anchors or {}
        names = sorted(set(chains or self.chains) | set(anchors))
        reports = []
        for chain in names:
            before = self.head(chain)

            def items(chain=chain) -> Iterator[dict]:
                for raw in self._items_before_head(chain):
                    yield _from_item(raw)
                for raw in self._query_items(chain):
                    yield _from_item(raw)

            records = list(items())
            after = self.head(chain)
            reports.append(verify_chain(chain, records, head_before=before, head_after=after,
                                        anchor=anchors.get(chain), start=start, end=end))
        return reports


def _batches(indexed: list[tuple[int, dict]]) -> Iterator[list[tuple[int, dict]]]:
    batch: list[tuple[int, dict]] = []
    size = 0
    for pair in indexed:
        n = len(json.dumps(pair[1], default=str)) + 400
        if batch and (len(batch) >= MAX_TX_RECORDS or size + n > MAX_TX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(pair)
        size += n
    if batch:
        yield batch
