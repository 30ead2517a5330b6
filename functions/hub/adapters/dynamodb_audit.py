"""The hub's one audit writer (and reader): MAC-chained, append-only records in DynamoDB.

Item shapes: `hub.adapters.dynamodb_audit_items`. No GSI.

Append-only: a record is written once, by a PutItem conditioned on attribute_not_exists, and never
updated or deleted. Each chain's head item moves by a PutItem conditioned on the seq and hash it
replaces. The functions' roles hold PutItem and GetItem on the table (and Query where they read) but
never UpdateItem, DeleteItem or BatchWriteItem (`infra/checkov` checks the template for that).
Records carry an HMAC under the chain key (`hub.core.audit.chain.chain_key`), so a table writer
without the audit secret cannot forge a record that verifies.

Once per business fact: a record whose body has `once` (see `hub.core.audit.model.ONCE_PER`) also
claims the marker item `once#<token>` with attribute_not_exists; a retried step finds the marker and
gets the first record back instead of appending a second. A marker is trusted only if the record it
leads to carries the same token and a valid MAC, so a forged marker cannot suppress a record.

Concurrency: by default (`atomic_head=True`) each append is one TransactWriteItems that puts the
record(s), their markers and the moved head, retrying on conflict with jittered backoff. `append_many`
chains up to 99 items per transaction.

`atomic_head=False` ("claim" mode, for emulators: moto copies the whole table on every transaction,
which makes large local load tests quadratic) puts each record conditionally on its (chain, seq) slot
and moves the head afterwards, monotonically; it also needs Query (the tail). A marker is claimed
before its record, naming the tail it saw, so a retry after a crash between the two searches the
chain from there. If a writer dies between the record and the head, verify reports the record as
beyond the head until the next append moves the head past it.
"""
from __future__ import annotations

import json
import random
import threading
import time
from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError

from hub.adapters.dynamodb_audit_items import from_item, head_item, once_item, once_key, strip_keys, to_item
from hub.adapters.dynamodb_audit_read import AuditConflictError, AuditReadError, AuditTableReader, AuditWriteError
from hub.core.audit.chain import Head, chain_key, hash_matches, link, link_many, record_sk, shard_for, shard_key
from hub.core.audit.model import AuditEntry, build_body, child_hash

__all__ = ["AuditConflictError", "AuditReadError", "AuditWriteError", "DynamoDBAuditLog"]

MAX_TX_ITEMS = 99  # records and markers, + the head = DynamoDB's 100-item transaction limit
MAX_TX_BYTES = 3_000_000
_RETRYABLE = {"ConditionalCheckFailed", "TransactionConflict", "None", None}
_THROTTLED = {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
              "TransactionInProgressException", "InternalServerError"}


