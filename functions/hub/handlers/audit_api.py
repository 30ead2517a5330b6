"""GET /audit: the commissioners' view of the tamper-evident audit log.

`handle_query` holds the logic (takes the log, so tests call it directly); the route
is on `router` so a combined OpenAPI export can include it.

Every query names a coded purpose of use (`hub.core.audit.purpose`, published as a FHIR CodeSystem in
data/audit-purpose-of-use.json and as the parameter's enum in the OpenAPI document). Every query, refused
or not, is itself audited with its purpose. Malformed or unrepresentable input is a 400 OperationOutcome,
never a 5xx.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Optional

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.logging import correlation_paths

from hub.adapters.errors import AdapterError
from hub.core.audit.export import records_to_csv
from hub.core.audit.model import AuditEntry, AuditError
from hub.core.audit.purpose import purpose_codes, purposes
from hub.core.audit.query import (AuditFilters, InvalidQuery, decode_cursor, encode_cursor, parse_bound,
                                  parse_limit)
from hub.core.auth import caller_from_context
from hub.core.messages import Caller
from hub.core.validation.nhs import nhs_number_valid
from hub.core.validation.outcome import outcome_error
from hub.handlers import composition
from hub.handlers._replies import FHIR_JSON, unavailable
from hub.handlers._observability import correlated

logger = Logger()
router = APIGatewayRouter()
READER_KIND = "commissioner"
LEGAL_BASIS = "audit-oversight"
FILTER_PARAMS = ("sender", "recipient", "event", "rule", "outcome", "action")
MAX_PARAM = 200  # no filter value is longer; a longer one is an attempt, not a query


def _error(status: int, diagnostics: str, parameter: str | None = None) -> Response:
    return Response(status, FHIR_JSON, json.dumps(outcome_error(None, diagnostics, parameter, status=status)))


def _audit(log, caller: Caller | None, now: datetime, *, outcome: str, nhs_number: str | None = None,
           details: dict) -> None:
    log.append(AuditEntry(action="audit.query", at=now, actor_ods=caller.ods if caller else None,
                          actor_kind=caller.kind if caller else None, nhs_number=nhs_number,
                          legal_basis=LEGAL_BASIS, outcome=outcome, details=details))


def _purpose(params: dict) -> str:
    code = params.get("purpose")
    if not code:
        raise InvalidQuery(f"every query needs a 'purpose', one of: {', '.join(purpose_codes())}", "purpose")
    if code not in purposes():
        raise InvalidQuery(f"'purpose' must be one of: {', '.join(purpose_codes())}", "purpose")
    return code


def _filters(params: dict) -> tuple[AuditFilters, str | None]:
    """(filters without child, nhs_number) or InvalidQuery."""
    for name, value in params.items():
        if not isinstance(value, str) or len(value) > MAX_PARAM:
            raise InvalidQuery(f"'{name}' is longer than {MAX_PARAM} characters", name)
    start = parse_bound(params.get("from"), name="from", upper=False)
    end = parse_bound(params.get("to"), name="to", upper=True)
    if start and end and start >= end:
        raise InvalidQuery("'from' must be before 'to'", "from")
    values = {k: (params.get(k) or None) for k in FILTER_PARAMS}
    nhs = params.get("nhs_number") or None
    if nhs is not None and not (len(nhs) == 10 and nhs.isascii() and nhs.isdigit() and nhs_number_valid(nhs)):
        raise InvalidQuery("'nhs_number' is not a valid NHS number", "nhs_number")
    return AuditFilters(start=start, end=end, **values), nhs


def handle_query(log, params: dict, accept: str | None, caller: Caller | None, now: datetime) -> Response:
    """Run one audit query for `caller`; every query, allowed or not, is itself audited."""
    params = {k: v for k, v in (params or {}).items() if v is not None}
    if caller is None or caller.kind != READER_KIND:
        try:
            _audit(log, caller, now, outcome="403", details={"reason": "not a commissioner"})
        except (AuditError, AdapterError):
            logger.warning("could not audit a refused audit query")
        return _error(403, "Only commissioners may read the audit log")
    try:
        purpose = _purpose(params)
        filters, nhs = _filters(params)
        limit = parse_limit(params.get("limit"))
        cursor = decode_cursor(params.get("cursor"))
    except InvalidQuery as exc:
        _audit(log, caller, now, outcome="400", details={"error": str(exc)})
        return _error(400, str(exc), exc.parameter)
    if nhs:
        filters = AuditFilters(**{**filters.__dict__, "child": log.child_hash(nhs)})
    records, next_cursor = log.query(filters, cursor, limit)
    as_csv = "text/csv" in (accept or "").lower()
    details = {"filters": filters.describe(), "returned": len(records), "format": "csv" if as_csv else "json",
               "page": bool(cursor), "purpose": purpose}
    # fail closed: no audit record, no data
    _audit(log, caller, now, outcome="200", nhs_number=nhs, details=details)
    if nhs:
        records = [{**r, "nhs_number": nhs} for r in records]
    token = encode_cursor(next_cursor)
    if as_csv:
        from hub.core.audit.export import CSV_COLUMNS

        columns = CSV_COLUMNS + (("nhs_number",) if nhs else ())
        headers = {"X-Next-Cursor": token} if token else {}
        return Response(200, "text/csv; charset=utf-8", records_to_csv(records, columns), headers=headers)
    body = {"count": len(records), "next_cursor": token, "records": records}
    return Response(200, "application/json", json.dumps(body, ensure_ascii=False))


@router.get("/audit", summary="Query the audit log (commissioners only)", tags=["audit"], description=(
    "Filters: from, to (ISO dates or date-times; a date is a Europe/London day, 'to' inclusive), sender, recipient, "
    "event, rule, outcome, action. Paging: limit (1-1000, default 100) and the opaque next_cursor. "
    "Every query names its purpose of use (CodeSystem audit-purpose-of-use) and is recorded with it. "
    "JSON by default; CSV with Accept: text/csv (next cursor in X-Next-Cursor). Every query is itself audited."),
    responses={200: {"description": "records", "content": {"application/json": {}, "text/csv": {}}},
               400: {"description": "bad filter or purpose", "content": {FHIR_JSON: {}}},
               403: {"description": "not a commissioner", "content": {FHIR_JSON: {}}}})
def get_audit(
    from_: Annotated[Optional[str], Query(alias="from", description="start, inclusive")] = None,
    to: Annotated[Optional[str], Query(description="end; a date is inclusive")] = None,
    sender: Annotated[Optional[str], Query(description="actor ODS code")] = None,
    recipient: Annotated[Optional[str], Query(description="recipient ODS code")] = None,
    event: Annotated[Optional[str], Query(description="message event code")] = None,
    rule: Annotated[Optional[str], Query(description="alert rule id")] = None,
    outcome: Annotated[Optional[str], Query(description="e.g. 202, 422, delivered, critical")] = None,
    action: Annotated[Optional[str], Query(description="e.g. message.accepted, alert.raised")] = None,
    nhs_number: Annotated[Optional[str], Query(description="one child (10 digits)")] = None,
    purpose: Annotated[Optional[str], Query(
        description="why the log is read (required): https://safeguarding-hub.example/fhir/CodeSystem/audit-purpose-of-use",
        json_schema_extra={"enum": list(purpose_codes())})] = None,
    cursor: Annotated[Optional[str], Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[Optional[str], Query(description="page size, 1-1000")] = None,
):
    ev = router.current_event
    caller = caller_from_context((ev.get("requestContext") or {}).get("authorizer"))
    params = {"from": from_, "to": to, "sender": sender, "recipient": recipient, "event": event, "rule": rule,
              "outcome": outcome, "action": action, "nhs_number": nhs_number, "purpose": purpose,
              "cursor": cursor, "limit": limit}
    ports = composition.current()
    return handle_query(ports.audit, params, ev.headers.get("accept"), caller, ports.clock())


app = APIGatewayRestResolver(enable_validation=True)
app.include_router(router)


@app.exception_handler(AdapterError)
def _unavailable(exc: AdapterError) -> Response:
    return unavailable(logger, exc, "The audit log")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
