"""Router: minimised copies into each recipient organisation's mailbox, exactly once even when a batch fails
midway (handlers under moto, on template.yaml's MailboxTable)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from hub.core.routing import decide
from hub.service.context import routing_context
from tests.support.messages import load_event
from tests.support.pipeline import ingest, pump, receive_all, run_pipeline

FAR_FUTURE = datetime(2999, 1, 1, tzinfo=timezone.utc)


def _waiting(hub) -> set[tuple[str, str]]:
    """(ODS, message id) of every unacknowledged copy in every mailbox."""
    return {(m.ods, m.message_id) for m in hub.mailboxes.stale(FAR_FUTURE)}


def _copies(hub, keys) -> list[tuple[str, str, dict]]:
    """(ODS, kind, delivered Bundle) for each (ODS, message id)."""
    out = []
    for ods, mid in sorted(keys):
        m = hub.mailboxes.get(ods, mid)
        out.append((ods, m.kind, m.bundle))
    return out


def _routed(hub) -> list[dict]:
    return [r for r in hub.audit.iter_records() if r["action"] == "message.routed"]


def test_router_delivers_once_per_recipient_after_a_failed_delivery(hub, lambda_context, monkeypatch):
    from hub.handlers import router

    # GIVEN a registered child on a CP plan, and an injury message accepted by ingest
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json")], lambda_context)
    earlier = _waiting(hub)
    injury = load_event("valid/injury-observed.json")
    assert ingest(hub, injury).status == 202
    # AND the second mailbox delivery fails once
    real_deliver, calls = hub.mailboxes.deliver, {"n": 0}

    def flaky_deliver(message):
        calls["n"] += 1
        if calls["n"] == 2:
            from hub.adapters.errors import MailboxError

            raise MailboxError("injected failure")
        return real_deliver(message)

    monkeypatch.setattr(hub.mailboxes, "deliver", flaky_deliver)
    # WHEN the router runs, fails the record, and the record is redelivered
    first = pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)
    assert len(first["failures"]) == 1
    second = pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)
    assert second["failures"] == []
    # THEN every recipient the policy names got exactly one copy in its own mailbox, each audited once
    delivered = _copies(hub, _waiting(hub) - earlier)
    from hub.service.queued import load_message

    msg, _ = load_message(hub.archive, json.loads(receive_all(hub, hub.settings.rules_queue_url)[0]["Body"]))
    expected = decide(msg, routing_context(hub.state, msg), hub.routing_policy, hub.routing_config)
    assert len(expected) >= 3  # LA, GP and health visiting for a child on a CP plan
    got = sorted((kind, ods) for ods, kind, _ in delivered)
    assert got == sorted((d.recipient_kind, d.recipient_ods) for d in expected)
    assert all(b["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["value"] == ods
               for ods, _, b in delivered)
    assert len([r for r in _routed(hub) if r["event"] == "injury-observed"]) == len(expected)
    # AND the message never goes back to its sender (RX1): what the hospital gets is the hub's CP-IS plan flag
    back = [b["entry"][0]["resource"]["eventCoding"]["code"] for ods, _, b in delivered if ods == "RX1"]
    assert back == ["cp-plan-flag"]


def test_router_readdresses_and_minimises_for_each_recipient(hub, lambda_context):
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json")], lambda_context)
    earlier = _waiting(hub)
    # an immunisation given while the child is on the plan (the example predates the plan)
    original = json.loads(load_event("valid/immunisation-recorded.json"))
    original["timestamp"] = "2026-06-15T12:00:00+01:00"
    for entry in original["entry"]:
        if entry["resource"]["resourceType"] == "Immunization":
            entry["resource"]["occurrenceDateTime"] = "2026-06-15T10:00:00+01:00"
    run_pipeline(hub, [json.dumps(original).encode()], lambda_context)
    delivered = _copies(hub, _waiting(hub) - earlier)
    social = [b for _, kind, b in delivered if kind == "social-care"]
    assert len(social) == 1
    header = social[0]["entry"][0]["resource"]
    assert header["id"] != original["entry"][0]["resource"]["id"]
    assert header["destination"][0]["receiver"]["identifier"]["value"] == "LA123"
    assert any(e.get("valueId") == original["entry"][0]["resource"]["id"] for e in header.get("extension", []))
    text = json.dumps(social[0])
    for forbidden in ("lotNumber", "manufacturer", "doseQuantity"):
        assert forbidden not in text
    # health visiting gets the clinical detail the original carried
    hv = json.dumps([b for _, kind, b in delivered if kind == "health-visiting"])
    assert ("lotNumber" in hv) == ("lotNumber" in json.dumps(original))


def test_router_audits_each_disclosure_with_its_legal_basis(hub, lambda_context):
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json"),
                       load_event("valid/concern-recorded.json")], lambda_context)
    routed = [r for r in _routed(hub) if r["event"] == "concern-recorded"]
    assert routed, "a police concern about a baby on a CP plan must be shared"
    assert {r["recipient_kind"] for r in routed} >= {"social-care", "health-visiting"}
    assert all(r["legal_basis"] and r["details"]["profile"] for r in routed)
    assert all("9990012008" not in json.dumps(r) for r in routed)
