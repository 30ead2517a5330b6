"""Real FHIR in: every UK Core example of a supported type, wrapped into a valid hub message, is accepted."""
from __future__ import annotations

import copy
import json

import pytest
from tests.support.ukcore import UKCORE_EVENT, ukcore_paths, wrap_ukcore

PATHS = ukcore_paths()


def test_validation_ukcore_examples_are_present():
    types = {json.loads(p.read_text())["resourceType"] for p in PATHS}
    assert len(PATHS) >= 40
    assert types == set(UKCORE_EVENT)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_validation_ukcore_example_wrapped_is_accepted(check, path):
    # GIVEN a UK Core example (narrative, meta, contained, lotNumber, route, site, names, telecom, photo...)
    resource = json.loads(path.read_text())
    # WHEN wrapped into a hub message with the event's required content
    bundle = wrap_ukcore(resource)
    verdict = check(bundle)
    # THEN accepted, and the example's own elements survive untouched into Message.raw
    assert verdict.status == 202, verdict.outcome
    kept = [e["resource"] for e in verdict.message.raw["entry"] if e["resource"].get("id") == resource.get("id")]
    replaced = ("effective", "_effective", "occurrence", "_occurrence", "end")  # the wrapper sets clinical times
    assert kept and all(k in kept[0] for k in resource if not k.startswith(replaced))


@pytest.mark.parametrize("path", PATHS[::7], ids=lambda p: p.name)
def test_validation_ukcore_example_with_an_unknown_element_is_rejected(check, path):
    # negative control: the same wrapped example plus one element FHIR R4 does not define
    bundle = wrap_ukcore(json.loads(path.read_text()))
    target = copy.deepcopy(bundle)
    focus = next(e for e in target["entry"] if e["resource"].get("id") == json.loads(path.read_text()).get("id"))
    focus["resource"]["severity"] = "high"
    verdict = check(target)
    assert verdict.status == 422
    assert any(i["code"] == "structure" and i["expression"][0].endswith(".severity") for i in verdict.outcome["issue"])
