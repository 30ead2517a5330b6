"""DynamoDB item shapes of the audit table: records, chain heads and `once` markers.

Record: pk = chain (`chain#00`..), sk = `r#<seq:012d>`; strings as S, ints as N, `details` as a JSON string.
Head: pk = chain, sk = `head` (`seq`, `hash`, `at`). Marker: pk = `once#<token>`, sk = `once`, naming the
chain (and, when known, the seq) of the one record of a business fact; markers never share a chain's
partition, so reading a chain never meets one.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hub.core.audit.chain import HEAD_SK, record_sk

ONCE_PK_PREFIX = "once#"
ONCE_SK = "once"


def to_item(record: dict) -> dict:
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


def plain(av: dict) -> Any:
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
        return {k: plain(v) for k, v in value.items()}
    if kind == "L":
        return [plain(v) for v in value]
    if kind in ("SS", "NS", "BS"):
        return sorted(str(v) for v in value)
    return str(value)


def from_item(item: dict) -> dict:
    record = {k: plain(v) for k, v in item.items()}
    details = record.get("details")
    if isinstance(details, str):
        try:
            record["details"] = json.loads(details)
        except ValueError:
            pass  # left as text: its MAC will not match, verify reports it
    return record


def strip_keys(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("pk", "sk")}


def head_item(chain: str, seq: int, hash_: str, at: str) -> dict:
    return {"pk": {"S": chain}, "sk": {"S": HEAD_SK}, "seq": {"N": str(seq)}, "hash": {"S": hash_}, "at": {"S": at}}


def once_key(token: str) -> dict:
    return {"pk": {"S": f"{ONCE_PK_PREFIX}{token}"}, "sk": {"S": ONCE_SK}}


def once_item(token: str, chain: str, *, seq: int | None = None, after_seq: int | None = None) -> dict:
    """`seq`: where the record is (written in the record's transaction); `after_seq`: the chain's tail
    when the marker was claimed ahead of the record (claim mode), so the record is after it."""
    item = {**once_key(token), "chain": {"S": chain}}
    if seq is not None:
        item["seq"] = {"N": str(seq)}
    if after_seq is not None:
        item["after_seq"] = {"N": str(after_seq)}
    return item
