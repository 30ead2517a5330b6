"""Cross-check with an independent FHIR implementation: the hub's valid examples are valid FHIR (fhir.resources R4B)."""
from __future__ import annotations

import json

import pytest
from tests.support.messages import valid_example_paths
from tests.support.ukcore import ukcore_paths, wrap_ukcore

Bundle = pytest.importorskip("fhir.resources.R4B.bundle").Bundle  # test-only import


@pytest.mark.parametrize("path", valid_example_paths(), ids=lambda p: p.name)
def test_fhir_crosscheck_valid_examples_parse_with_fhir_resources(path):
    bundle = Bundle.model_validate_json(path.read_bytes())
    assert bundle.type == "message"
    assert bundle.entry[0].resource.get_resource_type() == "MessageHeader"


@pytest.mark.parametrize("path", ukcore_paths()[::5], ids=lambda p: p.name)
def test_fhir_crosscheck_wrapped_ukcore_messages_parse_with_fhir_resources(path):
    Bundle.model_validate_json(json.dumps(wrap_ukcore(json.loads(path.read_text()))))
