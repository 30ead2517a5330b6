"""Message validation: the ingest contract (spec §1-4), shared by `POST /$process-message` and `safeguard validate`.

Pure: no I/O, no clock (``now`` is passed in). Never raises for any input.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import orjson

from hub.core.messages import Caller, Message
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
]

MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_DEPTH = 64  # real messages nest < 20 levels; deeper input is refused before the model sees it
_MEDIA_TYPES = ("application/fhir+json", "application/json")
_KEY_RE = re.compile(rb'"(?:[^"\\]|\\.)*"\s*:')


@dataclass(frozen=True)
class Verdict:
    status: int  # 202 accepted; 400 not JSON; 403 sender/kind not authorised; 413 too large; 415 media type; 422 contract
    outcome: dict  # a FHIR OperationOutcome (informational on 202, errors otherwise)
    message: Message | None  # the normalised message when status == 202


def _fail(status: int, code: str, diagnostics: str, expression: str | None = None) -> Verdict:
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
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "depth limit" in text or "recursion" in text:
            return _fail(422, "too-long", f"the JSON nests deeper than {MAX_DEPTH} levels", "Bundle")
        if "infinity" in text:
            return _fail(422, "value", "a number is out of range", "Bundle")
        return _fail(400, "structure", f"the body is not JSON: {text[:200]}")
    if not isinstance(data, dict):
        return _fail(400, "structure", f"the body must be a JSON object (a FHIR Bundle), not a {_json_kind(data)}")

    walk = _Walk()
    walk.visit(data, "Bundle", 0, None)
    if walk.too_deep:
        return Verdict(422, operation_outcome(walk.too_deep[:1]), None)
    if walk.key_count != len(_KEY_RE.findall(body)):
        return _fail(422, "structure", "the JSON repeats a key inside one object", "Bundle")

    from hub.core.validation import models  # lazy: keeps import light for modules that only need Verdict

    issues = list(walk.issues)
    issues.extend(_structural_issues(models, data))
    from hub.core.validation.envelope import Checker

    checker = Checker(data, now, caller)
    try:
        message = checker.run(walk.refs, models.CHOICE_GROUPS, models.REQUIRED_CHOICES)
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


class _Walk:
    """One pass over the parsed JSON: depth guard, key count (duplicate keys), literal references."""

    __slots__ = ("key_count", "refs", "issues", "too_deep")

    def __init__(self):
        self.key_count = 0
        self.refs: list[tuple[str, str, int | None]] = []
        self.issues: list[dict] = []
        self.too_deep: list[dict] = []

    def visit(self, node, path: str, depth: int, entry: int | None) -> None:
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.too_deep.append(issue("too-long", f"the JSON nests deeper than {MAX_DEPTH} levels", path))
            return
        if isinstance(node, dict):
            self.key_count += len(node)
            ref = node.get("reference")
            if isinstance(ref, str) and depth > 1:
                self.refs.append((f"{path}.reference", ref, entry))
            if "url" in node and sum(1 for k in node if k.startswith("value")) > 1:
                self.issues.append(issue("structure", "an extension has only one value[x]", path))
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    if depth == 0 and k == "entry" and isinstance(v, list):
                        for i, e in enumerate(v):
                            self.visit(e, f"Bundle.entry[{i}]", depth + 2, i)
                    else:
                        self.visit(v, f"{path}.{k}", depth + 1, entry)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    self.visit(v, f"{path}[{i}]", depth + 1, entry)
                elif isinstance(node, list) and v is None and path.rsplit(".", 1)[-1][:1] != "_":
                    pass  # primitive arrays may hold null alongside a `_x` array


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
}
_DIAG = {
    "missing": "required element missing",
    "extra_forbidden": "unknown element (not defined by FHIR R4 for this type)",
    "string_pattern_mismatch": "not a valid value for this FHIR type",
    "union_tag_invalid": "resource type not supported in a hub message",
    "union_tag_not_found": "resourceType missing",
    "too_short": "arrays must not be empty",
}


def _structural_issues(models, data: dict) -> list[dict]:
    from pydantic import ValidationError

    try:
        models.Bundle.model_validate(data)
        return []
    except ValidationError as exc:
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
