"""The published OpenAPI document: built offline by tools/export_openapi.py, committed as
schemas/openapi.json and packaged byte for byte as functions/hub/data/openapi.json, the copy that
GET /openapi.json serves. The export runs in a fresh interpreter: handler modules read their Powertools
settings at import, so importing them here would leak into other tests."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "schemas" / "openapi.json"
PACKAGED = ROOT / "functions" / "hub" / "data" / "openapi.json"
EXPORT = ROOT / "tools" / "export_openapi.py"


@pytest.fixture(scope="module")
def generated() -> dict:
    out = subprocess.run([sys.executable, str(EXPORT), "--stdout"], check=True, capture_output=True, text=True,
                         env={"PATH": "", "AWS_DEFAULT_REGION": "eu-west-2"}, timeout=120)
    return json.loads(out.stdout)


def test_openapi_committed_document_is_current(generated):
    # regenerate with: make openapi
    assert json.loads(PUBLISHED.read_text()) == generated


def test_openapi_packaged_copy_is_the_committed_document():
    # regenerate with: make openapi (writes both)
    assert PACKAGED.read_bytes() == PUBLISHED.read_bytes()


def test_openapi_documents_both_routes_and_their_statuses(generated):
    post = generated["paths"]["/$process-message"]["post"]
    assert {"202", "200", "400", "403", "409", "413", "415", "422"} <= set(post["responses"])
    assert "get" in generated["paths"]["/audit"]
    assert "/openapi.json" not in generated["paths"]  # the document does not describe itself
    assert generated["security"] == [{"agencyKey": []}, {"agencyKeyHeader": []}]  # Bearer, or x-api-key
    # public per template.yaml (Auth: Authorizer: NONE): no key for the CapabilityStatement
    assert generated["paths"]["/metadata"]["get"]["security"] == []
    assert "security" not in generated["paths"]["/$validate"]["post"]


def test_openapi_export_reads_the_api_functions_from_the_template():
    from tools.export_openapi import api_handler_modules

    assert {"hub.handlers.ingest", "hub.handlers.audit_api", "hub.handlers.conformance"} <= set(api_handler_modules())