class DynamoDBAuditLog(AuditTableReader):
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
        self._chain_key = chain_key(hmac_key) if hmac_key else None
        self.shards = max(1, int(shards))
        self.atomic_head = atomic_head
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._rng = rng
        self._heads: dict[str, Head] = {}  # last head this instance wrote; saves a read when uncontended
        self._lock = threading.Lock()
        self.conflicts = 0  # lost races for a chain head/slot (retried); a contention metric

    def child_hash(self, nhs_number: str) -> str:
        return child_hash(self._hmac_key, nhs_number)

    # ---- writing ----------------------------------------------------------------------
    def append(self, entry: AuditEntry) -> dict:
        """Append one record; returns it as stored (with chain, seq, prev_hash, hash), or the record
        already written for the same business fact."""
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
        results: list[dict | None] = [None] * len(bodies)
        first: dict[str, int] = {}
        same_as = {}  # a second body for one business fact gets the first one's record
        for i, b in enumerate(bodies):
            if b.get("once") in first:
                same_as[i] = first[b["once"]]
            elif b.get("once"):
                first[b["once"]] = i
        todo = [i for i in range(len(bodies)) if i not in same_as]
        unmarked: set[int] = set()  # its marker exists but leads nowhere (forged): write without one
        for attempt in range(self.max_attempts):
            if not todo:
                break
            head = self._cached_head(chain) or self.head(chain)
            records = link_many([bodies[i] for i in todo], chain=chain, seq=head.seq, prev_hash=head.hash,
                                key=self._key)
            items: list[dict] = [{"Put": {"TableName": self.table_name, "Item": to_item(r),
                                          "ConditionExpression": "attribute_not_exists(sk)"}} for r in records]
            marker_of: dict[int, int] = {}  # transaction position -> body index
            for i, rec in zip(todo, records):
                if rec.get("once") and i not in unmarked:
                    marker_of[len(items)] = i
                    items.append({"Put": {"TableName": self.table_name, "ConditionExpression": "attribute_not_exists(pk)",
                                          "Item": once_item(rec["once"], chain, seq=rec["seq"])}})
            items.append({"Put": self._head_put(chain, head, records[-1])})
            try:
                self.client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                reasons = self._cancellation(exc, chain)
                self._forget_head(chain)
                hits = [marker_of[p] for p, code in enumerate(reasons) if p in marker_of and code == "ConditionalCheckFailed"]
                for i in hits:
                    found = self._recorded(bodies[i]["once"])
                    if found is None:
                        unmarked.add(i)
                    else:
                        results[i] = found
                todo = [i for i in todo if results[i] is None]
                if not hits:
                    self._backoff(attempt)
                continue
            self._remember_head(Head(chain, records[-1]["seq"], records[-1]["hash"], records[-1]["at"]))
            for i, rec in zip(todo, records):
                results[i] = rec
            todo = []
        if todo:
            raise AuditConflictError(f"audit append to {chain}: lost the head race {self.max_attempts} times")
        for i, j in same_as.items():
            results[i] = results[j]
        return results  # type: ignore[return-value]

    def _head_put(self, chain: str, head: Head, last: dict) -> dict:
        put: dict[str, Any] = {"TableName": self.table_name, "Item": head_item(chain, last["seq"], last["hash"], last["at"])}
        if head.seq == 0:
            put["ConditionExpression"] = "attribute_not_exists(sk)"
        else:
            put["ConditionExpression"] = "#s = :ps AND #h = :ph"
            put["ExpressionAttributeNames"] = {"#s": "seq", "#h": "hash"}
            put["ExpressionAttributeValues"] = {":ps": {"N": str(head.seq)}, ":ph": {"S": head.hash}}
        return put

    def _cancellation(self, exc: ClientError, chain: str) -> list[str | None]:
        """Per-item reasons of a cancelled transaction ([] when throttled); raises if not retryable."""
        code = exc.response.get("Error", {}).get("Code")
        if code == "TransactionCanceledException":
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if not set(reasons) <= _RETRYABLE:
                raise AuditWriteError(f"audit append to {chain} refused: {sorted(map(str, set(reasons)))}") from exc
            return reasons
        if code in _THROTTLED:
            return []
        raise AuditWriteError(f"audit append to {chain} failed: {code}") from exc

    def _append_claim(self, chain: str, bodies: list[dict]) -> list[dict]:
        records, written = [], []
        for body in bodies:
            found = self._claim_once(chain, body["once"]) if body.get("once") else None
            if found is not None:
                self._move_head_after(chain, found)  # the earlier attempt may have died before moving it
                records.append(found)
                continue
            for attempt in range(self.max_attempts):
                tail = self._cached_head(chain) or self.tail(chain)
                rec = link(body, chain=chain, seq=tail.seq + 1, prev_hash=tail.hash, key=self._key)
                try:
                    self.client.put_item(TableName=self.table_name, Item=to_item(rec),
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
                written.append(rec)
                break
            else:
                raise AuditConflictError(f"audit append to {chain}: lost the slot race {self.max_attempts} times")
        if written:
            self._move_head_after(chain, written[-1])
        return records

    def _move_head_after(self, chain: str, last: dict) -> None:
        try:
            self.client.put_item(TableName=self.table_name, Item=head_item(chain, last["seq"], last["hash"], last["at"]),
                                 ConditionExpression="attribute_not_exists(sk) OR #s < :n",
                                 ExpressionAttributeNames={"#s": "seq"},
                                 ExpressionAttributeValues={":n": {"N": str(last["seq"])}})
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise AuditWriteError(f"audit head update on {chain} failed") from exc

    def _claim_once(self, chain: str, token: str) -> dict | None:
        """Claim mode: the marker goes first, naming the tail; None means "not recorded yet, append"."""
        tail = self._cached_head(chain) or self.tail(chain)
        try:
            self.client.put_item(TableName=self.table_name, Item=once_item(token, chain, after_seq=tail.seq),
                                 ConditionExpression="attribute_not_exists(pk)")
            return None
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise AuditWriteError(f"audit append to {chain} failed: cannot claim its business key") from exc
        return self._recorded(token)  # None: an earlier attempt claimed it and died before the record

    def _recorded(self, token: str) -> dict | None:
        """The record a `once` marker leads to, if it is genuine (same token, valid MAC)."""
        try:
            item = self.client.get_item(TableName=self.table_name, Key=once_key(token), ConsistentRead=True).get("Item")
        except ClientError as exc:
            raise AuditReadError("cannot read an audit business-key marker") from exc
        marker = from_item(item) if item else {}
        chain = marker.get("chain")
        if not isinstance(chain, str) or chain not in self.chains:
            return None
        if isinstance(marker.get("seq"), int):
            candidates = self._query_items(chain, after_sk=record_sk(marker["seq"] - 1), max_items=1)
        elif isinstance(marker.get("after_seq"), int):
            candidates = self._query_items(chain, after_sk=record_sk(marker["after_seq"]))
        else:
            return None
        for raw in candidates:
            rec = from_item(raw)
            if rec.get("once") == token and rec.get("chain") == chain and hash_matches(rec, self._key):
                return strip_keys(rec)
        return None

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


def _batches(indexed: list[tuple[int, dict]]) -> Iterator[list[tuple[int, dict]]]:
    batch: list[tuple[int, dict]] = []
    size = items = 0
    for pair in indexed:
        n = len(json.dumps(pair[1], default=str)) + 400
        k = 2 if pair[1].get("once") else 1  # the record and its marker
        if batch and (items + k > MAX_TX_ITEMS or size + n > MAX_TX_BYTES):
            yield batch
            batch, size, items = [], 0, 0
        batch.append(pair)
        size += n
        items += k
    if batch:
        yield batch
