"""Message validation: the ingest contract (spec §1-4), shared by `POST /$process-message` and `safeguard validate`.

Pure: no I/O, no clock (``now`` is passed in). Never raises for any input.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import orjson

from hub.core.messages import Caller, Message
from hub.core.validation.envelope import Checker
from hub.core.validation.outcome import issue, operation_outcome, outcome_error, outcome_info

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "Verdict",
    "issue",
    "operation_outcome",
    "outcome_error",
    "outcome_info",
    "validate_message",
    "warm_up",
]

MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_DEPTH = 200  # fault-locating walks stop here; the parser itself refuses ~1000 levels
_MEDIA_TYPES = ("application/fhir+json", "application/json")


@dataclass(frozen=True)
class Verdict:
    status: int  # 202 accepted; 400 not JSON; 403 sender/kind not authorised; 413 too large; 415 media type; 422 contract
    outcome: dict  # a FHIR OperationOutcome (informational on 202, errors otherwise)
    message: Message | None  # the normalised message when status == 202


def _fail(status: int, code: str, diagnostics: str, expression: str = "Bundle") -> Verdict:
    return Verdict(status, outcome_error(code, diagnostics, expression, status=status), None)


def _media_type_ok(content_type: str | None) -> bool:
    if content_type is None:
        return True
    if not isinstance(content_type, str):
        return False
    return content_type.split(";", 1)[0].strip().lower() in _MEDIA_TYPES


def validate_message(body: bytes, *, content_type: str | None, caller: Caller | None, now: datetime) -> Verdict:
    """Validate one posted message. ``caller=None`` skips the sender/kind authorisation checks."""
    try:
        return _validate(body, content_type, caller, now)
    except Exception as exc:  # noqa: BLE001 - the contract: never a 5xx for caller input
        return _fail(422, "exception", f"the message could not be processed ({type(exc).__name__})", "Bundle")


def _validate(body, content_type, caller, now) -> Verdict:
    if not _media_type_ok(content_type):
        return _fail(415, "not-supported", "Content-Type must be application/fhir+json (or application/json)")
    if isinstance(body, str):
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:
            return _fail(400, "structure", "the body is not UTF-8")
    elif isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    elif not isinstance(body, bytes):
        return _fail(400, "structure", "the body is not JSON")
    if len(body) > MAX_BODY_BYTES:
        return _fail(413, "too-long", f"the body is over {MAX_BODY_BYTES} bytes")
    if not body.strip():
        return _fail(400, "structure", "the body is empty")

    adapter, ValidationError = _adapter()
    # fast path: one Rust pass parses and checks structure, collecting literal references
    refs: set[str] = set()
    try:
        data = adapter.validate_json(body, context=refs)
    except ValidationError:
        data = None
    if data is not None and _no_duplicate_keys(body, data):
        return _contract(data, refs, [], caller, now)
    return _slow_path(body, adapter, caller, now)


_ADAPTER: tuple | None = None


def _adapter():
    """(the Bundle TypeAdapter, pydantic's ValidationError), built on first use; cached (imports are slow per call)."""
    global _ADAPTER
    if _ADAPTER is None:
        from pydantic_core import ValidationError

        from hub.core.validation.models import bundle_adapter

        _ADAPTER = (bundle_adapter(), ValidationError)
    return _ADAPTER


def warm_up() -> None:
    """Build the validator now (a few hundred ms) instead of on the first message: call from a Lambda's init."""
    _adapter()


def _no_duplicate_keys(body: bytes, data: dict) -> bool:
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


def _slow_path(body: bytes, adapter, caller, now) -> Verdict:
    """Exact classification of a body the fast path did not accept: 400/422 with every fault located."""
    ValidationError = _adapter()[1]

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _fail(400, "structure", "the body is not UTF-8")
    parser = _Parser()
    try:
        data = parser.loads(text)
    except RecursionError:
        return _fail(422, "too-long", "the JSON nests too deeply", "Bundle")
    except json.JSONDecodeError as exc:
        return _fail(400, "structure", f"the body is not JSON: {exc.msg} at char {exc.pos}")
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        if "not JSON" in str(exc):
            return _fail(400, "structure", f"the body is not JSON: {exc}")
        return _fail(422, "value", f"a number is out of range: {str(exc)[:80]}", "Bundle")
    if "\\u" in text:
        # the stdlib parser lets lone surrogates (\\ud800) through; orjson is strict about them
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "surrogate" in str(exc):
                return _fail(400, "structure", f"the body is not valid JSON text: {str(exc)[:120]}")
    if not isinstance(data, dict):
        return _fail(400, "structure", f"the body must be a JSON object (a FHIR Bundle), not a {_json_kind(data)}")
    issues: list[dict] = []
    if parser.duplicate is not None:
        issues.append(issue("structure", f"the key '{parser.duplicate[:60]}' repeats inside one object",
                            _locate_duplicate(data, parser.duplicate)))
    try:
        adapter.validate_python(data)
    except ValidationError as exc:
        issues.extend(_structural_issues(exc))
    refs = {n["reference"] for n, _, _ in _iter_nodes(data, "Bundle", None) if isinstance(n.get("reference"), str)}
    return _contract(data, refs, issues, caller, now)


def _contract(data: dict, refs: set[str], issues: list[dict], caller, now) -> Verdict:
    """The contract checks (§2-4) and authorisation (§1) on a parsed Bundle."""
    checker = Checker(data, now, caller)
    try:
        message = checker.run(refs, _locate_refs)
    except Exception:  # noqa: BLE001 - only tolerated when the structure already failed
        if not issues and not checker.errors:
            raise
        message = None
    if checker.forbidden:
        return Verdict(403, operation_outcome(checker.forbidden), None)
    issues.extend(checker.errors)
    if issues or message is None:
        if not issues:
            issues.append(issue("invalid", "the message breaks the contract", "Bundle"))
        return Verdict(422, operation_outcome(_dedupe(issues)), None)
    info = f"accepted {message.event} ({message.event_type}) message {message.message_id}"
    return Verdict(202, outcome_info(info, checker.warnings), message)


def _json_kind(v) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(v), "number")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class _Parser:
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


