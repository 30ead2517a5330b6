"""The alert Task API (FHIR R4 Task), behind the agency authorizer: a recipient works its own alerts.

    GET  /Task                    search: owner (the caller, default), status, _lastUpdated, _count, _cursor
    GET  /Task/{id}               one Task
    POST /Task/{id}/$acknowledge  {"by"}                         requested -> accepted
    POST /Task/{id}/$assign       {"to", "by"}                   a named person of the organisation
    POST /Task/{id}/$decide       {"decision", "by", "note"?}    Task.output; -> in-progress
    POST /Task/{id}/$close        {"reason", "by"}               -> completed (a decision must be on record)

FHIR-style named operations with a JSON body (not a Parameters resource), so a console or a script can
call them directly. Replies carry the Task (application/fhir+json) and its version as ETag. Only the
owning organisation (the authorizer's ODS code) reads or changes a Task: any other caller gets 404, so a
Task id says nothing about where alerts went. 409 when the Task's status does not allow the operation,
422 for a bad value; every change is audited (hub.service.tasks).
"""
from __future__ import annotations

import base64
import json
from typing import Annotated, List, Literal, Optional
from urllib.parse import urlencode

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ConfigDict, Field

from hub.adapters.errors import AdapterError
from hub.core.auth import caller_from_context
from hub.core.messages import Caller
from hub.core.tasks import InvalidSearch, TaskError, parse_query, searchset, to_fhir
from hub.core.validation.outcome import operation_outcome, issue, outcome_error
from hub.handlers import composition
from hub.handlers._replies import FHIR_JSON, unavailable
from hub.handlers._observability import correlated
from hub.service.tasks import TaskNotFound

logger = Logger()
# Routes sit on the Lambda's own resolver (no router to include), so the OpenAPI export, which imports every
# API handler in one process, leaves each resolver's request state alone.
app = APIGatewayRestResolver(enable_validation=True)
Decision = Literal["no-further-action", "early-help", "s17-assessment", "strategy-discussion", "s47-enquiry",
                   "referred-to-another-agency"]
_STATUS_TEXT = {200: "the Task", 400: "bad search parameter", 401: "unauthenticated",
                403: "not the caller's own Tasks", 404: "no such Task for this organisation",
                409: "the Task's status does not allow this", 422: "bad value", 503: "try again later"}


def _responses(*codes: int) -> dict:
    return {c: {"description": _STATUS_TEXT[c], "content": {FHIR_JSON: {}}} for c in codes}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: str = Field(description="who does it: the person's name or staff identifier", min_length=1, max_length=200)


class AcknowledgeBody(_Body):
    pass


class AssignBody(_Body):
    to: str = Field(description="the person of the owning organisation who takes the Task on", min_length=1,
                    max_length=200)


class DecideBody(_Body):
    decision: Decision = Field(description="the safeguarding decision (HUB/CodeSystem/safeguarding-decision)")
    note: Optional[str] = Field(None, description="optional context for the decision", max_length=1000)


class CloseBody(_Body):
    reason: str = Field(description="why the Task is closed (Task.statusReason.text)", min_length=1, max_length=1000)


def _error(status: int, diagnostics: str, parameter: str | None = None) -> Response:
    return Response(status, FHIR_JSON, json.dumps(outcome_error(None, diagnostics, parameter, status=status)))


def _caller() -> Caller | None:
    return caller_from_context((app.current_event.get("requestContext") or {}).get("authorizer"))


def _task_response(task, status: int = 200) -> Response:
    return Response(status, FHIR_JSON, json.dumps(to_fhir(task)), headers={"ETag": f'W/"{task.version}"'})


def _base_url() -> str:
    ev = app.current_event
    ctx = ev.get("requestContext") or {}
    host = ctx.get("domainName") or ev.headers.get("host") or "localhost"
    proto = ev.headers.get("x-forwarded-proto") or ("http" if host.startswith(("127.", "localhost")) else "https")
    stage = ctx.get("stage")
    return f"{proto}://{host}" + (f"/{stage}" if stage else "")


def _service():
    tasks = composition.task_service()
    if tasks is None:  # a stack without the Task table
        raise AdapterError("alert Tasks are not configured here", retryable=True)
    return tasks


def _operate(task_id: str, operation: str, body: BaseModel) -> Response:
    caller = _caller()
    if caller is None:
        return _error(403, "no authenticated agency")
    try:
        task = _service().act(caller, task_id, operation, body.model_dump(exclude_none=True))
    except TaskNotFound:
        return _error(404, "No such Task for this organisation")
    except TaskError as exc:
        return _error(409 if exc.kind == "conflict" else 422, str(exc), exc.parameter)
    logger.info("task changed", extra={"task_id": task.id, "operation": operation, "status": task.status})
    return _task_response(task)


@app.get("/Task", summary="Search the caller's own alert Tasks (FHIR searchset)", tags=["tasks"],
            responses=_responses(200, 400, 403, 503), description=(
                "A recipient's own work: every alert sent to the caller's organisation is a FHIR R4 Task (status "
                "requested, accepted, in-progress or completed). owner defaults to, and must be, the caller's ODS "
                "code. status takes one or more codes, comma-separated. _lastUpdated is a FHIR date search, "
                "repeatable for a range (prefixes eq, gt, ge, lt, le; a date is a Europe/London day). Newest update "
                "first, _count per page (1-200, default 50); the Bundle's next link carries the _cursor."))
