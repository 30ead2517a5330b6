"""Reading the audit table: chain heads, records in chain order, the commissioners' query, verification.

`DynamoDBAuditLog` (the writer) extends this; the audit API and the digest only read through it.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from botocore.exceptions import ClientError

from hub.adapters.dynamodb_audit_items import from_item, strip_keys
from hub.adapters.errors import AdapterError
from hub.core.audit.chain import GENESIS, HEAD_SK, ChainReport, Head, chain_names, verify_chain
from hub.core.audit.model import AuditError
from hub.core.audit.query import AuditFilters, Cursor, matches


class AuditWriteError(AuditError, AdapterError):
    pass


class AuditReadError(AuditError, AdapterError):
    pass


class AuditConflictError(AuditWriteError):
    """Gave up after too many lost races for the chain head."""


class AuditTableReader:
    table_name: str
    client: Any
    shards: int
    _chain_key: bytes | None

    @property
    def chains(self) -> list[str]:
        return chain_names(self.shards)

    @property
    def _key(self) -> bytes:
        if self._chain_key is None:
            raise AuditWriteError("no audit key: records cannot be MAC'd or checked", retryable=False)
        return self._chain_key

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
        rec = from_item(item)
        return Head(chain, int(rec.get("seq", 0)), str(rec.get("hash", GENESIS)), rec.get("at"))

    def heads(self) -> list[Head]:
        return [self.head(c) for c in self.chains]

    def tail(self, chain: str) -> Head:
        """The last record actually stored in the chain."""
        for item in self._query_items(chain, forward=False, page_size=1, max_items=1):
            rec = from_item(item)
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
                rec = strip_keys(from_item(item))
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
                rec = strip_keys(from_item(item))
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
                    yield from_item(raw)
                for raw in self._query_items(chain):
                    yield from_item(raw)

            records = list(items())
            after = self.head(chain)
            reports.append(verify_chain(chain, records, head_before=before, head_after=after,
                                        anchor=anchors.get(chain), start=start, end=end, key=self._key))
        return reports
