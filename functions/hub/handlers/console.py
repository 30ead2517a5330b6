"""The web console: its static assets (GET /console, GET /console/{asset}) and the audit integrity view
(GET /audit/verification) that the commissioners' pages read.

The assets are public (a browser cannot send the API key when it navigates) and hold no data: every
figure on the pages comes from the authenticated API, called by the page with the key the user entered.
They live in hub/data/console, one flat folder, so an asset name is a single path segment and nothing
outside that folder can be named. /audit/verification sits behind the agency authorizer and answers
commissioners only; it reads the chains and the latest signed digest and returns no audit record.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths

from hub.adapters.errors import AdapterError
from hub.core.audit.model import AuditError
from hub.core.audit.query import InvalidQuery, parse_bound
from hub.core.auth import caller_from_context
from hub.core.validation.outcome import outcome_error
from hub.handlers import composition
from hub.handlers._replies import FHIR_JSON, unavailable
from hub.handlers._observability import correlated

logger = Logger()
ASSETS = Path(__file__).resolve().parent.parent / "data" / "console"
READER_KIND = "commissioner"
VOCABULARY = "vocabulary.json"  # generated, not a file
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,80}$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# The pages load only their own scripts and styles and talk only to this API: no inline script, no CDN.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # assets change with each deploy and are small: revalidate instead of serving a stale page
    "Cache-Control": "no-cache",
}


def _error(status: int, diagnostics: str, parameter: str | None = None) -> Response:
    return Response(status, FHIR_JSON, json.dumps(outcome_error(None, diagnostics, parameter, status=status)))


def vocabulary() -> dict:
    """The code lists the console's forms offer, from the modules that define them (no copy to drift)."""
    from hub.core.audit.model import ACTIONS
    from hub.core.audit.purpose import code_system
    from hub.core.events import EVENT_CODES
    from hub.core.rules.texts import texts
    from hub.core.tasks import DECISIONS

    return {
        "purposes": [{"code": c["code"], "display": c["display"], "definition": c.get("definition", "")}
                     for c in code_system()["concept"]],
        "actions": list(ACTIONS),
        "events": list(EVENT_CODES),
        "rules": [{"code": code, "title": r.get("title", code)} for code, r in texts()["rules"].items()],
        "decisions": [{"code": code, "display": display} for code, display in DECISIONS.items()],
    }


def asset_response(name: str) -> Response:
    """One file of the console, or a 404 OperationOutcome for any name that is not one."""
    name = name or "index.html"
    if name == VOCABULARY:
        return Response(200, CONTENT_TYPES[".json"], json.dumps(vocabulary()), headers=dict(SECURITY_HEADERS))
    path = ASSETS / name
    ctype = CONTENT_TYPES.get(path.suffix)
    if not _ASSET_NAME.match(name) or ctype is None or not path.is_file():
        return _error(404, "No such console page")
    return Response(200, ctype, path.read_text(encoding="utf-8"), headers=dict(SECURITY_HEADERS))


def _digest_status(ports) -> tuple[dict, dict]:
    """(anchors for verify, what the page shows of the latest signed digest). A forged digest is not ok."""
    bucket = getattr(ports.settings, "audit_digest_bucket", "") or ports.settings.archive_bucket
    if not bucket or not ports.settings.audit_digest_key_id:
        return {}, {"present": False, "ok": None, "note": "no digest key configured"}
    latest = ports.digests.latest()
    if latest is None:
        return {}, {"present": False, "ok": None, "note": "no digest has been signed yet"}
    key, stored = latest
    doc = stored.get("digest") or {}
    summary = {"present": True, "key": key, "generated_at": doc.get("generated_at"),
               "mac_algorithm": stored.get("mac_algorithm"), "key_id": stored.get("key_id"),
               "chains": {c: {"seq": h.get("seq"), "hash": h.get("hash"), "at": h.get("at")}
                          for c, h in sorted((doc.get("chains") or {}).items())}}
    try:
        anchors = ports.digests.check(stored)
    except AuditError as exc:  # the digest store's "does not verify" error is an AuditError
        if getattr(exc, "retryable", False):
            raise  # KMS unreachable says nothing about the digest: 503, not "forged"
        return {}, {**summary, "ok": False, "error": str(exc)}
    return anchors, {**summary, "ok": True}


def verification(ports, start: datetime | None, end: datetime | None, now: datetime) -> dict:
    """The chains' verification and the latest digest, as the console's integrity page shows them."""
    anchors, digest = _digest_status(ports)
    reports = ports.audit.verify(start=start, end=end, anchors=anchors)
    chains = [r.as_dict() for r in reports]
    intact = all(r.ok for r in reports)
    return {
        "checked_at": now.isoformat(),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "ok": intact and digest.get("ok") is not False,
        "records_checked": sum(r.checked for r in reports),
        "chains": chains,
        "digest": digest,
    }


app = APIGatewayRestResolver(enable_validation=True)


@app.get("/console", include_in_schema=False)
def console_index():
    # /console and /console/ both reach this route; the page's relative asset and API URLs need the slash
    if not (app.current_event.path or "").endswith("/"):
        return Response(301, "text/plain; charset=utf-8", "", headers={"Location": "console/", **SECURITY_HEADERS})
    return asset_response("index.html")


@app.get("/console/<asset>", include_in_schema=False)
def console_asset(asset: str):
    return asset_response(asset)


@app.get("/audit/verification", summary="Verify the audit hash chains and the latest signed digest (commissioners)",
         tags=["audit"], description=(
             "Walks every hash chain (optionally reporting only records in from..to) and checks the newest signed "
             "digest's MAC and that each chain still holds the signed head. Returns no audit record content."),
         responses={200: {"description": "verification report", "content": {"application/json": {}}},
                    400: {"description": "bad bound", "content": {FHIR_JSON: {}}},
                    403: {"description": "not a commissioner", "content": {FHIR_JSON: {}}},
                    503: {"description": "audit store unavailable", "content": {FHIR_JSON: {}}}})
def get_verification(
    from_: Annotated[Optional[str], Query(alias="from", description="report records at or after")] = None,
    to: Annotated[Optional[str], Query(description="report records up to; a date is inclusive")] = None,
):
    ev = app.current_event
    caller = caller_from_context((ev.get("requestContext") or {}).get("authorizer"))
    if caller is None or caller.kind != READER_KIND:
        return _error(403, "Only commissioners may verify the audit log")
    try:
        start = parse_bound(from_, name="from", upper=False)
        end = parse_bound(to, name="to", upper=True)
    except InvalidQuery as exc:
        return _error(400, str(exc), exc.parameter)
    if start and end and start >= end:
        return _error(400, "'from' must be before 'to'", "from")
    ports = composition.current()
    body = verification(ports, start, end, ports.clock())
    logger.info("audit verified", extra={"ok": body["ok"], "records": body["records_checked"]})
    return Response(200, "application/json", json.dumps(body), headers={"Cache-Control": "no-store"})


@app.exception_handler(AdapterError)
def _unavailable(exc: AdapterError) -> Response:
    return unavailable(logger, exc, "The audit log")


@app.not_found
def _not_found(_exc) -> Response:
    return _error(404, "No such console page")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    return app.resolve(event, context)
