"""The published OpenAPI document, generated in a fresh interpreter (handler modules read their
Powertools settings at import, so importing them here would leak into other tests)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

PUBLISHED = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


@pytest.fixture(scope="module")
def generated() -> dict:
    out = subprocess.run([sys.executable, "-m", "hub.openapi"], check=True, capture_output=True, text=True,
                         env={"PATH": "", "AWS_DEFAULT_REGION": "eu-west-2"}, timeout=120)
    return json.loads(out.stdout)


def test_openapi_committed_document_is_current(generated):
    # regenerate with: make openapi
    assert json.loads(PUBLISHED.read_text()) == generated


def test_openapi_documents_both_routes_and_their_statuses(generated):
    post = generated["paths"]["/$process-message"]["post"]
    assert {"202", "200", "400", "403", "409", "413", "415", "422"} <= set(post["responses"])
    assert "get" in generated["paths"]["/audit"]
    assert generated["security"] == [{"agencyKey": []}]
