"""The published purpose-of-use value set: a valid FHIR R4 CodeSystem, the codes GET /audit accepts and
the enum of its `purpose` parameter in the published OpenAPI document."""
from __future__ import annotations

import json

from hub.core.audit.purpose import code_system, purpose_codes


def test_audit_purpose_value_set_is_a_valid_fhir_code_system():
    from fhir.resources.R4B.codesystem import CodeSystem  # R4B's CodeSystem is R4's

    cs = code_system()
    assert cs["resourceType"] == "CodeSystem" and cs["content"] == "complete" and cs["status"] == "active"
    assert cs["url"].endswith("/CodeSystem/audit-purpose-of-use")
    CodeSystem.model_validate(cs)
    assert purpose_codes() == ("commissioning", "assurance", "audit", "investigation")
    assert all(c.get("definition") and c.get("display") for c in cs["concept"])


def test_audit_purpose_enum_is_in_the_audit_route_openapi():
    from hub.handlers import audit_api

    doc = json.loads(audit_api.app.get_openapi_json_schema())
    (param,) = [p for p in doc["paths"]["/audit"]["get"]["parameters"] if p["name"] == "purpose"]
    assert param["schema"]["enum"] == list(purpose_codes())
    assert code_system()["url"] in param["description"]
