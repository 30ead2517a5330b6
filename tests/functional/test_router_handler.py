"""Router: minimised copies to each recipient's outbox, exactly once even when a batch fails midway."""
from __future__ import annotations

import json

from hub.core.routing import decide
from hub.service.context import routing_context
from tests.support.messages import load_event
from tests.support.pipeline import bodies, ingest, pump, receive_all, run_pipeline


def _outboxes(hub) -> dict[str, list[dict]]:
    return {kind: receive_all(hub, url) for kind, url in hub.settings.outbox_queue_urls.items()}


def _routed(hub) -> list[dict]:
    return [r for r in hub.audit.iter_records() if r["action"] == "message.routed"]


def test_router_delivers_once_per_recipient_after_a_failed_send(hub, lambda_context, monkeypatch):
    from hub.handlers import router

    # GIVEN a registered child on a CP plan, and an injury message accepted by ingest
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json")], lambda_context)
    _outboxes(hub)  # discard earlier deliveries
    injury = load_event("valid/injury-observed.json")
    assert ingest(hub, injury).status == 202
    # AND the second outbox send fails once
    real_send, calls = hub.queues.send, {"n": 0}

    def flaky_send(url, msg):
        if "Outbox" in url or "outbox" in url.lower():
            calls["n"] += 1
            if calls["n"] == 2:
                from hub.adapters.errors import QueueError

                raise QueueError("injected failure")
        return real_send(url, msg)

    monkeypatch.setattr(hub.queues, "send", flaky_send)
    # WHEN the router runs, fails the record, and the record is redelivered
    first = pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)
    assert len(first["failures"]) == 1
    second = pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)
    assert second["failures"] == []
    # THEN every recipient the policy names got exactly one copy, each audited once, and rules got the message
    delivered = _outboxes(hub)
    from hub.service.queued import load_message

    msg, _ = load_message(hub.archive, json.loads(receive_all(hub, hub.settings.rules_queue_url)[0]["Body"]))
    expected = decide(msg, routing_context(hub.state, msg), hub.routing_policy, hub.routing_config)
    assert len(expected) >= 3  # LA, GP and health visiting for a child on a CP plan
    got = sorted((k, m["MessageAttributes"]["ods"]["StringValue"]) for k, ms in delivered.items() for m in ms)
    assert got == sorted((d.recipient_kind, d.recipient_ods) for d in expected)
    assert len([r for r in _routed(hub) if r["event"] == "injury-observed"]) == len(expected)
    # AND no copy goes back to the sender (RX1)
    assert all(ods != "RX1" for _, ods in got)


def test_router_readdresses_and_minimises_for_each_recipient(hub, lambda_context):
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json")], lambda_context)
    _outboxes(hub)
    # an immunisation given while the child is on the plan (the example predates the plan)
    original = json.loads(load_event("valid/immunisation-recorded.json"))
    original["timestamp"] = "2026-06-15T12:00:00+01:00"
    for entry in original["entry"]:
        if entry["resource"]["resourceType"] == "Immunization":
            entry["resource"]["occurrenceDateTime"] = "2026-06-15T10:00:00+01:00"
    run_pipeline(hub, [json.dumps(original).encode()], lambda_context)
    delivered = _outboxes(hub)
    social = bodies(delivered["social-care"])
    assert len(social) == 1
    header = social[0]["entry"][0]["resource"]
    assert header["id"] != original["entry"][0]["resource"]["id"]
    assert header["destination"][0]["receiver"]["identifier"]["value"] == "LA123"
    assert any(e.get("valueId") == original["entry"][0]["resource"]["id"] for e in header.get("extension", []))
    text = json.dumps(social[0])
    for forbidden in ("lotNumber", "manufacturer", "doseQuantity"):
        assert forbidden not in text
    # health visiting gets the clinical detail the original carried
    hv = json.dumps(bodies(delivered["health-visiting"]))
    assert ("lotNumber" in hv) == ("lotNumber" in json.dumps(original))


def test_router_audits_each_disclosure_with_its_legal_basis(hub, lambda_context):
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json"),
                       load_event("valid/concern-recorded.json")], lambda_context)
    routed = [r for r in _routed(hub) if r["event"] == "concern-recorded"]
    assert routed, "a police concern about a baby on a CP plan must be shared"
    assert {r["recipient_kind"] for r in routed} >= {"social-care", "health-visiting"}
    assert all(r["legal_basis"] and r["details"]["profile"] for r in routed)
    assert all("9990012008" not in json.dumps(r) for r in routed)
