"""The mailbox API, behind the agency authorizer: an organisation reads what the hub delivered to it.

    GET  /mailbox                         the caller's unacknowledged messages, oldest first: limit, cursor
    GET  /mailbox/{id}                    one message: the delivered FHIR message Bundle
    POST /mailbox/{id}/$acknowledge       the message leaves the mailbox (idempotent)

The mailbox is always the caller's own (the authorizer's ODS code): there is no parameter naming one, and
another organisation's message id answers 404, as an unknown one does. Each fetch and the acknowledgement
are audited before anything is returned (hub.service.mailbox); a fetch does not acknowledge, so a reader
that crashes before storing the message fetches it again. Unacknowledged messages stay, and the hub's
operators see those older than MailboxOperatorAgeHours (`safeguard inbox --stale`).
"""
from __future__ import annotations

import json
from typing import Annotated, Optional

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths

from hub.adapters.errors import AdapterError
from hub.core.auth import caller_from_context
from hub.core.mailbox import MAX_PAGE, MailboxQueryError
from hub.core.validation.outcome import outcome_error
from hub.handlers import composition
from hub.handlers._replies import FHIR_JSON, unavailable
from hub.handlers._observability import correlated
from hub.service.mailbox import NotAnAgency

logger = Logger()
# Routes sit on the Lambda's own resolver (no router to include), as the OpenAPI export expects.
app = APIGatewayRestResolver(enable_validation=True)
NOT_FOUND = "No such message in this organisation's mailbox"
_STATUS_TEXT = {200: "OK", 400: "bad paging parameter", 403: "the caller's key is not an agency's",
                404: "no such message in the caller's mailbox", 503: "try again later"}


def _responses(*codes: int, ok: dict | None = None) -> dict:
    out = {c: {"description": _STATUS_TEXT[c], "content": {FHIR_JSON: {}}} for c in codes}
    if ok is not None:
        out[200] = ok
    return out


def _error(status: int, diagnostics: str, parameter: str | None = None) -> Response:
    code = {403: "forbidden", 404: "not-found"}.get(status)
    return Response(status, FHIR_JSON, json.dumps(outcome_error(code, diagnostics, parameter, status=status)))


def _caller():
    return caller_from_context((app.current_event.get("requestContext") or {}).get("authorizer"))


@app.get("/mailbox", summary="List the caller's mailbox", tags=["mailbox"], description=(
    "The messages the hub delivered to the caller's organisation (its ODS code, from its key) and the caller has "
    "not acknowledged, oldest first, without their content: id (the delivered MessageHeader.id), event, kind, "
    f"original_message_id, delivered_at, size. Paging: limit (1-{MAX_PAGE}, default 50) and the opaque "
    "next_cursor of the previous page (null on the last)."),
    responses=_responses(400, 403, 503, ok={"description": "a page of the mailbox", "content": {"application/json": {
        "example": {"count": 1, "next_cursor": None, "messages": [{
            "id": "0b1f...", "event": "injury-observed", "kind": "gp", "original_message_id": "6f2c...",
            "delivered_at": "2026-05-01T09:00:01.000000Z", "size": 4210}]}}}}))
def list_mailbox(
    limit: Annotated[Optional[str], Query(description=f"page size, 1-{MAX_PAGE}")] = None,
    cursor: Annotated[Optional[str], Query(description="next_cursor of the previous page")] = None,
):
    try:
        page = composition.mailbox_service().list(_caller(), limit=limit, cursor=cursor)
    except NotAnAgency as exc:
        return _error(403, str(exc))
    except MailboxQueryError as exc:
        return _error(400, str(exc), exc.parameter)
    body = {"count": len(page.messages), "next_cursor": page.next_cursor, "messages": page.messages}
    return Response(200, "application/json", json.dumps(body))


@app.get("/mailbox/<id>", summary="Fetch one message from the caller's mailbox", tags=["mailbox"], description=(
    "The delivered FHIR message Bundle (minimised for the caller and re-addressed to it). Audited. Fetching does "
    "not acknowledge. 404 for a message that is not in the caller's mailbox, whoever it was for."),
    responses=_responses(403, 404, 503, ok={"description": "the message Bundle", "content": {FHIR_JSON: {}}}))
def fetch_message(id: str):  # noqa: A002 - the message id
    try:
        bundle = composition.mailbox_service().fetch(_caller(), id)
    except NotAnAgency as exc:
        return _error(403, str(exc))
    if bundle is None:
        return _error(404, NOT_FOUND)
    return Response(200, FHIR_JSON, json.dumps(bundle, ensure_ascii=False))


@app.post("/mailbox/<id>/\\$acknowledge", summary="Acknowledge a message: it leaves the mailbox", tags=["mailbox"],
          description=("The caller has the message: it leaves the mailbox (no longer listed or fetched). Audited "
                       "once; repeating it answers 200 again. 404 for a message that was never in the caller's "
                       "mailbox."),
          responses=_responses(403, 404, 503, ok={"description": "acknowledged", "content": {"application/json": {
              "example": {"id": "0b1f...", "status": "acknowledged"}}}}))
def acknowledge_message(id: str):  # noqa: A002 - the message id
    try:
        status = composition.mailbox_service().acknowledge(_caller(), id)
    except NotAnAgency as exc:
        return _error(403, str(exc))
    if status is None:
        return _error(404, NOT_FOUND)
    return Response(200, "application/json", json.dumps({"id": id, "status": status}))


@app.exception_handler(AdapterError)
def _unavailable(exc: AdapterError) -> Response:
    return unavailable(logger, exc, "The mailbox")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
