"""Routing decisions under the shipped policy (hub/data/routing-policy.yaml)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.messages import (
    EVENT_CODES,
    AGENCY_KINDS,
    ConcernFact,
    ImmunisationFact,
    InjuryFact,
    Message,
    PatientInfo,
)
from hub.core.routing import (
    ChildContext,
    Disclosure,
    RoutingConfig,
    child_age_days,
    decide,
    default_policy,
    load_policy,
    plan_routing,
)

POLICY = default_policy()
CONFIG = RoutingConfig(la_front_door_ods="LAFD001", default_hv_ods=None)
T = datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)
LA, GP, HV = "LA0001", "GP0001", "HV0001"


def msg(event: str, *, sender: str = "SND001", sender_kind: str | None = "hospital", facts=(), birth: date | None = date(2025, 1, 10), gp: str | None = None) -> Message:
    return Message(
        message_id="0b7c3a5e-8c44-4bd1-9d5b-6d8a4f6f1e01",
        bundle_id="b-1",
        timestamp=T,
        event=event,
        event_type="new",
        sender_ods=sender,
        patient=PatientInfo(nhs_number="9912003888", birth_date=birth, gp_ods=gp),
        facts=tuple(facts),
        sender_kind=sender_kind,
    )


def ctx(*, cp=False, plan=False, la=LA, gp=GP, hv=HV, age=400) -> ChildContext:
    return ChildContext(on_cp_plan=cp, on_plan=plan or cp, la_ods=la, gp_ods=gp, hv_ods=hv, age_days=age)


def recipients(ds: list[Disclosure]) -> set[tuple[str, str]]:
    return {(d.recipient_kind, d.recipient_ods) for d in ds}


# ---- the policy's required behaviours ------------------------------------------------
@pytest.mark.parametrize("event", EVENT_CODES)
def test_routing_cp_plan_sends_everything_to_la_gp_and_hv(event):
    # GIVEN a child on a CP plan WHEN any event arrives from a third agency
    ds = decide(msg(event, sender="OTHER01"), ctx(cp=True), POLICY, CONFIG)
    # THEN the lead LA, the GP and health visiting all receive it
    assert {("social-care", LA), ("gp", GP), ("health-visiting", HV)} <= recipients(ds)


def test_routing_cp_plan_disclosures_cite_the_core_group_basis():
    ds = decide(msg("immunisation-recorded"), ctx(cp=True), POLICY, CONFIG)
    by_kind = {d.recipient_kind: d for d in ds if d.content == "message"}  # copies, not the CP-IS notifications
    assert by_kind["social-care"].policy_rule == "cp-plan-core-group"
    assert "Children Act 1989 s47" in by_kind["social-care"].legal_basis
    assert by_kind["social-care"].profile == "social-care"
    assert by_kind["gp"].profile == "health" and by_kind["health-visiting"].profile == "health"
    assert all(d.policy_version == POLICY.version for d in ds)


@pytest.mark.parametrize("age,plan,expected", [
    (300, False, {("social-care", "LAFD001"), ("health-visiting", HV)}),   # under 5, no plan: the front door
    (1825, False, {("social-care", "LAFD001"), ("health-visiting", HV)}),  # the last day under 5
    (1826, False, set()),                                                  # 5 and over, no plan: nobody
    (3000, True, {("social-care", LA), ("health-visiting", HV)}),          # any age on a plan: the lead LA
])
def test_routing_police_concern_goes_to_social_care_and_hv(age, plan, expected):
    # GIVEN a police concern-recorded
    m = msg("concern-recorded", sender="POL001", sender_kind="police")
    # WHEN routed for a child of this age and plan status
    ds = decide(m, ctx(plan=plan, la=LA if plan else None, age=age), POLICY, CONFIG)
    # THEN social care and health visiting receive it (and nobody else)
    assert recipients(ds) == expected


def test_routing_police_concern_off_plan_hides_the_narrative_from_hv():
    ds = decide(msg("concern-recorded", sender="POL001", sender_kind="police"), ctx(la=None, age=300), POLICY, CONFIG)
    by_kind = {d.recipient_kind: d for d in ds}
    assert by_kind["health-visiting"].profile == "health-no-police-narrative"
    assert "Sch 8 para 4" in by_kind["social-care"].legal_basis
    # on a plan the health visitor, a core group member, sees the narrative
    ds = decide(msg("concern-recorded", sender="POL001", sender_kind="police"), ctx(plan=True, age=300), POLICY, CONFIG)
    assert {d.recipient_kind: d.profile for d in ds}["health-visiting"] == "health"


@pytest.mark.parametrize("plan", [False, True])
def test_routing_injury_under_1_goes_to_social_care_and_gp_whatever_the_plan(plan):
    # GIVEN an injury to a baby of 200 days
    ds = decide(msg("injury-observed"), ctx(plan=plan, la=LA if plan else None, age=200), POLICY, CONFIG)
    # THEN social care (lead LA or front door) and the GP receive it
    assert ("social-care", LA if plan else "LAFD001") in recipients(ds)
    assert ("gp", GP) in recipients(ds)


def test_routing_injury_over_1_off_plan_goes_to_gp_only():
    ds = decide(msg("injury-observed"), ctx(la=None, age=365), POLICY, CONFIG)
    assert recipients(ds) == {("gp", GP)}


@pytest.mark.parametrize("event", ["immunisation-recorded", "appointment-outcome"])
def test_routing_immunisation_and_appointment_reach_social_care_only_on_a_plan(event):
    off = recipients(decide(msg(event), ctx(la=None, age=3000), POLICY, CONFIG))
    on = recipients(decide(msg(event), ctx(plan=True, age=3000), POLICY, CONFIG))
    assert ("health-visiting", HV) in off and ("health-visiting", HV) in on
    assert not any(k == "social-care" for k, _ in off)
    assert ("social-care", LA) in on


def test_routing_child_registered_goes_to_health_visiting():
    ds = decide(msg("child-registered", sender="GP0001", sender_kind="gp"), ctx(la=None), POLICY, CONFIG)
    assert recipients(ds) == {("health-visiting", HV)}  # the GP sent it, so not back to the GP


@pytest.mark.parametrize("event", ["plan-started", "plan-ended"])
def test_routing_plan_changes_go_to_gp_and_hv_not_back_to_the_la(event):
    ds = decide(msg(event, sender=LA, sender_kind="social-care"), ctx(cp=True), POLICY, CONFIG)
    assert recipients(ds) == {("gp", GP), ("health-visiting", HV)}


@pytest.mark.parametrize("age,plan,to_social_care", [(200, False, True), (3000, True, True), (3000, False, False)])
def test_routing_medical_examination_to_social_care_when_on_plan_or_infant(age, plan, to_social_care):
    ds = decide(msg("medical-examination", sender="RH0001"), ctx(plan=plan, la=LA if plan else None, age=age), POLICY, CONFIG)
    assert any(d.recipient_kind == "social-care" for d in ds) is to_social_care
    assert ("gp", GP) in recipients(ds)


# ---- mechanics -----------------------------------------------------------------------
def test_routing_never_sends_back_to_the_sender_and_reports_it():
    # GIVEN the child's GP sends an injury for a child on a CP plan
    decision = plan_routing(msg("injury-observed", sender=GP, sender_kind="gp"), ctx(cp=True), POLICY, CONFIG)
    # THEN the GP is not a recipient, and the skip is reported for the audit
    assert ("gp", GP) not in recipients(list(decision.disclosures))
    assert any(s.reason == "sender" and s.recipient_ods == GP for s in decision.skipped)


def test_routing_unresolvable_recipient_is_skipped_and_reported():
    # GIVEN no health visiting organisation known and no default configured
    decision = plan_routing(msg("child-registered"), ctx(hv=None), POLICY, CONFIG)
    assert not any(d.recipient_kind == "health-visiting" for d in decision.disclosures)
    assert any(s.recipient_kind == "health-visiting" and s.reason == "unresolved" for s in decision.skipped)
    # WHEN a default health visiting service is configured THEN it receives the message
    ds = decide(msg("child-registered"), ctx(hv=None), POLICY, RoutingConfig(default_hv_ods="HVDEF01"))
    assert ("health-visiting", "HVDEF01") in recipients(ds)


def test_routing_gp_falls_back_to_the_message_patient():
    ds = decide(msg("immunisation-recorded", gp="GPNEW01"), ctx(gp=None), POLICY, CONFIG)
    assert ("gp", "GPNEW01") in recipients(ds)


def test_routing_gp_from_child_state_not_from_a_claim_in_another_message():
    # v1.1: once a GP is registered, a generalPractitioner in another message never addresses a copy (issue 12)
    ds = decide(msg("immunisation-recorded", gp="EVIL01"), ctx(), POLICY, CONFIG)
    assert ("gp", GP) in recipients(ds) and ("gp", "EVIL01") not in recipients(ds)
    # a registration goes to the practice it names, also when the child was registered elsewhere before
    ds = decide(msg("child-registered", gp="GPNEW01"), ctx(), POLICY, CONFIG)
    assert ("gp", "GPNEW01") in recipients(ds) and ("gp", GP) not in recipients(ds)


def test_routing_first_matching_rule_fixes_basis_and_profile():
    # GIVEN an infant on a CP plan: both cp-plan-core-group and injury-under-1 name social care
    ds = decide(msg("injury-observed"), ctx(cp=True, age=100), POLICY, CONFIG)
    sc = [d for d in ds if d.recipient_kind == "social-care" and d.content == "message"]
    assert len(sc) == 1 and sc[0].policy_rule == "cp-plan-core-group"


def test_routing_age_is_computed_from_birth_date_when_context_lacks_it():
    # GIVEN no age in the context, a birthDate and the injury's clinical time (Europe/London day)
    inj = InjuryFact(key="s|1", resource_id="r1", effective=datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc))
    m = msg("injury-observed", facts=[inj], birth=date(2024, 7, 1))
    # 2025-06-30T23:30Z is 2025-07-01 in London: exactly 365 days old, so not under 1
    assert child_age_days(m, ctx(age=None)) == 365
    assert not any(d.recipient_kind == "social-care" for d in decide(m, ctx(la=None, age=None), POLICY, CONFIG))
    inj2 = InjuryFact(key="s|1", resource_id="r1", effective=datetime(2025, 6, 30, 22, 30, tzinfo=timezone.utc))
    m2 = msg("injury-observed", facts=[inj2], birth=date(2024, 7, 1))
    assert child_age_days(m2, ctx(age=None)) == 364
    assert ("social-care", "LAFD001") in recipients(decide(m2, ctx(la=None, age=None), POLICY, CONFIG))


def test_routing_unknown_age_does_not_satisfy_an_age_rule():
    m = msg("injury-observed", birth=None)
    ds = decide(m, ctx(la=None, age=None), POLICY, CONFIG)
    assert recipients(ds) == {("gp", GP)}


def test_routing_non_police_concern_goes_to_gp_and_under_5_to_hv():
    ds = decide(msg("concern-recorded", sender="HV0001", sender_kind="health-visiting"), ctx(la=None, age=100), POLICY, CONFIG)
    assert recipients(ds) == {("gp", GP)}  # HV sent it
    ds = decide(msg("concern-recorded", sender="RH0001", sender_kind="hospital"), ctx(la=None, age=4000), POLICY, CONFIG)
    assert recipients(ds) == {("gp", GP)}


def test_routing_policy_order_decides_between_overlapping_rules():
    # GIVEN a custom policy where two rules name the same recipient with different profiles
    text = """
