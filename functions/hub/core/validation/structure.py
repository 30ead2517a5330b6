"""Structural validation against the generated FHIR R4 models, and pydantic's errors as located FHIR issues."""
from __future__ import annotations

import functools

import json

from hub.core.validation.limits import MAX_ISSUES
from hub.core.validation.outcome import clip, issue


@functools.lru_cache(maxsize=1)
def structure_validator() -> tuple:
    """(the Bundle TypeAdapter, pydantic's ValidationError).

    A pure cache: the same value on every call, built on first use because building the validator takes a
    few hundred ms (``hub.core.validation.warm_up`` builds it during a Lambda's init).
    """
    from pydantic_core import ValidationError

    from hub.core.validation.models import bundle_adapter

    return bundle_adapter(), ValidationError


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
    "ext_1": "invariant",
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


def structural_issues(exc) -> tuple[list[dict], int]:
    """(the first ``MAX_ISSUES`` of pydantic's errors as located FHIR issues, how many more there were).

    Past the cap the errors are read from pydantic's compact JSON rendering, one at a time, so a body with
    thousands of faults never becomes thousands of Python dicts (v1.1: a capped OperationOutcome).
    """
    count = exc.error_count()
    opts = {"include_url": False, "include_input": False, "include_context": True}
    errors = exc.errors(**opts) if count <= MAX_ISSUES else _first_errors(exc.json(**opts), MAX_ISSUES)
    out = []
    for e in errors:
        etype = e["type"]
        code = _ERROR_CODES.get(etype) or ("structure" if etype.endswith("_type") else "invalid")
        expr = _fhirpath(e["loc"])
        diag = _DIAG.get(etype, e["msg"])
        if etype == "string_pattern_mismatch":
            diag = f"{diag} ({expr.rsplit('.', 1)[-1]})"
        out.append(issue(code, diag, expr))
    return out, count - len(out)


def _first_errors(text: str, limit: int) -> list[dict]:
    decoder, out, i = json.JSONDecoder(), [], 1  # text is "[{...},{...},...]"
    while len(out) < limit and i < len(text) and text[i] != "]":
        e, i = decoder.raw_decode(text, i)
        out.append(e)
        if text[i:i + 1] == ",":
            i += 1
    return out


def _fhirpath(loc: tuple) -> str:
    parts = ["Bundle"]
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
            continue
        item = clip(str(item), 64)  # a key from the body: an unknown element may be any length
        # FHIR element names start lower-case or "_": an upper-case item is pydantic's discriminator tag
        # (the resource type); items with "-" or "[" are union branch labels, not paths
        if item[:1].isupper() or "[" in item or "-" in item or item in ("int", "float", "str", "bool"):
            continue
        parts.append(item)
    return ".".join(parts)
