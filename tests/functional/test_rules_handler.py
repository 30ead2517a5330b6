"""Rules and sweep functions: child state in DynamoDB, §5 records on the alerts queue, audited once."""
from __future__ import annotations

import json

from tests.support.messages import load_event
from tests.support.pipeline import bodies, ingest, pump, receive_all, run_pipeline

ALERT_FIELDS = {"type", "alert_id", "rule", "severity", "nhs_number", "raised_at", "detected_at", "due_by",
                "summary", "recommended_action", "evidence", "recipients", "details"}


def test_rules_injury_on_young_baby_raises_one_critical_alert(hub, lambda_context):
    # GIVEN a registered baby born 2026-03-10, WHEN a bruise is observed on 2026-07-14 (4 months old)
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/injury-observed.json")],
                 lambda_context)
    # THEN the alerts queue carries a critical non-mobile-bruising alert with every §5 field
    records = bodies(receive_all(hub, hub.settings.alerts_queue_url))
    alerts = [r for r in records if r["type"] == "alert" and r["rule"] == "non-mobile-bruising"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert ALERT_FIELDS <= set(alert)
    assert alert["severity"] == "critical" and alert["nhs_number"] == "9990012008"
    injury = json.loads(load_event("valid/injury-observed.json"))
    assert injury["entry"][0]["resource"]["id"] in alert["evidence"]
    # AND it is audited with the child hashed
    raised = [r for r in hub.audit.iter_records() if r["action"] == "alert.raised"]
    assert [r["message_id"] for r in raised if r["rule"] == "non-mobile-bruising"] == [alert["alert_id"]]
    assert all("9990012008" not in json.dumps(r) for r in raised)


def test_rules_redelivered_message_does_not_alert_twice(hub, lambda_context):
    from hub.handlers import router, rules

    run_pipeline(hub, [load_event("valid/child-registered.json")], lambda_context)
    assert ingest(hub, load_event("valid/injury-observed.json")).status == 202
    pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)
    # the same rules record delivered twice (at-least-once SQS)
    msgs = hub.clients.sqs.receive_message(QueueUrl=hub.settings.rules_queue_url, MaxNumberOfMessages=10,
                                           AttributeNames=["All"]).get("Messages", [])
    assert len(msgs) == 1
    from tests.support.lambda_events import sqs_event

    rules.lambda_handler(sqs_event(msgs), lambda_context)
    rules.lambda_handler(sqs_event(msgs), lambda_context)
    raised = [r for r in hub.audit.iter_records() if r["action"] == "alert.raised"]
    assert len(raised) == len({r["message_id"] for r in raised}) >= 1


def test_sweep_fires_a_deadline_without_a_new_message(hub, lambda_context):
    from datetime import datetime, timezone

    from hub.bootstrap import build
    from hub.handlers import composition, sweep

    now = [datetime(2026, 6, 1, 15, 0, tzinfo=timezone.utc)]
    hub = build(hub.settings, hub.clients, clock=lambda: now[0])
    composition.use(hub)
    # GIVEN a baby on a CP plan since 2026-06-01 with no child-seen visit recorded, processed on that day
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/plan-started.json")],
                 lambda_context)
    assert not any(r["rule"] == "child-not-seen" for r in bodies(receive_all(hub, hub.settings.alerts_queue_url)))
    state = hub.state.get("9990012008")
    assert state.next_due is not None
    # WHEN the schedule fires after the deadline
    now[0] = datetime(2026, 11, 20, tzinfo=timezone.utc)
    result = sweep.lambda_handler({"source": "aws.events"}, lambda_context)
    # THEN the time-based alerts are published and the deadline index moves on
    records = bodies(receive_all(hub, hub.settings.alerts_queue_url))
    assert result["records"] == len(records) >= 1
    assert any(r["rule"] == "child-not-seen" for r in records)
    assert sweep.lambda_handler({"source": "aws.events"}, lambda_context)["records"] == 0
