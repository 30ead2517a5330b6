"""Message validation: the ingest contract (spec §1-4), shared by `POST /$process-message` and `safeguard validate`.

Pure: no I/O, no clock (``now`` is passed in). Never raises for any input.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import orjson

from hub.core.messages import Caller, Message
from hub.core.validation.contract import MessageChecker
from hub.core.validation.json_text import (
    MAX_DEPTH,
    DuplicateKeyParser,
    iter_nodes,
    json_kind,
    json_values_over,
    locate_duplicate,
    locate_refs,
    no_duplicate_keys,
)
from hub.core.validation.limits import MAX_JSON_VALUES
from hub.core.validation.outcome import clip, issue, operation_outcome, outcome_error, outcome_info
from hub.core.validation.structure import structural_issues, structure_validator

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
_MEDIA_TYPES = ("application/fhir+json", "application/json")
_BOM = b"\xef\xbb\xbf"


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
    except Exception:  # noqa: BLE001 - the contract: never a 5xx for caller input
        return _fail(422, "exception", "the message could not be processed", "Bundle")


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
    if body.startswith(_BOM):
        # RFC 8259 §8.1: JSON text sent over a network carries no byte order mark; the hub archives exactly
        # the bytes it validated, so it rejects one rather than strip it
        return _fail(400, "structure", "the body starts with a UTF-8 byte order mark (BOM): send the JSON "
                                       "text without one")
    if json_values_over(body, MAX_JSON_VALUES):
        # judged before parsing: what a rejected body costs must not grow with the faults it holds
        return _fail(422, "too-long", f"the message holds more than {MAX_JSON_VALUES} JSON values; a hub message "
                                      "needs far fewer")

    adapter, ValidationError = structure_validator()
    # fast path: one Rust pass parses and checks structure, collecting literal references
    refs: set[str] = set()
    try:
        data = adapter.validate_json(body, context=refs)
    except ValidationError as exc:
        data, fault = None, exc
    else:
        fault = None
    if data is not None and no_duplicate_keys(body, data):
        return _contract(data, refs, [], 0, caller, now)
    return _slow_path(body, adapter, fault, caller, now)


def warm_up() -> None:
    """Build the validator now (a few hundred ms) instead of on the first message: call from a Lambda's init."""
    structure_validator()


def _slow_path(body: bytes, adapter, fault, caller, now) -> Verdict:
    """Exact classification of a body the fast path did not accept: 400/422 with every fault located.

    ``fault``: the fast path's structural ValidationError, if it parsed the body; reused, not recomputed.
    """
    ValidationError = structure_validator()[1]

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _fail(400, "structure", "the body is not UTF-8")
    parser = DuplicateKeyParser()
    try:
        data = parser.loads(text)
    except RecursionError:
        return _fail(422, "too-long", "the JSON nests too deeply", "Bundle")
    except json.JSONDecodeError as exc:
        return _fail(400, "structure", f"the body is not JSON: {clip(exc.msg, 80)} at character {exc.pos}")
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        if "not JSON" in str(exc):
            return _fail(400, "structure", f"the body is not JSON: {clip(str(exc), 80)}")
        return _fail(422, "value", "a number has more digits than any FHIR decimal or integer allows", "Bundle")
    if "\\u" in text:
        # the stdlib parser lets lone surrogates (\\ud800) through; orjson is strict about them
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if "surrogate" in str(exc):
                return _fail(400, "structure", "the body is not valid JSON text: a \\u escape names half of a "
                                               "UTF-16 surrogate pair")
    if not isinstance(data, dict):
        return _fail(400, "structure", f"the body must be a JSON object (a FHIR Bundle), not a {json_kind(data)}")
    issues: list[dict] = []
    if parser.duplicate is not None:
        issues.append(issue("structure", f"the key '{clip(parser.duplicate, 60)}' repeats inside one object",
                            locate_duplicate(data, parser.duplicate)))
    omitted = 0
    if fault is None or _unparsed(fault):
        try:
            adapter.validate_python(data)
        except ValidationError as exc:
            fault = exc
        else:
            fault = None
    if fault is not None:
        found, omitted = structural_issues(fault)
        issues.extend(found)
    refs = {n["reference"] for n, _, _ in iter_nodes(data, "Bundle", None) if isinstance(n.get("reference"), str)}
    return _contract(data, refs, issues, omitted, caller, now)


def _unparsed(fault) -> bool:
    """The fast path's error is about the JSON text (its parser's limits), not the structure."""
    return fault.error_count() == 1 and fault.errors(include_url=False)[0]["type"].startswith("json")


def _contract(data: dict, refs: set[str], issues: list[dict], omitted: int, caller, now) -> Verdict:
    """The contract checks (§2-4) and authorisation (§1) on a parsed Bundle."""
    checker = MessageChecker(data, now, caller)
    try:
        message = checker.run(refs, locate_refs)
    except Exception:  # noqa: BLE001 - only tolerated when the structure already failed
        if not issues and not checker.errors:
            raise
        message = None
    if checker.forbidden:
        return Verdict(403, operation_outcome(checker.forbidden), None)
    issues.extend(checker.errors)
    omitted += checker.omitted
    if issues or message is None:
        if not issues:
            issues.append(issue("invalid", "the message breaks the contract", "Bundle"))
        return Verdict(422, operation_outcome(_dedupe(issues), omitted), None)
    info = f"accepted {message.event} ({message.event_type}) message {message.message_id}"
    return Verdict(202, outcome_info(info, checker.warnings), message)


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
