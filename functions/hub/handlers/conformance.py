"""The hub's FHIR conformance: GET /metadata, the conformance resources, and POST /$validate.

GET /metadata (the CapabilityStatement) and GET /{CodeSystem,ValueSet,StructureDefinition,MessageDefinition}/{id}
are public, as FHIR servers commonly serve them: a client discovers the API, its events and its security
before it holds a key, and these resources describe the API without holding any data. They are the files
tools/build_fhir_package.py writes to hub/data/fhir (also published as schemas/fhir/package.tgz); /metadata
fills in the address the request came to. POST /$validate sits behind the agency authorizer
(hub.service.validation).
"""
from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from hub.adapters.errors import AdapterError
from hub.core.audit.model import AuditError
from hub.core.auth import caller_from_context
from hub.core.validation.outcome import outcome_error
from hub.handlers import composition
from hub.handlers._replies import FHIR_JSON, unavailable
from hub.handlers._observability import correlated

logger = Logger()
DATA = Path(__file__).resolve().parent.parent / "data" / "fhir"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
STATUSES = {200: "valid: ingest would accept it (ingest-status 202)", 400: "not JSON", 401: "unauthenticated",
            403: "the caller may not send it", 413: "too large", 415: "unsupported media type",
            422: "contract broken", 503: "audit log unavailable"}


def _error(status: int, diagnostics: str) -> Response:
    return Response(status, FHIR_JSON, json.dumps(outcome_error(None, diagnostics, status=status)))


@lru_cache(maxsize=64)
def _resource_text(name: str) -> str | None:
    path = DATA / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def base_url(event: dict) -> str:
    """Where the client reached the API: API Gateway sets X-Forwarded-Proto; the stage is in the path unless a
    custom domain maps it away."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    ctx = event.get("requestContext") or {}
    proto = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
    host = headers.get("host") or ctx.get("domainName") or "localhost"
    stage, path = ctx.get("stage"), ctx.get("path") or ""
    prefix = f"/{stage}" if stage and path.startswith(f"/{stage}/") else ""
    return f"{proto}://{host}{prefix}"


def capability_statement(base: str) -> dict:
    doc = json.loads(_resource_text("CapabilityStatement-safeguarding-hub.json") or "{}")
    doc.setdefault("implementation", {})["url"] = base
    for messaging in doc.get("messaging", []):
        for endpoint in messaging.get("endpoint", []):
            endpoint["address"] = f"{base}/$process-message"
    return doc


def read(resource_type: str, rid: str) -> Response:
    text = _resource_text(f"{resource_type}-{rid}.json") if _ID.fullmatch(rid) else None
    if text is None:
        return _error(404, f"No {resource_type} with id {rid[:64]!r}; GET /metadata lists the hub's definitions")
    return Response(200, FHIR_JSON, text, headers={"Cache-Control": "max-age=300"})


app = APIGatewayRestResolver(enable_validation=True)
_OK = {200: {"description": "the resource", "content": {FHIR_JSON: {}}},
       404: {"description": "no such resource", "content": {FHIR_JSON: {}}}}


@app.get("/metadata", summary="The CapabilityStatement (public)", tags=["conformance"], responses=_OK, description=(
    "Messaging (the events, the $process-message endpoint), REST (every route) and security (API key; "
    "mutual TLS option). Public: it describes the API and holds no data."))
def metadata():
    return Response(200, FHIR_JSON, json.dumps(capability_statement(base_url(app.current_event))),
                    headers={"Cache-Control": "max-age=300"})


@app.get("/MessageDefinition/<id>", summary="A MessageDefinition, one per event (public)", tags=["conformance"],
         responses=_OK)
def message_definition(id: str):  # noqa: A002 - the FHIR REST name of the path parameter
    return read("MessageDefinition", id)


@app.get("/CodeSystem/<id>", summary="A hub CodeSystem (public)", tags=["conformance"], responses=_OK)
def code_system(id: str):  # noqa: A002 - the FHIR REST name of the path parameter
    return read("CodeSystem", id)


@app.get("/ValueSet/<id>", summary="A hub ValueSet (public)", tags=["conformance"], responses=_OK)
def value_set(id: str):  # noqa: A002 - the FHIR REST name of the path parameter
    return read("ValueSet", id)


@app.get("/StructureDefinition/<id>", summary="A hub extension's StructureDefinition (public)", tags=["conformance"],
         responses=_OK)
def structure_definition(id: str):  # noqa: A002 - the FHIR REST name of the path parameter
    return read("StructureDefinition", id)


@app.post(r"/\$validate", summary="Validate a message Bundle as $process-message would, with no side effect",
          tags=["messages"], description=(
              "The same validator and authorisation as POST /$process-message: the same status (200 where it "
              "would answer 202) and OperationOutcome, whose extension ingest-status holds the status "
              "$process-message would answer. Nothing is archived, queued or kept for idempotency (so 409 is not "
              "foreseen); the audit log records the validation."),
          responses={s: {"description": d, "content": {FHIR_JSON: {}}} for s, d in STATUSES.items()})
def validate():
    from hub.service.validation import ValidationService

    ev = app.current_event
    raw = ev.get("body") or ""
    body = base64.b64decode(raw) if ev.get("isBase64Encoded") else raw.encode("utf-8", "surrogatepass")
    caller = caller_from_context((ev.get("requestContext") or {}).get("authorizer"))
    ports = composition.current()
    result = ValidationService(ports.audit, ports.clock).validate(
        body, content_type=ev.headers.get("content-type"), caller=caller)
    logger.info("message validated", extra={"status": result.status})
    return Response(result.status, FHIR_JSON, json.dumps(result.outcome))


@app.exception_handler([AdapterError, AuditError])
def _unavailable(exc: Exception) -> Response:
    # the validation is audited before it is answered: no audit, no answer
    return unavailable(logger, exc, "The audit log")


@app.not_found
def _not_found(_exc) -> Response:
    return _error(404, "No such route; GET /metadata lists the routes")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
