"""POST /$process-message (API Gateway REST proxy, behind the agency authorizer)."""
from __future__ import annotations

import base64
import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError

from hub.adapters.errors import AdapterError
from hub.handlers import _observability as observability
from hub.handlers import composition
from hub.core.auth import caller_from_context
from hub.core.validation.outcome import outcome_error

logger = Logger()
metrics = observability.metrics()
router = APIGatewayRouter()
PATH = r"/\$process-message"  # `$` escaped: Powertools compiles routes to regexes


@router.post(PATH, summary="Submit a FHIR R4 message Bundle", tags=["messages"], description=(
    "Body: a FHIR R4 Bundle of type message (application/fhir+json). Replies 202 accepted, 200 replay, "
    "400 not JSON, 403 not authorised, 409 id reused, 413 too large, 415 media type, 422 contract broken; "
    "errors carry an OperationOutcome whose issues locate each fault by FHIRPath."),
    responses={s: {"description": d, "content": {"application/fhir+json": {}}} for s, d in {
        202: "accepted", 200: "replay", 400: "not JSON", 401: "unauthenticated", 403: "forbidden",
        409: "conflict", 413: "too large", 415: "unsupported media type", 422: "contract broken"}.items()})
def process_message():
    ev = router.current_event
    raw = ev.get("body") or ""
    body = base64.b64decode(raw) if ev.get("isBase64Encoded") else raw.encode("utf-8", "surrogatepass")
    caller = caller_from_context((ev.get("requestContext") or {}).get("authorizer"))
    service = composition.ingest_service()  # built here, so a failure to build it is a 503 like any other
    service.idempotency_config.register_lambda_context(router.lambda_context)
    ctx = router.lambda_context
    result = service.handle(body, content_type=ev.headers.get("content-type"), caller=caller,
                            request_id=(ev.get("requestContext") or {}).get("requestId"),
                            remaining_ms=getattr(ctx, "get_remaining_time_in_millis", None))
    metrics.add_metric(name=f"Status{result.status}", unit="Count", value=1)
    return Response(result.status, "application/fhir+json", json.dumps(result.outcome))


@router.get("/openapi.json", summary="The hub's OpenAPI document", tags=["contract"], include_in_schema=False)
def openapi():
    # The committed schemas/openapi.json, packaged by `make openapi` (built offline by tools/export_openapi.py).
    from importlib.resources import files

    return Response(200, "application/json", files("hub").joinpath("data/openapi.json").read_text(encoding="utf-8"))


# No Powertools request validation: the route takes no parameters and the hub validates the body itself,
# and building it was ~70 ms of every cold start (import 322 -> 251 ms against boto3's 174: 1.85x -> 1.44x)
app = APIGatewayRestResolver()
app.include_router(router)


@app.exception_handler([AdapterError, IdempotencyPersistenceLayerError])
def _aws_unavailable(exc: Exception) -> Response:
    # Nothing was acknowledged, so the agency's retry is safe (idempotent on MessageHeader.id).
    logger.warning("dependency failed", extra={"error": str(exc)})
    return Response(503, "application/fhir+json", json.dumps(outcome_error(
        "transient", "The hub could not store the message; retry later", status=503)), headers={"Retry-After": "5"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@observability.correlated(logger)
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
