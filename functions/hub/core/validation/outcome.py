"""FHIR OperationOutcome helpers shared by the validator and the ingest handler."""
from __future__ import annotations

from typing import Iterable

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
    out: dict = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        out["expression"] = [expression] if isinstance(expression, str) else list(expression)
    return out


def operation_outcome(issues: Iterable[dict]) -> dict:
    issues = list(issues)
    if not issues:  # FHIR requires at least one issue
        issues = [issue("informational", "All OK", severity="information")]
    return {"resourceType": "OperationOutcome", "issue": issues}


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
