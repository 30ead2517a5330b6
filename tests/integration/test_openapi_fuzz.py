"""schemathesis against the published OpenAPI document (schemas/openapi.json) on the embedded stack:
no 5xx, no crash, for positive and negative cases of every operation.

The published POST /$process-message declares no request body schema (the contract is FHIR, with
per-event JSON Schemas in schemas/), so this test adds a loose FHIR-message-shaped body schema to
its copy of the document: schemathesis then generates bodies near and across the contract's edges.
Each operation runs as every caller we have (an agency, a commissioner, nobody).
"""
from __future__ import annotations

import copy
import os

import pytest

schemathesis = pytest.importorskip("schemathesis")  # installed by the dev extras; see the lead's constraints
from hypothesis import HealthCheck, settings  # noqa: E402

from tools.export_openapi import published_document as openapi_document  # noqa: E402
from tests.support.lambda_events import ensure_metrics_namespace  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("openapi-fuzz")]
MAX_EXAMPLES = 400 if os.environ.get("SOAK") == "1" else 40
# GET /audit/verification walks every hash chain on each call, and the log grows with each request this module
# sends: at 40 examples it took a third of the module's time. Its input is two optional date strings.
VERIFICATION = "/audit/verification"
VERIFICATION_EXAMPLES = 100 if os.environ.get("SOAK") == "1" else 12

_CODING = {"type": "object", "properties": {"system": {"type": "string"}, "code": {"type": "string"}}}
_BUNDLE = {
    "type": "object",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"enum": ["Bundle", "Patient", "MessageHeader"]},
        "id": {"type": "string"},
        "type": {"enum": ["message", "collection", "transaction"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "entry": {"type": "array", "maxItems": 4, "items": {
            "type": "object",
            "properties": {
                "fullUrl": {"type": "string", "pattern": "^urn:uuid:[0-9a-f-]{36}$"},
                "resource": {"type": "object", "properties": {
                    "resourceType": {"enum": ["MessageHeader", "Organization", "Patient", "Observation",
                                              "Encounter", "Immunization", "EpisodeOfCare", "Appointment"]},
                    "id": {"type": "string"},
                    "eventCoding": _CODING,
                    "identifier": {"type": "array", "maxItems": 2, "items": {
                        "type": "object", "properties": {"system": {"type": "string"}, "value": {"type": "string"}}}},
                    "birthDate": {"type": "string"},
                    "sender": {"type": "object", "properties": {"reference": {"type": "string"}}},
                    "focus": {"type": "array", "maxItems": 2, "items": {
                        "type": "object", "properties": {"reference": {"type": "string"}}}},
                }},
            },
        }},
    },
}


def _document() -> dict:
    doc = copy.deepcopy(openapi_document())
    op = doc["paths"]["/$process-message"]["post"]
    op["requestBody"] = {"required": True, "content": {"application/fhir+json": {"schema": _BUNDLE},
                                                        "application/json": {"schema": _BUNDLE}}}
    return doc


schema = schemathesis.openapi.from_dict(_document())
every_other_operation = schema.exclude(path=VERIFICATION)
verification_operation = schema.include(path=VERIFICATION)


@pytest.fixture(scope="module")
def api():
    from tests.support.agencies import issue_keys
    from hub.handlers import composition
    from hub.local.stack import local_stack

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    with local_stack(api_port=0, save_to=False, pollers=False, stack_name="openapi-fuzz") as st:
        for fn in st.runtime.info.functions:
            st.runtime.handler(fn)
        ensure_metrics_namespace()
        tokens = issue_keys(composition.current().agencies,
                            [{"ods": "A81001", "kind": "gp"}, {"ods": "COM01", "kind": "commissioner"}])
        yield {"url": st.api_url, "callers": {"agency": tokens["A81001"], "commissioner": tokens["COM01"],
                                             "nobody": None}}
        composition.use(None)


@pytest.mark.parametrize("caller", ["agency", "commissioner", "nobody"])
@every_other_operation.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_no_server_error(case, caller, api):
    _check(case, caller, api)


@pytest.mark.parametrize("caller", ["agency", "commissioner", "nobody"])
@verification_operation.parametrize()
@settings(max_examples=VERIFICATION_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_fuzz_verification_no_server_error(case, caller, api):
    _check(case, caller, api)


def _check(case, caller, api) -> None:
    token = api["callers"][caller]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = case.call(base_url=api["url"], headers=headers, timeout=60)
    if case.method.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
        # TRACE/CONNECT never reach API Gateway's routes; the local HTTP server answers 501 itself
        assert response.status_code in (403, 405, 501)
        return
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    if caller == "nobody":  # whatever schemathesis puts in Authorization, no key means no access
        public = case.path == "/metadata" or case.path.split("/")[1] in (
            "MessageDefinition", "CodeSystem", "ValueSet", "StructureDefinition")  # GET /metadata's resources
        # 404: no such route (API Gateway answers before any key is looked at)
        assert response.status_code in ((200, 404) if public else (401, 403, 404))