version: t1
legal_bases: {a: "Basis A", b: "Basis B"}
default_profiles: {gp: p1, health-visiting: p1, hospital: p1, social-care: p1, police: p1}
profiles:
  p1: {description: x, resources: {"*": {allow: [id, identifier]}}}
  p2: {description: y, resources: {"*": {allow: [id]}}}
rules:
  - {id: first, events: [child-seen], when: {on_plan: true}, recipients: [{kind: gp, ods: gp, legal_basis: b, profile: p2}]}
  - {id: second, events: ["*"], when: {always: true}, recipients: [{kind: gp, ods: gp, legal_basis: a}]}
"""
    pol = load_policy(text)
    on = decide(msg("child-seen"), ctx(plan=True), pol, CONFIG)
    off = decide(msg("child-seen"), ctx(), pol, CONFIG)
    assert [(d.policy_rule, d.legal_basis, d.profile, d.policy_version) for d in on] == [("first", "Basis B", "p2", "t1")]
    assert [(d.policy_rule, d.legal_basis, d.profile) for d in off] == [("second", "Basis A", "p1")]


# ---- properties over every event and child state --------------------------------------
_ods = st.one_of(st.none(), st.sampled_from([LA, GP, HV, "SND001", "LAFD001", "X1Y2Z3"]))


@settings(max_examples=300, deadline=None)
@given(
    event=st.sampled_from(EVENT_CODES),
    sender=st.sampled_from([LA, GP, HV, "SND001", "LAFD001", "POL001"]),
    sender_kind=st.one_of(st.none(), st.sampled_from(AGENCY_KINDS)),
    cp=st.booleans(), plan=st.booleans(),
    la=_ods, gp=_ods, hv=_ods,
    age=st.one_of(st.none(), st.integers(min_value=0, max_value=7000)),
    default_hv=_ods,
)
def test_routing_property_no_loopback_no_duplicates_always_a_basis(event, sender, sender_kind, cp, plan, la, gp, hv, age, default_hv):
    m = msg(event, sender=sender, sender_kind=sender_kind)
    c = ChildContext(on_cp_plan=cp, on_plan=plan or cp, la_ods=la, gp_ods=gp, hv_ods=hv, age_days=age)
    cfg = RoutingConfig(la_front_door_ods="LAFD001", default_hv_ods=default_hv)
    ds = decide(m, c, POLICY, cfg)
    keys = [(d.recipient_kind, d.recipient_ods) for d in ds if d.content == "message"]
    assert len(keys) == len(set(keys)), "one copy per (kind, ODS)"
    assert len(ds) == len({(d.recipient_kind, d.recipient_ods, d.content) for d in ds})
    assert all(d.recipient_ods != sender for d in ds if d.content == "message"), "NEMS: never back to the sender"
    assert all(d.recipient_ods for d in ds)
    assert all(d.legal_basis.strip() and d.profile in POLICY.profiles for d in ds)
    assert all(d.recipient_kind in AGENCY_KINDS for d in ds)
    assert not any(d.recipient_kind == "police" for d in ds)  # the shipped policy never routes to police
    # the CP-plan guarantee holds for every resolvable core group member
    if cp:
        expected = {("social-care", la or "LAFD001")}
        if gp:
            expected.add(("gp", gp))
        if hv or default_hv:
            expected.add(("health-visiting", hv or default_hv))
        assert {e for e in expected if e[1] != sender} <= set(keys)
    # social care off a plan only for under-1 injuries/examinations and police concerns under 5
    age = child_age_days(m, c)  # the context's, else from birthDate
    if not (cp or plan) and any(k == "social-care" for k, _ in keys):
        assert age is not None and (
            (event in ("injury-observed", "medical-examination") and age < 365)
            or (event == "concern-recorded" and sender_kind == "police" and age < 1826)
        )


def test_routing_decide_is_deterministic():
    m = msg("injury-observed", facts=[ConcernFact(key="k", resource_id="r")])
    c = ctx(cp=True, age=100)
    assert decide(m, c, POLICY, CONFIG) == decide(m, c, POLICY, CONFIG)


def test_routing_update_and_cancel_route_like_new():
    base = msg("immunisation-recorded", facts=[ImmunisationFact(key="k", resource_id="r", vaccine="mmr", occurrence=T)])
    from dataclasses import replace

    for et in ("update", "cancel"):
        assert decide(replace(base, event_type=et), ctx(plan=True), POLICY, CONFIG) == decide(base, ctx(plan=True), POLICY, CONFIG)