def search_tasks(
    owner: Annotated[Optional[str], Query(description="the caller's ODS code (default)")] = None,
    status: Annotated[Optional[str], Query(description="requested, accepted, in-progress, completed")] = None,
    last_updated: Annotated[Optional[List[str]], Query(alias="_lastUpdated",
                                                       description="e.g. ge2025-08-01; repeat for a range")] = None,
    count: Annotated[Optional[str], Query(alias="_count", description="page size, 1-200")] = None,
    cursor: Annotated[Optional[str], Query(alias="_cursor", description="from the next link")] = None,
):
    caller = _caller()
    if caller is None:
        return _error(403, "no authenticated agency")
    ev = app.current_event
    params = {k: list(v) for k, v in (ev.get("multiValueQueryStringParameters") or {}).items() if v} or \
        {k: [v] for k, v in (ev.get("queryStringParameters") or {}).items() if v is not None}
    try:
        query = parse_query(params, caller.ods)
        tasks, token = _service().search(query)
    except InvalidSearch as exc:
        return _error(exc.status, str(exc), exc.parameter)
    base = _base_url()
    pairs = [(k, v) for k, vs in params.items() if k != "_cursor" for v in vs]
    self_url = f"{base}/Task" + (f"?{urlencode(pairs)}" if pairs else "")
    next_url = f"{base}/Task?{urlencode(pairs + [('_cursor', token)])}" if token else None
    bundle = searchset(tasks, self_url=self_url, next_url=next_url, base=base)
    return Response(200, FHIR_JSON, json.dumps(bundle))


@app.get("/Task/<id>", summary="Read one alert Task", tags=["tasks"], responses=_responses(200, 404, 503),
            description="The FHIR R4 Task, with its version in meta.versionId and the ETag header. 404 unless "
                        "the caller's organisation owns it.")
def read_task(id: str):  # noqa: A002 - the FHIR logical id
    caller = _caller()
    if caller is None:
        return _error(403, "no authenticated agency")
    try:
        return _task_response(_service().read(caller, id))
    except TaskNotFound:
        return _error(404, "No such Task for this organisation")


@app.post("/Task/<id>/\\$acknowledge", summary="Acknowledge an alert Task", tags=["tasks"],
             responses=_responses(200, 404, 409, 422, 503), description=(
                 "requested -> accepted, recording who acknowledged it and when (extension task-acknowledgement, "
                 "executionPeriod.start). Stops escalation. Repeating it as the same person changes nothing."))
def acknowledge(id: str, body: Annotated[AcknowledgeBody, Body()]):  # noqa: A002
    return _operate(id, "acknowledge", body)


@app.post("/Task/<id>/\\$assign", summary="Assign an alert Task to a person", tags=["tasks"],
             responses=_responses(200, 404, 409, 422, 503), description=(
                 "Names the person of the owning organisation who works the Task (extension task-assignee; "
                 "Task.owner stays the organisation). The Task must be acknowledged first."))
def assign(id: str, body: Annotated[AssignBody, Body()]):  # noqa: A002
    return _operate(id, "assign", body)


@app.post("/Task/<id>/\\$decide", summary="Record the safeguarding decision", tags=["tasks"],
             responses=_responses(200, 404, 409, 422, 503), description=(
                 "Task.output (type decision): no-further-action, early-help, s17-assessment, strategy-discussion, "
                 "s47-enquiry or referred-to-another-agency; -> in-progress. A later decision replaces it (audited)."))
def decide(id: str, body: Annotated[DecideBody, Body()]):  # noqa: A002
    return _operate(id, "decide", body)


@app.post("/Task/<id>/\\$close", summary="Close an alert Task with a reason", tags=["tasks"],
             responses=_responses(200, 404, 409, 422, 503), description=(
                 "-> completed, with Task.statusReason (code closed-by-recipient, text the reason). A decision must be "
                 "on record. The hub itself completes a Task when its alert resolves (reason examined, late-report, "
                 "seen or withdrawn)."))
def close(id: str, body: Annotated[CloseBody, Body()]):  # noqa: A002
    return _operate(id, "close", body)


@app.exception_handler(RequestValidationError)
def _invalid_body(exc: RequestValidationError) -> Response:
    issues = []
    for err in exc.errors()[:20]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",))
        issues.append(issue("invalid", f"{where or 'body'}: {err.get('msg', 'invalid')}", where or None))
    return Response(422, FHIR_JSON, json.dumps(operation_outcome(issues or [issue("invalid", "invalid request")])))


@app.exception_handler(AdapterError)
def _unavailable(exc: AdapterError) -> Response:
    if not exc.retryable:
        return _error(400, str(exc), "_cursor")
    return unavailable(logger, exc, "The Task store")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    unsupported = _unsupported_media_type(event)
    return unsupported if unsupported is not None else app.resolve(event, context)


def _unsupported_media_type(event: dict) -> dict | None:
    """A 4xx for a POST body that is not JSON text, before the resolver sees it: its validation would otherwise
    try to parse form or multipart data (415 here) or decode bytes that are not UTF-8 (400 here) and fail with
    a 5xx. JSON is UTF-8 (RFC 8259 §8.1)."""
    if str(event.get("httpMethod", "")).upper() != "POST":
        return None
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    media = str(headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        return _refusal(415, "the body must be JSON (application/json or application/fhir+json)")
    if event.get("isBase64Encoded") and event.get("body"):
        try:
            base64.b64decode(event["body"], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
            return _refusal(400, "the body is not UTF-8 JSON text")
    return None


def _refusal(status: int, diagnostics: str) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": FHIR_JSON},
            "body": json.dumps(outcome_error(None, diagnostics, status=status))}
