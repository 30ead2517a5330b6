"""FHIR replies the HTTP handlers share."""
from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response

from hub.core.validation.outcome import outcome_error

FHIR_JSON = "application/fhir+json"


def unavailable(logger, exc: Exception, what: str) -> Response:
    """503 with Retry-After when the store behind a route failed: `what` names it to the caller ("The audit
    log"); the log line carries the error's type only, never its message (it may quote a payload)."""
    logger.warning(f"{what.lower().removeprefix('the ')} unavailable", extra={"error": type(exc).__name__})
    return Response(503, FHIR_JSON, json.dumps(outcome_error("transient", f"{what} is unavailable; retry later",
                                                              status=503)), headers={"Retry-After": "5"})
