"""The published FHIR package (schemas/fhir/package.tgz) and the resources the hub serves (hub/data/fhir):
current with the code (`make fhir-package`), valid FHIR R4 (fhir.resources), and consistent: one
MessageDefinition per registered event, the CodeSystems holding the validator's codes, every canonical
reference resolving inside the package."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from hub.core.events import event_specs
from hub.core.messages import HUB
from hub.core.validation import vocabulary as voc

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
build = importlib.import_module("build_fhir_package")
pytest.importorskip("fhir.resources.R4B")


@pytest.fixture(scope="module")
def package() -> dict[str, bytes]:
    return build.read_package()


@pytest.fixture(scope="module")
def resources(package) -> dict[str, dict]:
    """canonical url -> resource, from the committed package"""
    found = [json.loads(data) for name, data in package.items() if not name.endswith(("package.json", ".index.json"))]
    return {r["url"]: r for r in found}


def test_fhir_package_is_current_with_the_code():
    # regenerate with: make fhir-package
    assert build.stale() == []


def test_fhir_package_layout_and_manifest(package, resources):
    manifest = json.loads(package["package/package.json"])
    assert manifest["name"] == build.PACKAGE_NAME and manifest["fhirVersions"] == ["4.0.1"]
    assert manifest["canonical"] == HUB and manifest["dependencies"] == {"hl7.fhir.r4.core": "4.0.1"}
    index = json.loads(package["package/.index.json"])["files"]
    assert {f"package/{f['filename']}" for f in index} == set(package) - {"package/package.json", "package/.index.json"}
    assert {f["url"] for f in index} == set(resources)
    # the served files are the package's resources
    served = {p.name: p.read_bytes() for p in build.DATA.glob("*.json")}
    assert served == {name.removeprefix("package/"): data for name, data in package.items()
                      if not name.endswith(("package.json", ".index.json"))}


def test_fhir_package_every_resource_is_valid_fhir(resources):
    for url, resource in resources.items():
        rtype = resource["resourceType"]
        model = getattr(importlib.import_module(f"fhir.resources.R4B.{rtype.lower()}"), rtype)
        model.model_validate(resource)  # raises on any unknown or missing element, or a wrong type
        assert url == f"{HUB}/{rtype}/{resource['id']}"


def test_fhir_package_one_message_definition_per_event(resources):
    defs = {r["eventCoding"]["code"]: r for r in resources.values() if r["resourceType"] == "MessageDefinition"}
    assert set(defs) == {s.code for s in event_specs()}
    for spec in event_specs():
        d = defs[spec.code]
        assert d["eventCoding"]["system"] == f"{HUB}/CodeSystem/message-event"
        assert d["focus"] == [{"code": spec.focus_type, "min": 1, "max": "*"}]
    assert "social-care" in defs["plan-started"]["description"] and "police" not in defs["plan-started"]["description"]


def test_fhir_package_code_systems_hold_the_validators_codes(resources):
    def codes(rid):
        return {c["code"] for c in resources[f"{HUB}/CodeSystem/{rid}"]["concept"]}

    assert codes("message-event") == {s.code for s in event_specs()}
    assert codes("concept") == voc.CONCEPT_CODES
    assert codes("vaccine") == voc.VACCINE_CODES
    assert codes("message-event-type") == set(voc.EVENT_TYPES)
    for vs in (r for r in resources.values() if r["resourceType"] == "ValueSet"):
        for inc in vs["compose"]["include"]:
            assert {c["code"] for c in inc["concept"]} <= {c["code"] for c in resources[inc["system"]]["concept"]}, vs["id"]


def test_fhir_package_extensions_name_every_hub_extension_the_code_uses(resources):
    from hub.core import messages

    used = {v for k, v in vars(messages).items() if k.startswith("EXT_")}
    defined = {u for u, r in resources.items() if r["resourceType"] == "StructureDefinition"}
    assert used <= defined
    for url in defined:
        elements = {e["id"]: e for e in resources[url]["differential"]["element"]}
        assert elements["Extension.url"]["fixedUri"] == url


def test_fhir_package_capability_statement_references_resolve(resources):
    (cap,) = [r for r in resources.values() if r["resourceType"] == "CapabilityStatement"]
    supported = cap["messaging"][0]["supportedMessage"]
    assert {s["definition"] for s in supported if s["mode"] == "receiver"} == {
        f"{HUB}/MessageDefinition/{s.code}" for s in event_specs()}
    assert all(s["definition"] in resources for s in supported)
    rest = cap["rest"][0]
    assert {op["name"] for op in rest["operation"]} >= {"process-message", "validate"}
    assert {r["type"] for r in rest["resource"]} >= {"MessageDefinition", "CodeSystem", "ValueSet", "StructureDefinition"}
    assert "x-api-key" in rest["security"]["description"]
    assert "Certificates" in {c["code"] for s in rest["security"]["service"] for c in s.get("coding", [])}
    for route in build.api_routes():  # every API route of the template is documented
        assert f"| {route['method']} | `{route['path']}` |" in rest["documentation"]
