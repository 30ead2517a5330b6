"""The JSON text of a body: a parse that spots repeated keys, and walks that locate faults in the parsed tree."""
from __future__ import annotations

import json
import re

import orjson

MAX_DEPTH = 200  # fault-locating walks stop here; the parser itself refuses ~1000 levels
# One step of a scan over JSON text: any strings and other bytes, up to and including the next "," ":" "[" or
# "{" outside a string (or the end). Possessive throughout, and an unterminated string runs to the end, so each
# step matches wherever it starts: a scan is one pass, whatever the bytes.
_STEP = re.compile(rb'(?:"(?:[^"\\]++|\\.)*+(?:"|\Z)|[^,:\[{"]++)*+([,:\[{]|\Z)', re.DOTALL)


def no_duplicate_keys(body: bytes, data: dict) -> bool:
    """True when the body certainly has no repeated key (JSON parsers keep the last one silently).

    Without \\u escapes every quote in the body is a string delimiter or an escaped quote; re-serialising the
    parsed value reproduces each, so equal quote counts mean no key was dropped. Otherwise: undecided.
    """
    if b"\\u" in body:
        return False
    try:
        return body.count(b'"') == orjson.dumps(data).count(b'"')
    except (TypeError, orjson.JSONEncodeError):
        return False


def json_value_count(body: bytes, stop_after: int) -> int:
    """The "," ":" "[" and "{" outside strings, counted up to ``stop_after + 1``: at least the number of values
    (objects, arrays, scalars) less one, since every value but the first follows one of them, and a key counts
    as a value. No parse and no copy: a match object at a time."""
    n, pos, end = 0, 0, len(body)
    while pos < end and n <= stop_after:
        m = _STEP.match(body, pos)
        if m.start(1) == m.end(1):  # the end of the text
            break
        n, pos = n + 1, m.end()
    return n


def json_values_over(body: bytes, limit: int) -> bool:
    """True when the JSON text holds more than ``limit`` values, judged before any parse: the cost of parsing,
    validating and reporting on a body grows with its values, not its bytes."""
    if len(body) <= limit:  # every value but the first takes at least one of the counted bytes
        return False
    # the same bytes counted in strings too (C speed): only a body over the limit by that count is scanned
    if body.count(b",") + body.count(b":") + body.count(b"[") + body.count(b"{") <= limit:
        return False
    return json_value_count(body, limit) > limit


def json_kind(v) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(v), "number")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class DuplicateKeyParser:
    """stdlib JSON parse (C scanner) with a hook per object that spots repeated keys."""

    __slots__ = ("duplicate",)

    def __init__(self):
        self.duplicate: str | None = None

    def loads(self, text: str):
        return json.loads(text, object_pairs_hook=self._hook, parse_constant=_reject_constant)

    def _hook(self, pairs: list) -> dict:
        d = dict(pairs)
        if len(d) != len(pairs) and self.duplicate is None:
            seen = set()
            for k, _ in pairs:
                if k in seen:
                    self.duplicate = k
                    break
                seen.add(k)
        return d


def iter_nodes(node, path: str, entry: int | None, depth: int = 0):
    """(node, path, entry index) for every object below ``node``; only used to locate faults."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        yield node, path, entry
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                if depth == 0 and k == "entry" and isinstance(v, list):
                    for i, e in enumerate(v):
                        yield from iter_nodes(e, f"Bundle.entry[{i}]", i, depth + 2)
                else:
                    yield from iter_nodes(v, f"{path}.{k}", entry, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from iter_nodes(v, f"{path}[{i}]", entry, depth + 1)


def locate_refs(data: dict, wanted: set[str]) -> list[tuple[str, str, int | None]]:
    return [(f"{p}.reference", n["reference"], e) for n, p, e in iter_nodes(data, "Bundle", None)
            if n.get("reference") in wanted and p != "Bundle"]


def locate_duplicate(data: dict, key: str) -> str:
    # the parsed tree keeps one copy of the key: point at the first object holding it
    for n, p, _ in iter_nodes(data, "Bundle", None):
        if key in n:
            return f"{p}.{key}"
    return "Bundle"