def _iter_nodes(node, path: str, entry: int | None, depth: int = 0):
    """(node, path, entry index) for every object below ``node``; only used to locate faults."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        yield node, path, entry
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                if depth == 0 and k == "entry" and isinstance(v, list):
                    for i, e in enumerate(v):
                        yield from _iter_nodes(e, f"Bundle.entry[{i}]", i, depth + 2)
                else:
                    yield from _iter_nodes(v, f"{path}.{k}", entry, depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from _iter_nodes(v, f"{path}[{i}]", entry, depth + 1)


def _locate_refs(data: dict, wanted: set[str]) -> list[tuple[str, str, int | None]]:
    return [(f"{p}.reference", n["reference"], e) for n, p, e in _iter_nodes(data, "Bundle", None)
            if n.get("reference") in wanted and p != "Bundle"]


def _locate_duplicate(data: dict, key: str) -> str:
    # the parsed tree keeps one copy of the key: point at the first object holding it
    for n, p, _ in _iter_nodes(data, "Bundle", None):
        if key in n:
            return f"{p}.{key}"
    return "Bundle"


# pydantic error type -> FHIR issue type
_ERROR_CODES = {
    "missing": "required",
    "extra_forbidden": "structure",
    "string_pattern_mismatch": "value",
    "string_too_long": "too-long",
    "string_too_short": "value",
    "too_short": "structure",
    "too_long": "too-long",
    "literal_error": "value",
    "union_tag_invalid": "not-supported",
    "union_tag_not_found": "required",
    "greater_than_equal": "value",
    "less_than_equal": "value",
    "greater_than": "value",
    "less_than": "value",
    "finite_number": "value",
    "recursion_loop": "too-long",
    "choice_multiple": "structure",
    "choice_missing": "required",
}
_DIAG = {
    "dict_type": "must be a JSON object (a FHIR complex type)",
    "model_type": "must be a JSON object (a FHIR complex type)",
    "list_type": "must be a JSON array",
    "string_type": "must be a JSON string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "missing": "required element missing",
    "extra_forbidden": "unknown element (not defined by FHIR R4 for this type)",
    "string_pattern_mismatch": "not a valid value for this FHIR type",
    "union_tag_invalid": "resource type not supported in a hub message",
    "union_tag_not_found": "resourceType missing",
    "too_short": "arrays must not be empty",
}


def _structural_issues(exc) -> list[dict]:
    out = []
    for e in exc.errors(include_url=False, include_input=False, include_context=True):
        etype = e["type"]
        code = _ERROR_CODES.get(etype) or ("structure" if etype.endswith("_type") else "invalid")
        expr = _fhirpath(e["loc"])
        diag = _DIAG.get(etype, e["msg"])
        if etype == "string_pattern_mismatch":
            diag = f"{diag} ({expr.rsplit('.', 1)[-1]})"
        out.append(issue(code, diag, expr))
    return out


def _fhirpath(loc: tuple) -> str:
    parts = ["Bundle"]
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
            continue
        item = str(item)
        # FHIR element names start lower-case or "_": an upper-case item is pydantic's discriminator tag
        # (the resource type); items with "-" or "[" are union branch labels, not paths
        if item[:1].isupper() or "[" in item or "-" in item or item in ("int", "float", "str", "bool"):
            continue
        parts.append(item)
    return ".".join(parts)


def _dedupe(issues: list[dict]) -> list[dict]:
    seen = set()
    out = []
    for i in issues:
        key = (i.get("code"), tuple(i.get("expression", ())))
        if key in seen:
            continue
        seen.add(key)
        out.append(i)
    return out
