"""The published JSON Schemas (schemas/) are current, valid Draft 2020-12, and agree with the examples."""
from __future__ import annotations

import json

import pytest
from tests.support.messages import REPO as ROOT, valid_example_paths

from hub.core.messages import EVENT_CODES
from hub.core.validation.schema_export import build_all, render

jsonschema = pytest.importorskip("jsonschema")
SCHEMAS = ROOT / "schemas"


def test_schemas_one_per_event_and_not_stale():
    # GIVEN the committed schemas WHEN regenerated from the models THEN byte-identical
    # (fix: python -m hub.core.validation.schema_export schemas/)
    built = build_all()
    assert set(built) == set(EVENT_CODES)
    for event, schema in built.items():
        path = SCHEMAS / f"{event}.schema.json"
        assert path.exists(), path
        assert path.read_text() == render(schema), f"{path.name} is stale: regenerate the schemas"


@pytest.mark.parametrize("event", EVENT_CODES)
def test_schemas_are_valid_draft_2020_12(event):
    schema = json.loads((SCHEMAS / f"{event}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{event}.schema.json")


@pytest.mark.parametrize("path", valid_example_paths(), ids=lambda p: p.name)
def test_schemas_accept_the_valid_examples(path):
    event = path.name.split(".")[0]
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / f"{event}.schema.json").read_text()))
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    assert not errors, [e.message for e in errors[:3]]


def test_schemas_reject_an_example_under_another_event():
    # the event code is pinned: an injury-observed message does not satisfy the child-seen schema
    body = json.loads((ROOT / "events/valid/injury-observed.json").read_text())
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "child-seen.schema.json").read_text()))
    assert list(validator.iter_errors(body))


@pytest.mark.parametrize("mutate", [
    lambda b: b["entry"][3]["resource"].__setitem__("colour", "red"),
    lambda b: b["entry"][3]["resource"]["code"]["coding"].pop(0),
    lambda b: b["entry"][3]["resource"].__setitem__("effectiveDateTime", "2026-07-14"),
    lambda b: b.__setitem__("type", "collection"),
    lambda b: b["entry"][0]["resource"]["source"].pop("contact"),
])
def test_schemas_reject_contract_faults(mutate):
    body = json.loads((ROOT / "events/valid/injury-observed.json").read_text())
    mutate(body)
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "injury-observed.schema.json").read_text()))
    assert list(validator.iter_errors(body))
