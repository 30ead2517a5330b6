"""RulesService (v1.1, issues 12 and 13): alerts are disclosures whose audit records carry the legal basis;
alert ids are keyed with the hub's secret; the registered GP comes only from child-registered; every change
of registered GP or household is audited without the NHS number, and for a child on a plan is a notice to
the lead social worker's local authority."""
from __future__ import annotations

from hub.bootstrap import rules_service
from hub.core.rules.config import REPLAY_ALERT_KEY
from hub.core.rules.findings import make_alert_id
from tests.support.rule_builders import Child, at, concern, injury, plan_start
from tests.support.nhs import nhs_number


def alerts(ports) -> list[dict]:
    return [r for r in ports.queues.messages(ports.settings.alerts_queue_url) if r["type"] == "alert"]


def audited(ports, action: str) -> list[dict]:
    return [r for r in ports.audit.records if r["action"] == action]


def infant(seed: int) -> Child:
    return Child(nhs_number(seed), "2025-06-01", gp="A81001", household=f"HH-{seed}")


def test_alert_audit_records_carry_the_legal_basis_and_keyed_ids(ports, clock):
    kid = infant(31)
    service = rules_service(ports)
    clock.set(at("2025-08-01T12:00"))
    msg = kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00")
    service.on_message(msg)
    [alert] = alerts(ports)
    [raised] = audited(ports, "alert.raised")
    assert "Art 9(2)(g)" in raised["legal_basis"] and "Sch 1 para 18" in raised["legal_basis"]
    assert "s47" not in raised["legal_basis"]  # the LA's duty is not health's basis for sharing
    # keyed with the hub's secret: not the id replay's public key gives for the same facts
    key = msg.facts[0].key
    assert alert["alert_id"] == make_alert_id(ports.hmac_key, "non-mobile-bruising", kid.nhs_number, key)
    assert alert["alert_id"] != make_alert_id(REPLAY_ALERT_KEY, "non-mobile-bruising", kid.nhs_number, key)
    # a resolution is a disclosure too
    service.on_message(kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-02T09:00", event_type="cancel"))
    [resolved] = audited(ports, "alert.resolved")
    assert resolved["legal_basis"] == raised["legal_basis"]


def test_a_claimed_gp_in_another_message_never_readdresses_alerts(ports, clock):
    kid = infant(32)
    service = rules_service(ports)
    clock.set(at("2025-07-01T12:00"))
    service.on_message(kid.registered("2025-06-10T09:00", sender="A81001", kind="gp"))
    # issue 12's hijack: a police concern whose Patient names GP EVIL01, sent later
    service.on_message(kid.msg(concern("c-1", "domestic-abuse", "2025-07-01T09:00"), ts="2025-07-01T10:00",
                               gp_ods="EVIL01", sender="P42", kind="police"))
    clock.set(at("2025-08-01T12:00"))
    service.on_message(kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00"))
    [alert] = alerts(ports)
    assert alert["recipients"] == ["LAFD001", "A81001"] and ports.state.get(kid.nhs_number).gp_ods == "A81001"
    assert audited(ports, "child.relationship-changed") == []


def test_a_registered_gp_change_is_audited_and_for_a_child_on_a_plan_a_notice_to_the_la(ports, clock):
    on_plan, off_plan = infant(33), infant(34)
    service = rules_service(ports)
    clock.set(at("2025-08-01T12:00"))
    for kid in (on_plan, off_plan):
        service.on_message(kid.registered("2025-06-10T09:00", sender="A81001", kind="gp"))
    service.on_message(on_plan.msg(plan_start("cpp-33", "2025-07-01T10:00", la="LA777"), ts="2025-07-01T11:00",
                                   sender="LA777", kind="social-care"))
    # WHEN each child registers with another practice
    clock.set(at("2025-08-05T12:00"))
    for kid in (on_plan, off_plan):
        service.on_message(kid.registered("2025-08-05T09:00", gp_ods="B82002", sender="B82002", kind="gp"))
    # THEN both changes are audited, with the practices and without the NHS number
    changes = audited(ports, "child.relationship-changed")
    assert sorted((c["child"], c["details"]["from"], c["details"]["to"]) for c in changes) == sorted(
        (ports.audit.child_hash(k.nhs_number), "A81001", "B82002") for k in (on_plan, off_plan))
    assert all(k.nhs_number not in str(changes) for k in (on_plan, off_plan))
    # AND only the child on a plan gives a notice, medium, to the lead social worker's local authority only
    [notice] = [a for a in alerts(ports) if a["rule"] == "relationship-changed"]
    assert (notice["nhs_number"], notice["severity"], notice["recipients"]) == (on_plan.nhs_number, "medium", ["LA777"])
    assert notice["summary"] == "The registered GP practice of a child on a plan has changed."
    assert notice["details"] == {"relationship": "registered-gp", "from": "A81001", "to": "B82002",
                                 "changed_at": "2025-08-05T08:00:00+00:00"}


def test_a_household_change_is_audited_as_keyed_pseudonyms_once(ports, clock):
    kid = infant(35)
    service = rules_service(ports)
    clock.set(at("2025-08-01T12:00"))
    service.on_message(kid.registered("2025-06-10T09:00", sender="A81001", kind="gp"))
    before = ports.state.get(kid.nhs_number).copy()
    moved = kid.msg(concern("c-1", "domestic-abuse", "2025-08-01T09:00"), ts="2025-08-01T10:00",
                    household="HH-NEW-ADDRESS")
    service.on_message(moved)
    # a retry after the state save was lost derives the change again: still one audit record
    ports.state.put(before)
    service.on_message(moved)
    [change] = audited(ports, "child.relationship-changed")
    assert change["outcome"] == "household"
    frm, to = change["details"]["from"], change["details"]["to"]
    assert frm.startswith("hh-") and to.startswith("hh-") and frm != to
    assert "HH-NEW-ADDRESS" not in str(change) and "HH-35" not in str(change)
    # not on a plan: no notice
    assert [a for a in alerts(ports) if a["rule"] == "relationship-changed"] == []
