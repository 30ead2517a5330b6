"""FHIR OperationOutcome helpers shared by the validator and the ingest handler.

Every outcome is bounded (v1.1): at most ``MAX_ISSUES`` issues, then one saying how many were left out, and
each issue's text clipped, so no reply nears 1 MB whatever the body held.
"""
from __future__ import annotations

from itertools import islice
from typing import Iterable

from hub.core.validation.limits import MAX_DIAGNOSTICS, MAX_EXPRESSION, MAX_ISSUES

# HTTP status -> a sensible default FHIR issue-type code
_DEFAULT_CODE = {400: "structure", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
                 413: "too-long", 415: "not-supported", 422: "invalid", 500: "exception"}


def issue(
    code: str,
    diagnostics: str,
    expression: str | Iterable[str] | None = None,
    severity: str = "error",
) -> dict:
    """One OperationOutcome.issue. ``expression`` is a FHIRPath (or several)."""
    out: dict = {"severity": severity, "code": code, "diagnostics": clip(diagnostics, MAX_DIAGNOSTICS)}
    if expression:
        exprs = [expression] if isinstance(expression, str) else list(expression)
        out["expression"] = [clip(e, MAX_EXPRESSION) for e in exprs]
    return out


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def snippet(value, limit: int = 60) -> str:
    """A value for a diagnostic: a string clipped, anything else by its JSON kind (never its whole text)."""
    if isinstance(value, str):
        return clip(value, limit)
    return {list: "an array", dict: "an object", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def operation_outcome(issues: Iterable[dict], omitted: int = 0) -> dict:
    """``omitted``: issues found but never materialised; with those past ``MAX_ISSUES``, a last issue counts them."""
    it = iter(issues)
    listed = list(islice(it, MAX_ISSUES))
    omitted += sum(1 for _ in it)
    if omitted:
        listed.append(issue(
            "too-costly", f"{omitted} more issue{'s' if omitted != 1 else ''} found and not listed: an "
                          f"OperationOutcome lists at most {MAX_ISSUES}", "Bundle",
            severity=listed[-1]["severity"] if listed else "error"))
    if not listed:  # FHIR requires at least one issue
        listed = [issue("informational", "All OK", severity="information")]
    return {"resourceType": "OperationOutcome", "issue": listed}


def outcome_error(
    code: str | None,
    diagnostics: str,
    expression: str | Iterable[str] | None = None,
    status: int = 422,
) -> dict:
    """A one-issue error OperationOutcome, e.g. ``outcome_error("login", "unauthenticated", status=401)``.

    ``code`` None picks the usual issue type for ``status``.
    """
    return operation_outcome([issue(code or _DEFAULT_CODE.get(status, "processing"), diagnostics, expression)])


def outcome_info(diagnostics: str, extra: Iterable[dict] = ()) -> dict:
    """The informational OperationOutcome returned with 202/200."""
    return operation_outcome([issue("informational", diagnostics, severity="information"), *extra])
