"""TransactWriteItems on moto without copying whole tables (the embedded emulator and LocalStack's DynamoDB).

To roll a failed transaction back, moto deep-copies every table the transaction names before running it,
so each audit append (a transaction on the audit table) costs time in proportion to the whole audit log:
py-spy put ~40 % of LocalStack's CPU in that copy during the LocalStack suite. Here only the items the
transaction names are copied (with the length of the table's stream), moto's own table copy is skipped,
and a transaction that fails is rolled back from those copies: all or nothing, as before.

Pure apart from moto, so that LocalStack's plugin (infra/localstack/plugin) can load this file by its path
into LocalStack's own Python. Callers must serialise DynamoDB requests, as both emulators here do.
"""
from __future__ import annotations

import functools
import copy
import threading
_skip_table_copy = threading.local()


class _TableCopyShim:
    """Stands in for the `copy` module inside moto.dynamodb.models: while a transaction runs on this thread,
    deepcopy hands a table back as it is (moto's rollback assignment then changes nothing)."""

    def __init__(self, table_class) -> None:
        self._table = table_class

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        if getattr(_skip_table_copy, "on", False) and isinstance(value, self._table):
            return value
        return copy.deepcopy(value, memo)


def _key_of(table, op_type: str, op: dict) -> dict | None:
    if op_type == "Put":
        attrs = op.get("Item") or {}
        names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
        if not all(n in attrs for n in names):
            return None
        return {n: attrs[n] for n in names}
    return op.get("Key")


def _snapshot(backend, transact_items: list) -> list | None:
    """[(table name, key, copy of the item or None)] and the tables' stream lengths; None if any op is unusual
    (moto's own path then runs, table copies and all, and reports it)."""
    items, streams = [], {}
    for entry in transact_items:
        if len(entry) != 1:
            return None
        op_type, op = next(iter(entry.items()))
        name = op.get("TableName") if isinstance(op, dict) else None
        if name not in backend.tables:
            return None
        table = backend.tables[name]
        key = _key_of(table, op_type, op)
        if key is None:
            return None
        try:
            current = backend.get_item(name, key)
        except Exception:  # noqa: BLE001 - a malformed key: moto's own path reports it
            return None
        items.append((name, key, copy.deepcopy(current)))
        if table.stream_shard is not None:
            streams[name] = len(table.stream_shard.items)
    return [items, streams]


def _restore(backend, snapshot: list) -> None:
    items, streams = snapshot
    for name, key, old in reversed(items):
        table = backend.tables[name]
        hash_key, range_key = backend.get_keys_value(table, key)
        if old is None:  # the transaction created it
            if range_key:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items.pop(hash_key, None)
        elif range_key:
            table.items[hash_key][range_key] = old
        else:
            table.items[hash_key] = old
    for name, length in streams.items():
        del backend.tables[name].stream_shard.items[length:]


@functools.cache
def install() -> None:
    """Patch moto's DynamoDB backend, once per process (moto's backends are per process too)."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    models.copy = _TableCopyShim(Table)
    moto_transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items, *args, **kwargs):
        snapshot = _snapshot(self, transact_items) if len(transact_items) <= 100 else None
        if snapshot is None:
            return moto_transact(self, transact_items, *args, **kwargs)
        _skip_table_copy.on = True
        try:
            return moto_transact(self, transact_items, *args, **kwargs)
        except BaseException:
            _restore(self, snapshot)
            raise
        finally:
            _skip_table_copy.on = False

    models.DynamoDBBackend.transact_write_items = transact_write_items
