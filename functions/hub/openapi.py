"""The published OpenAPI document: both API routers in one Powertools resolver.

`python -m hub.openapi > schemas/openapi.json`; a test keeps the committed copy current.
"""
from __future__ import annotations

import json


def openapi_document() -> dict:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    from hub import __version__
    from hub.handlers import audit_api, ingest

    routers = (ingest.router, audit_api.router)
    # include_router rebinds a router's request state to the including resolver; put it back, or the
    # Lambda apps of this process would read their events from this documentation-only resolver.
    owners = [getattr(r, "api_resolver", None) for r in routers]
    app = APIGatewayRestResolver(enable_validation=True)
    for r in routers:
        app.include_router(r)
    for r, owner in zip(routers, owners):
        r.api_resolver = owner
    doc = json.loads(app.get_openapi_json_schema(
        title="Safeguarding Hub API", version=__version__,
        summary="FHIR R4 messaging between safeguarding partners, and the commissioners' audit view",
        description="Every route sits behind the agency authorizer: `Authorization: Bearer sgh_<key_id>_<secret>`.",
    ))
    # Powertools routes are regexes, so the `$` of `$process-message` is escaped in the route.
    doc["paths"] = {p.replace("\\$", "$"): v for p, v in doc["paths"].items()}
    doc.setdefault("components", {})["securitySchemes"] = {
        "agencyKey": {"type": "http", "scheme": "bearer", "description": "Agency API key issued by the hub"}}
    doc["security"] = [{"agencyKey": []}]
    return doc


if __name__ == "__main__":
    print(json.dumps(openapi_document(), indent=2, sort_keys=True))
