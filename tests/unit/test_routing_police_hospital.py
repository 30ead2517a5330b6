"""Police and hospitals as recipients (routing-policy.yaml rules police-cp-plan, police-cp-injury, cp-is-hospital):
the local authority to police force map, the CP-IS plan flag back to a hospital and the 'attended unscheduled
care' notification to the lead social worker's local authority, once per child, hospital and day."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from hub.core.messages import InjuryFact, Message, PatientInfo, PlanFact
from hub.core.routing import (ChildContext, RoutingConfig, content_bundle, decide, default_policy, load_policy,
                              minimise, plan_routing, readdress)
from hub.core.routing.policy import PolicyError

POLICY = default_policy()
CONFIG = RoutingConfig(la_front_door_ods="LAFD001", default_hv_ods="HV001", police_by_la={"LA123": "P42"})
T = datetime(2026, 7, 14, 10, 0, tzinfo=timezone.utc)
CP_PLAN = PlanFact(key="https://la123.example/Id/plan|CPP-1001", resource_id="eoc-1", status="active",
                   plan_type="child-protection-plan", cp_category="neglect",
                   start=datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc), la_ods="LA123", care_manager="Sam Social Worker")
CIN_PLAN = PlanFact(key="https://la123.example/Id/plan|CIN-7", resource_id="eoc-2", status="active",
                    plan_type="child-in-need-plan", start=CP_PLAN.start, la_ods="LA123")


def msg(event: str, *, sender: str = "RX1", kind: str = "hospital", facts=(), when: datetime = T,
        mid: str = "0b7c3a5e-8c44-4bd1-9d5b-6d8a4f6f1e01") -> Message:
    return Message(message_id=mid, bundle_id="b-1", timestamp=when, event=event, event_type="new", sender_ods=sender,
                   patient=PatientInfo(nhs_number="9990012008", birth_date=date(2025, 1, 10)), facts=tuple(facts),
                   sender_kind=kind)


def injury(when: datetime = T) -> InjuryFact:
    return InjuryFact(key="https://rx1.example/Id/obs|ED-1", resource_id="obs-1", code="bruise", effective=when)


def ctx(*, cp: bool = True, plan: PlanFact | None = CP_PLAN, msg_plan: PlanFact | None = None) -> ChildContext:
    return ChildContext(on_cp_plan=cp, on_plan=cp or plan is not None, la_ods=plan.la_ods if plan else None,
                        gp_ods="A81001", hv_ods="HV001", age_days=None, plan=plan, msg_plan=msg_plan)


def to(ds, kind: str, content: str = "message"):
    return [d for d in ds if d.recipient_kind == kind and d.content == content]


# ---- police --------------------------------------------------------------------------------
@pytest.mark.parametrize("event", ["plan-started", "plan-ended"])
def test_a_cp_plan_starting_or_ending_goes_to_the_force_of_its_local_authority(event):
    ds = decide(msg(event, sender="LA123", kind="social-care", facts=[CP_PLAN]), ctx(msg_plan=CP_PLAN), POLICY, CONFIG)
    [police] = to(ds, "police")
    assert (police.recipient_ods, police.profile, police.policy_rule) == ("P42", "police", "police-cp-plan")
    assert "Art 9(2)(g)" in police.legal_basis and "Sch 1 para 18" in police.legal_basis


def test_a_plan_end_reaches_the_force_through_the_plan_it_ends_when_the_child_is_no_longer_on_it():
    ended = PlanFact(key=CP_PLAN.key, resource_id="eoc-1", status="finished", plan_type="child-protection-plan",
                     la_ods="LA123", end=T)
    ds = decide(msg("plan-ended", sender="LA123", kind="social-care", facts=[ended]),
                ctx(cp=False, plan=None, msg_plan=ended), POLICY, CONFIG)
    assert [d.recipient_ods for d in to(ds, "police")] == ["P42"]


def test_no_police_copy_for_a_child_in_need_plan_an_unmapped_authority_or_an_empty_map():
    cin = decide(msg("plan-started", sender="LA123", kind="social-care", facts=[CIN_PLAN]),
                 ctx(cp=False, plan=CIN_PLAN, msg_plan=CIN_PLAN), POLICY, CONFIG)
    assert to(cin, "police") == []
    other = PlanFact(**{**CP_PLAN.__dict__, "la_ods": "LA999"})
    decision = plan_routing(msg("plan-started", sender="LA999", kind="social-care", facts=[other]),
                            ctx(plan=other, msg_plan=other), POLICY, CONFIG)
    assert to(decision.disclosures, "police") == []
    assert any(s.recipient_kind == "police" and s.reason == "unresolved" for s in decision.skipped)
    unconfigured = decide(msg("plan-started", sender="LA123", kind="social-care", facts=[CP_PLAN]),
                          ctx(msg_plan=CP_PLAN), POLICY, RoutingConfig())
    assert to(unconfigured, "police") == []


def test_an_injury_goes_to_the_force_only_when_the_child_is_on_a_cp_plan():
    on_plan = decide(msg("injury-observed", sender="A81001", kind="gp", facts=[injury()]), ctx(), POLICY, CONFIG)
    assert [(d.recipient_ods, d.policy_rule) for d in to(on_plan, "police")] == [("P42", "police-cp-injury")]
    off_plan = decide(msg("injury-observed", sender="A81001", kind="gp", facts=[injury()]),
                      ctx(cp=False, plan=None), POLICY, CONFIG)
    assert to(off_plan, "police") == []


# ---- CP-IS ---------------------------------------------------------------------------------
def test_a_hospital_message_about_a_cp_child_flags_the_plan_to_the_hospital_and_tells_the_la():
    ds = decide(msg("injury-observed", facts=[injury()]), ctx(), POLICY, CONFIG)
    [flag] = to(ds, "hospital", "plan-flag")
    [notice] = to(ds, "social-care", "unscheduled-care")
    assert (flag.recipient_ods, flag.profile, flag.policy_rule) == ("RX1", "cp-is-flag", "cp-is-hospital")
    assert notice.recipient_ods == "LA123" and "CP-IS" in notice.legal_basis and "CP-IS" in flag.legal_basis
    assert to(ds, "hospital") == []  # its own message never goes back to it
    assert to(ds, "social-care")  # the LA still gets its copy of the message


@pytest.mark.parametrize("sender,kind,on_cp", [("A81001", "gp", True), ("RX1", "hospital", False)])
def test_no_plan_flag_for_another_sender_kind_or_a_child_not_on_a_cp_plan(sender, kind, on_cp):
    ds = decide(msg("injury-observed", sender=sender, kind=kind, facts=[injury()]),
                ctx(cp=on_cp, plan=CP_PLAN if on_cp else CIN_PLAN), POLICY, CONFIG)
    assert [d for d in ds if d.content != "message"] == []


def test_one_flag_and_one_notification_per_child_hospital_and_london_day():
    morning = decide(msg("injury-observed", facts=[injury()]), ctx(), POLICY, CONFIG)
    evening = decide(msg("medical-examination", mid="1c8d4b6f-9d55-4ce2-8e6c-7e9b5a7a2f02",
                         when=datetime(2026, 7, 14, 22, 30, tzinfo=timezone.utc)), ctx(), POLICY, CONFIG)
    next_day = decide(msg("injury-observed", facts=[injury(datetime(2026, 7, 15, 9, 0, tzinfo=timezone.utc))]),
                      ctx(), POLICY, CONFIG)

    def bases(ds):
        return {d.content: d.basis for d in ds if d.content != "message"}
    assert bases(morning) == bases(morning) and set(bases(morning)) == {"plan-flag", "unscheduled-care"}
    # 22:30 UTC on 14 July is 23:30 in London: the same attendance day
    assert bases(evening) == bases(morning)
    assert bases(next_day)["plan-flag"] != bases(morning)["plan-flag"]
    other_hospital = decide(msg("injury-observed", sender="RX2", facts=[injury()]), ctx(), POLICY, CONFIG)
    assert bases(other_hospital)["unscheduled-care"] != bases(morning)["unscheduled-care"]


def _fhir(bundle: dict) -> None:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


def test_the_plan_flag_is_a_minimised_fhir_message_with_plan_type_start_la_and_lead_social_worker():
    m = msg("injury-observed", facts=[injury()])
    [flag] = to(decide(m, ctx(), POLICY, CONFIG), "hospital", "plan-flag")
    out = readdress(minimise(content_bundle(flag, {}, m, ctx()), flag.profile, POLICY), flag,
                    new_message_id="2d9e5c7a-0e66-4df3-9f7d-8fac6b8b3a03", new_bundle_id="bundle-x")
    _fhir(out)
    header = out["entry"][0]["resource"]
    assert header["eventCoding"]["code"] == "cp-plan-flag"
    [eoc] = [e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare"]
    assert {c["code"] for t in eoc["type"] for c in t["coding"]} == {"child-protection-plan", "neglect"}
    assert eoc["period"]["start"].startswith("2026-06-01") and eoc["careManager"]["display"] == "Sam Social Worker"
    la = next(e for e in out["entry"] if e["fullUrl"] == eoc["managingOrganization"]["reference"])
    assert la["resource"]["identifier"][0]["value"] == "LA123"
    [patient] = [e["resource"] for e in out["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert set(patient) <= {"resourceType", "id", "identifier", "birthDate"}
    assert header["destination"][0]["receiver"]["identifier"]["value"] == "RX1"


def test_the_unscheduled_care_notification_names_the_hospital_the_day_and_the_plan():
    m = msg("injury-observed", facts=[injury()])
    [notice] = to(decide(m, ctx(), POLICY, CONFIG), "social-care", "unscheduled-care")
    bundle = content_bundle(notice, {}, m, ctx())
    _fhir(bundle)
    assert bundle == content_bundle(notice, {}, m, ctx())  # deterministic: a retry writes the same
    [enc] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"]
    assert enc["period"]["start"].startswith("2026-07-14") and enc["class"]["code"] == "EMER"
    hospital = next(e for e in bundle["entry"] if e["fullUrl"] == enc["serviceProvider"]["reference"])
    assert hospital["resource"]["identifier"][0]["value"] == "RX1"
    assert bundle["entry"][0]["resource"]["eventCoding"]["code"] == "attended-unscheduled-care"


def test_the_sender_resolver_is_only_for_a_notification():
    raw = {"version": "t", "legal_bases": {"b": "basis"}, "default_profiles": {k: "p" for k in
           ("gp", "health-visiting", "police", "social-care", "hospital")},
           "profiles": {"p": {"description": "d", "resources": {"*": {"allow": ["id"]}}}},
           "rules": [{"id": "r", "events": ["*"], "when": {"always": True},
                      "recipients": [{"kind": "hospital", "ods": "sender", "legal_basis": "b"}]}]}
    with pytest.raises(PolicyError, match="never copied back"):
        load_policy(raw)
