"""RouterService on fakes with a local authority to police force map: the force gets a plan-started copy under the
police profile; a hospital writing about a child on a CP plan gets the plan flag, and the lead social worker's
local authority an 'attended unscheduled care' notification, once per day, each audited with its legal basis."""
from __future__ import annotations

import json

import pytest

from hub.bootstrap import router_service, rules_service
from hub.service.queued import load_message
from tests.support.messages import load_valid, to_bytes, with_message_id
from tests.support.pipeline import ingest
from tests.support.wiring import fake_settings, in_memory_ports

POLICE, HOSPITAL, LA = "P42", "RX1", "LA123"


@pytest.fixture
def ports(clock):
    return in_memory_ports(fake_settings(police_force_by_la={LA: POLICE}), clock=clock)


def deliver(ports, bundle: dict, ods: str, kind: str) -> int:
    """ingest -> router -> rules, as the pipeline does; returns disclosures sent."""
    assert ingest(ports, to_bytes(bundle), ods, kind).status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    sent = router_service(ports).route(json.loads(m["Body"]))
    [r] = ports.queues.take(ports.settings.rules_queue_url)
    rules_service(ports).on_message(load_message(ports.archive, json.loads(r["Body"]))[0])
    return sent


def outbox(ports, kind: str) -> list[dict]:
    return ports.mailboxes.delivered(kind=kind)  # the copies in the mailboxes of that kind's organisations


def event_of(bundle: dict) -> str:
    return bundle["entry"][0]["resource"]["eventCoding"]["code"]


def test_police_get_the_plan_started_copy_minimised_for_police(ports):
    deliver(ports, load_valid("plan-started"), LA, "social-care")
    [copy] = outbox(ports, "police")
    assert event_of(copy) == "plan-started"
    assert copy["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["value"] == POLICE
    patient = next(e["resource"] for e in copy["entry"] if e["resource"]["resourceType"] == "Patient")
    assert set(patient) <= {"resourceType", "id", "identifier", "birthDate"}  # the police allow-list
    [audit] = [r for r in ports.audit.records if r["action"] == "message.routed" and r["recipient_kind"] == "police"]
    assert audit["recipient_ods"] == POLICE and "Sch 1 para 18" in audit["legal_basis"]
    assert audit["details"]["policy_rule"] == "police-cp-plan"


def test_a_hospital_gets_the_plan_flag_and_the_la_an_unscheduled_care_notification_once_per_day(ports):
    deliver(ports, load_valid("plan-started"), LA, "social-care")
    deliver(ports, load_valid("injury-observed"), HOSPITAL, "hospital")
    [flag] = outbox(ports, "hospital")
    assert event_of(flag) == "cp-plan-flag"
    eoc = next(e["resource"] for e in flag["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare")
    assert eoc["status"] == "active" and "child-protection-plan" in json.dumps(eoc["type"])
    notices = [b for b in outbox(ports, "social-care") if event_of(b) == "attended-unscheduled-care"]
    assert len(notices) == 1
    police = [event_of(b) for b in outbox(ports, "police")]
    assert sorted(police) == ["injury-observed", "plan-started"]  # an injury to a child on a CP plan goes to the force
    # the same hospital, the same day: its copies go out as usual, the flag and notification do not again
    exam = load_valid("medical-examination")
    deliver(ports, exam, HOSPITAL, "hospital")
    assert len(outbox(ports, "hospital")) == 1
    assert len([b for b in outbox(ports, "social-care") if event_of(b) == "attended-unscheduled-care"]) == 1
    notified = [r for r in ports.audit.records if r["action"] == "message.routed"
                and r["details"].get("content") in ("plan-flag", "unscheduled-care")]
    assert sorted((r["recipient_ods"], r["details"]["content"]) for r in notified) == \
        [(LA, "unscheduled-care"), (HOSPITAL, "plan-flag")]
    assert all("CP-IS" in r["legal_basis"] for r in notified)


def test_a_retried_route_sends_no_second_flag(ports):
    deliver(ports, load_valid("plan-started"), LA, "social-care")
    body = with_message_id(load_valid("injury-observed"), "5b2f0c1e-3a4d-4e6f-8a9b-0c1d2e3f4a5b")
    assert ingest(ports, to_bytes(body), HOSPITAL, "hospital").status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    router = router_service(ports)
    first = router.route(json.loads(m["Body"]))
    assert router.route(json.loads(m["Body"])) == 0 and first > 0
    assert len(outbox(ports, "hospital")) == 1
