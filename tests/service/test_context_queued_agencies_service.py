"""The smaller services on fakes: routing context from stored state, the queued record read back, API keys."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hub.bootstrap import rules_service
from hub.core.auth import parse_token, verify
from tests.support.rule_builders import Child, at, plan_start
from hub.service.agencies import issue_key
from hub.service.context import routing_context
from hub.service.queued import load_message
from tests.support.messages import load_event
from tests.support.nhs import nhs_number
from tests.support.pipeline import ingest


def test_routing_context_reads_the_plan_and_agencies_from_stored_state(ports, clock):
    kid = Child(nhs_number(3), "2016-04-01", gp="A81001", household="H-3")
    clock.set(at("2025-02-01T12:00"))
    rules = rules_service(ports)
    rules.on_message(kid.registered("2025-02-01T09:00"))
    before = routing_context(ports.state, kid.msg(plan_start("cpp-3", "2025-02-03T10:00", la="LA123"),
                                                  ts="2025-02-03T11:00"))
    assert before.on_cp_plan and before.la_ods == "LA123"  # a plan-started message routes as on its plan
    assert not ports.state.get(kid.nhs_number).view().plans  # ... without writing state
    rules.on_message(kid.msg(plan_start("cpp-3", "2025-02-03T10:00", la="LA123"), ts="2025-02-03T11:00"))
    later = routing_context(ports.state, kid.registered("2025-02-10T09:00"))
    assert (later.on_cp_plan, later.on_plan, later.la_ods, later.gp_ods) == (True, True, "LA123", "A81001")
    unknown = routing_context(ports.state, Child(nhs_number(4), "2016-04-01").registered("2025-02-10T09:00"))
    assert (unknown.on_plan, unknown.la_ods) == (False, None)


def test_a_queued_record_reads_back_as_the_message_inline_or_from_the_archive(ports):
    body = load_event("valid/plan-started.json")
    assert ingest(ports, body).status == 202
    [m] = ports.queues.take(ports.settings.validated_queue_url)
    queued = json.loads(m["Body"])
    msg, bundle = load_message(ports.archive, queued)
    assert bundle == json.loads(body) and msg.message_id == queued["message_id"] and msg.event == "plan-started"
    claim_check = {k: v for k, v in queued.items() if k != "bundle"}
    msg2, bundle2 = load_message(ports.archive, claim_check)
    assert (msg2.message_id, bundle2) == (msg.message_id, bundle)


def test_issue_key_stores_only_a_hash_and_the_token_verifies_until_expiry(ports):
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cred, token = issue_key(ports.agencies, "P42", "police", now=now, expires_at=now + timedelta(days=30))
    stored = ports.agencies.get(cred.key_id)
    key_id, secret = parse_token(token)
    assert key_id == cred.key_id and secret not in json.dumps(ports.agencies.items)
    assert verify(stored, secret, now + timedelta(days=1)).ods == "P42"
    assert verify(stored, secret, now + timedelta(days=31)) is None
    other, _ = issue_key(ports.agencies, "P42", "police", now=now)
    assert other.key_id != cred.key_id and len(ports.agencies.list()) == 2  # rotation: both valid
