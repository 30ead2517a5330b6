"""Loading and validating routing policies."""
from __future__ import annotations

import copy
from importlib.resources import files

import pytest
import yaml

from hub.core.messages import AGENCY_KINDS, EVENT_CODES
from hub.core.routing import PolicyError, RoutingPolicy, default_policy, load_policy

SHIPPED_TEXT = files("hub").joinpath("data/routing-policy.yaml").read_text(encoding="utf-8")
SHIPPED = yaml.safe_load(SHIPPED_TEXT)


def _bad(mutate) -> str:
    raw = copy.deepcopy(SHIPPED)
    mutate(raw)
    with pytest.raises(PolicyError) as e:
        load_policy(raw)
    return str(e.value)


def test_routing_policy_default_loads_and_is_cached():
    p = default_policy()
    assert isinstance(p, RoutingPolicy)
    assert p.version == SHIPPED["version"]
    assert default_policy() is p


def test_routing_policy_loads_from_text_path_and_dict(tmp_path):
    f = tmp_path / "policy.yaml"
    f.write_text(SHIPPED_TEXT)
    assert load_policy(SHIPPED_TEXT) == load_policy(f) == load_policy(str(f)) == load_policy(SHIPPED)


def test_routing_policy_shipped_covers_every_event_and_cites_the_law():
    p = default_policy()
    covered = {e for r in p.rules for e in r.events}
    assert "*" in covered or set(EVENT_CODES) <= covered
    for e in EVENT_CODES:
        assert any(r.applies_to(e) and r.when.always for r in p.rules) or e in ("concern-recorded",), \
            f"{e} has no unconditional recipient"
    texts = " ".join(p.legal_bases.values())
    for cite in ("Children Act 1989 s47", "s17", "Children Act 2004 s11", "Working Together to Safeguard Children 2023",
                 "Sch 8 para 4", "Art 6(1)(e)", "Art 9(2)(h)"):
        assert cite in texts, cite
    assert set(p.default_profiles) == set(AGENCY_KINDS)


def test_routing_policy_error_names_the_rule_and_field_for_unknown_legal_basis():
    msg = _bad(lambda r: r["rules"][2]["recipients"][0].__setitem__("legal_basis", "vibes"))
    assert f"id={SHIPPED['rules'][2]['id']}" in msg and "legal_basis" in msg and "vibes" in msg


def test_routing_policy_error_names_the_rule_for_a_bad_ods_resolver():
    msg = _bad(lambda r: r["rules"][0]["recipients"][1].__setitem__("ods", "police_hq"))
    assert "rules[0] (id=cp-plan-core-group).recipients[1].ods" in msg


@pytest.mark.parametrize("mutate,needle", [
    (lambda r: r["rules"][0].__setitem__("events", ["child-born"]), "unknown event code 'child-born'"),
    (lambda r: r["rules"][0]["recipients"][0].__setitem__("kind", "school"), "unknown agency kind 'school'"),
    (lambda r: r["rules"][1].__setitem__("id", r["rules"][0]["id"]), "duplicate rule id"),
    (lambda r: r["rules"][0].__setitem__("when", {}), "empty condition"),
    (lambda r: r["rules"][0].__setitem__("when", {"always": True, "on_plan": True}), "cannot be combined"),
    (lambda r: r["rules"][0].__setitem__("when", {"age_days_lt": -1}), "age_days_lt"),
    (lambda r: r["rules"][0].__setitem__("when", {"on_cp_plan": True, "colour": "red"}), "colour"),
    (lambda r: r["rules"][0]["recipients"][0].__setitem__("profile", "nope"), "unknown profile 'nope'"),
    (lambda r: r["default_profiles"].pop("police"), "no profile for agency kind(s) police"),
    (lambda r: r["profiles"]["health"]["resources"].pop("*"), "'*' entry"),
    (lambda r: r["profiles"]["police"]["resources"]["Patient"].__setitem__("allow", ["name.given[0]"]), "segment 'given[0]'"),
    (lambda r: r["profiles"]["police"]["resources"]["Patient"].__setitem__("erase", ["name"]), "'erase' lists are gone"),
    (lambda r: r["profiles"]["police"]["resources"].__setitem__("patient", {"allow": ["id"]}), "'patient' is not a FHIR resource type"),
    (lambda r: r["profiles"]["social-care"]["resources"]["Immunization"]["allow"].append(
        {"path": "status", "unless": {"a": "c"}}), "'unless' belonged to erase lists"),
    # default deny: what no profile may list, and paths checked against FHIR R4
    (lambda r: r["profiles"]["health"]["resources"]["Patient"]["allow"].append("text"), "'text' never leaves the hub"),
    (lambda r: r["profiles"]["health"]["resources"]["Patient"]["allow"].append("meta"), "'meta' never leaves the hub"),
    (lambda r: r["profiles"]["health"]["resources"]["Observation"]["allow"].append("contained"), "'contained' never"),
    (lambda r: r["profiles"]["health"]["resources"]["Patient"]["allow"].append("extension"), "named by URL"),
    (lambda r: r["profiles"]["police"]["resources"]["Patient"]["allow"].append("extension.valueString"), "named by URL"),
    (lambda r: r["profiles"]["police"]["resources"]["Patient"]["allow"].append("nickname"), "Patient has no element nickname"),
    (lambda r: r["profiles"]["police"]["resources"]["Observation"]["allow"].append("value[x].unit"), "choice of types"),
    (lambda r: r["profiles"]["police"].__setitem__("extends", "nobody"), "unknown profile 'nobody'"),
    (lambda r: r["profiles"]["health"].__setitem__("extends", "social-care"), "a cycle"),
    (lambda r: r.pop("version"), "version"),
    (lambda r: r.__setitem__("rules", []), "rules"),
])
def test_routing_policy_rejects_malformed_policies_clearly(mutate, needle):
    assert needle in _bad(mutate)


def test_routing_policy_rejects_non_mapping_and_bad_yaml(tmp_path):
    with pytest.raises(PolicyError, match="YAML mapping"):
        load_policy("- just\n- a list\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy("version: [unclosed\n")
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_routing_policy_models_are_immutable():
    p = default_policy()
    with pytest.raises(Exception):
        p.version = "x"  # type: ignore[misc]
