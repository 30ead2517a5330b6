"""The event registry is the one place an event is declared: every consumer reads it, and an eleventh event
added to it (here a trial one, in test scope) is validated, exported as JSON Schema, summarised, kept in
child state and routed with no other edit than its entry, its focus module and policy data."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, fields
from datetime import datetime

import pytest
import yaml

from hub.core.events import EVENT_CODES, EventSpec, event_specs, registry
from hub.core.facts import FactBase
from hub.core.messages import CS_CONCEPT, Caller
from hub.core.routing import clinical_time, default_policy, load_policy
from hub.core.rules import ChildState, ChildView
from hub.core.rules import state as child_state
from hub.core.summary import summarise
from hub.core.validation.focus_checks import clinical_time as checked_time
from hub.core.validation.focus_checks import concept_codes, observation_status
from hub.core.validation.json_schema import cc_with, dt
from tests.support.messages import EVENTS, load_valid

jsonschema = pytest.importorskip("jsonschema")


# ---- the trial eleventh event: its fact, its registry entry and its focus module (this test module) ------
@dataclass(frozen=True)
class HearingFact(FactBase):
    passed: bool = False
    effective: datetime = None  # type: ignore[assignment]
    status: str = "final"


HEARING_CODES = frozenset({"newborn-hearing-screen"})
TRIAL = EventSpec("hearing-screened", "Observation", "subject", HearingFact, "hearing",
                  lambda f: f"newborn hearing screen {'passed' if f.passed else 'referred'}",
                  accepted_from=frozenset({"health-visiting", "hospital"}), clinical_time=("effective",),
                  checks=__name__)


def check(c, res: dict, p: str, key: str, rid: str) -> HearingFact:
    status = observation_status(c, res, p)
    concept_codes(c, res.get("code"), f"{p}.code", HEARING_CODES, "newborn-hearing-screen")
    passed = res.get("valueBoolean")
    if not isinstance(passed, bool):
        c.err("required", "hearing-screened requires valueBoolean", f"{p}.valueBoolean")
    effective = checked_time(c, res, p, "effectiveDateTime")
    return HearingFact(key=key, resource_id=rid, passed=bool(passed), effective=effective, status=status)


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "code", "effectiveDateTime", "subject", "valueBoolean"]
    s["properties"]["code"] = cc_with(CS_CONCEPT, HEARING_CODES)
    s["properties"]["effectiveDateTime"] = dt()
    return s


@pytest.fixture
def with_trial_event(monkeypatch):
    monkeypatch.setattr(registry, "REGISTRY", registry.REGISTRY.with_spec(TRIAL))


def hearing_message() -> dict:
    """The mobility-assessed example, re-coded as a hearing screen."""
    b = load_valid("mobility-assessed")
    b["entry"][0]["resource"]["eventCoding"]["code"] = "hearing-screened"
    b["entry"][3]["resource"]["code"] = {"coding": [{"system": CS_CONCEPT, "code": "newborn-hearing-screen"}]}
    b["entry"][3]["resource"]["valueBoolean"] = True
    return b


# ---- an eleventh event, from its registry entry alone ------------------------------------------------
def test_registry_an_unregistered_event_code_is_refused(check):
    verdict = check(hearing_message())
    assert verdict.status == 422
    assert {"code": "code-invalid", "expression": ["Bundle.entry[0].resource.eventCoding.code"]} in [
        {k: i[k] for k in ("code", "expression")} for i in verdict.outcome["issue"]]


def test_registry_an_eleventh_event_is_validated_by_its_focus_module(with_trial_event, check):
    verdict = check(hearing_message(), caller=Caller("HV001", "health-visiting"))
    assert verdict.status == 202, verdict.outcome
    msg = verdict.message
    assert msg.event == "hearing-screened" and len(msg.facts) == 1
    fact = msg.facts[0]
    assert isinstance(fact, HearingFact) and fact.passed and fact.effective == datetime.fromisoformat(
        "2026-05-01T10:00:00+01:00")
    # its own checks run, at the focus resource's path
    b = hearing_message()
    del b["entry"][3]["resource"]["valueBoolean"]
    b["entry"][3]["resource"]["code"]["coding"][0]["code"] = "independently-mobile"
    issues = {(i["code"], i["expression"][0]) for i in check(b).outcome["issue"]}
    assert issues == {("required", "Bundle.entry[3].resource.valueBoolean"),
                      ("code-invalid", "Bundle.entry[3].resource.code.coding[0].code")}
    # the envelope checks apply as to any event: the focus type, the kinds it is accepted from
    b = hearing_message()
    b["entry"][0]["resource"]["focus"] = [{"reference": b["entry"][2]["fullUrl"]}]
    assert check(b).status == 422
    assert check(hearing_message(), caller=Caller("HV001", "police")).status == 403


def test_registry_an_eleventh_event_gets_a_json_schema(with_trial_event):
    from hub.core.validation.schema_export import build_all

    schemas = build_all()
    assert set(schemas) == set(EVENT_CODES) | {"hearing-screened"}
    validator = jsonschema.Draft202012Validator(schemas["hearing-screened"])
    assert not list(validator.iter_errors(hearing_message()))
    b = hearing_message()
    del b["entry"][3]["resource"]["valueBoolean"]
    assert list(validator.iter_errors(b))
    assert list(validator.iter_errors(load_valid("mobility-assessed")))  # the event code is pinned


def test_registry_an_eleventh_event_is_summarised_kept_in_state_and_routed(with_trial_event, check):
    msg = check(hearing_message(), caller=Caller("HV001", "health-visiting")).message
    assert summarise(msg) == "hearing-screened: newborn hearing screen passed"
    # child state keeps it under its own slot and reads it back as the same fact
    s = ChildState(nhs_number=msg.patient.nhs_number)
    s.apply(msg)
    assert [slot.split("|")[0] for slot in s.facts] == ["hearing"]
    back = ChildState.from_item(json.loads(json.dumps(s.to_item())))
    assert back.facts[next(iter(s.facts))].fact() == msg.facts[0]
    assert back.view().mobility == ()  # no rule reads it: it has no view
    # routing: its clinical time, and a policy rule that names it
    assert clinical_time(msg) == msg.facts[0].effective
    policy = yaml.safe_load(_policy_text())
    policy["rules"].append({"id": "hearing-gp", "events": ["hearing-screened"], "when": {"always": True},
                            "recipients": [{"kind": "gp", "ods": "gp", "legal_basis": next(iter(policy["legal_bases"]))}]})
    assert load_policy(policy).rules[-1].applies_to("hearing-screened")


def _policy_text() -> str:
    from importlib.resources import files

    return files("hub").joinpath("data/routing-policy.yaml").read_text(encoding="utf-8")


# ---- every registered event is read by every consumer --------------------------------------------------
def test_registry_holds_the_ten_events_of_the_contract():
    assert EVENT_CODES == tuple(s.code for s in event_specs()) == (
        "child-registered", "plan-started", "plan-ended", "injury-observed", "medical-examination",
        "immunisation-recorded", "appointment-outcome", "child-seen", "concern-recorded", "mobility-assessed")


@pytest.mark.parametrize("spec", event_specs(), ids=lambda s: s.code)
def test_registry_entry_is_complete(spec):
    module = spec.focus_module()
    assert callable(module.check) and callable(module.focus_schema)
    names = {f.name for f in fields(spec.fact)}
    assert set(spec.clinical_time) <= names
    assert spec.view is None or spec.view in {f.name for f in fields(ChildView)}
    assert (spec.patient_element is None) == (spec.focus_type == "Patient")
    assert (EVENTS / "valid" / f"{spec.code}.json").exists()  # build_examples.py refuses to run without one


def test_registry_every_child_view_list_comes_from_an_event():
    lists = {f.name for f in fields(ChildView)} - {"nhs_number", "birth_date", "household", "relations"}
    assert lists == {s.view for s in event_specs() if s.view}


def test_registry_slots_child_state_treats_apart_are_registered():
    assert registry.REGISTRY.get("child-registered").state_slot == child_state.REGISTRATION
    assert registry.REGISTRY.get("plan-started").state_slot == child_state.PLAN_START
    assert registry.REGISTRY.get("plan-ended").state_slot == child_state.PLAN_END


def test_registry_every_event_is_named_by_a_routing_rule():
    named = {e for rule in default_policy().rules for e in rule.events}
    assert set(EVENT_CODES) <= named


@pytest.mark.parametrize("spec", event_specs(), ids=lambda s: s.code)
def test_registry_every_event_yields_its_fact_and_summary(spec, check):
    body = copy.deepcopy(load_valid(spec.code))
    msg = check(body).message
    assert msg is not None and msg.event == spec.code
    assert all(type(f) is spec.fact for f in msg.facts)
    assert registry.REGISTRY.for_fact(msg.facts[0]) is spec
    assert summarise(msg).startswith(f"{spec.code}: ")


def test_registry_refuses_two_events_with_one_code_or_one_slot():
    with pytest.raises(ValueError):
        registry.REGISTRY.with_spec(TRIAL).with_spec(TRIAL)
