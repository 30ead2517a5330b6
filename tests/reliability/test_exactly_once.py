"""One failure at a chosen step boundary, then the retry: what is delivered, alerted and audited.

Deterministic counterparts of the random faults in test_faults.py: each test fails exactly one AWS
call (chosen by operation and content) on the functions' clients and checks the end state.
"""
from __future__ import annotations

import json

import pytest

from tests.reliability.faults import FaultInjector
from tests.reliability.support import stack_ports

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability-exactly-once")]


def _infant_injury(tag: str, seed: int) -> tuple[bytes, str]:
    """A bruise on a 2-month-old (non-mobile-bruising alert), sent by the GP."""
    from tests.support.cohort import scenario_builder
    from tests.support.nhs import nhs_number

    b = scenario_builder()
    sc = b.Scenario(f"exactly-once-{tag}")
    kid = b.Kid(f"x{seed}", seed, "2025-06-01", None)
    kid.nhs = nhs_number(8_000_000 + seed)
    sc.injury(kid, "gp", f"INJ-{tag}", "bruise", "cheek", b.at("2025-08-01T10:00"), "Seen at a visit.")
    return json.dumps(sc.msgs[0][3]).encode(), kid.nhs


def _with_fault(env, injector):
    from hub.handlers import composition

    h = stack_ports(env.stack.stack_info)
    injector.attach(h.clients.dynamodb, h.clients.sqs)
    composition.use(h)
    return h


def _reset(env):
    """Back to a composition without faults (a cold start: services are built again)."""
    from hub.handlers import composition

    composition.use(stack_ports(env.stack.stack_info))


def _audit(env, message_id=None, action=None):
    return [r for r in env.checker.audit.iter_records()
            if (action is None or r.get("action") == action) and (message_id is None or r.get("message_id") == message_id)]


def _alerts_for(env, nhs):
    from tests.reliability.accounting import _receive_all

    out = [json.loads(m["Body"]) for m in _receive_all(env.checker.clients.sqs, env.checker.settings.alerts_queue_url,
                                                       keep=True)]
    return [a for a in out if a["nhs_number"] == nhs]


def _send(env, body):
    from tests.support.agency_http import send_one
    from tests.support.messages import sender_of

    return send_one(env.api_url, 0, body, env.tokens[sender_of(body)], retry_for=60)


def _message_id(body: bytes) -> str:
    return json.loads(body)["entry"][0]["resource"]["id"]


def test_exactly_once_alert_is_audited_when_its_first_audit_append_fails(stack_env):
    # GIVEN the rules function dies at its first audit append carrying an alert.raised record
    body, nhs = _infant_injury("rules-audit", 1)
    # (a crash, not an AWS error: the audit adapter retries throttling and 500s itself)
    injector = FaultInjector(call_rate=1.0, limit=1, crash=True,
                             match=lambda op, params: op in ("TransactWriteItems", "PutItem")
                             and "alert.raised" in json.dumps(params, default=str))
    _with_fault(stack_env, injector)
    try:
        with injector.active():
            # WHEN the message is sent and the pipeline retries the failed rules record
            assert _send(stack_env, body).status == 202
            assert stack_env.runtime.drain(timeout=120)
    finally:
        _reset(stack_env)
    assert sum(injector.counts.values()) == 1  # the fault really hit the alert's audit write
    alerts = [a for a in _alerts_for(stack_env, nhs) if a["type"] == "alert"]
    assert alerts, "the alert reached the alerts queue"
    # THEN every alert on the queue has its alert.raised audit record
    audited = {r["message_id"] for r in _audit(stack_env, action="alert.raised")}
    assert {a["alert_id"] for a in alerts} <= audited


def test_exactly_once_disclosure_when_ledger_mark_fails_after_send(stack_env):
    # GIVEN the router's first "sent" ledger mark fails (after the copy went into the mailbox)
    body, nhs = _infant_injury("router-ledger", 2)
    injector = FaultInjector(call_rate=1.0, limit=1,
                             match=lambda op, p: op == "PutItem" and p.get("Item", {}).get("id", {}).get("S", "").startswith("disclosure#")
                             and p["Item"].get("status", {}).get("S") == "sent")
    _with_fault(stack_env, injector)
    try:
        with injector.active():
            assert _send(stack_env, body).status == 202
            assert stack_env.runtime.drain(timeout=120)
    finally:
        _reset(stack_env)
    assert sum(injector.counts.values()) == 1
    # THEN each recipient got the copy once (the mailbox's conditional write keeps the re-delivery out)
    from tests.reliability.accounting import delivered_copies

    mid = _message_id(body)
    ids = [c["id"] for c in delivered_copies(stack_env.checker) if c["original"] == mid]
    assert ids and len(ids) == len(set(ids))
    routed = _audit(stack_env, mid, "message.routed")
    assert {r["details"]["disclosure_id"] for r in routed} == set(ids)


def test_exactly_once_ingest_when_idempotency_completion_fails(stack_env):
    # GIVEN ingest's idempotency record cannot be marked complete once (after archive, queue and audit)
    body, nhs = _infant_injury("ingest-idem", 3)
    injector = FaultInjector(call_rate=1.0, limit=1,
                             match=lambda op, p: op == "UpdateItem"
                             and p.get("TableName") == stack_env.checker.settings.idempotency_table)
    _with_fault(stack_env, injector)
    try:
        with injector.active():
            # WHEN the agency retries the 5xx until it is accepted
            res = _send(stack_env, body)
            assert stack_env.runtime.drain(timeout=120)
    finally:
        _reset(stack_env)
    assert sum(injector.counts.values()) == 1
    assert res.status in (200, 202) and res.transient and all(t in (409, 500, 502, 503) for t in res.transient)
    # THEN the message is archived once, routed once per recipient, and audited as accepted
    mid = _message_id(body)
    archived = [k for k in stack_env.checker.archive.list("archive/") if k.endswith(f"/{mid}.json")]
    assert len(archived) == 1
    accepted = _audit(stack_env, mid, "message.accepted")
    assert len(accepted) >= 1
    routed = _audit(stack_env, mid, "message.routed")
    dids = [r["details"]["disclosure_id"] for r in routed]
    assert dids and len(set(dids)) == len(dids)


