"""One message over HTTP through the whole stack: authorizer, ingest, router, rules, alerts, audit."""
from __future__ import annotations

import json
import random
import urllib.request
import uuid

import pytest

from hub.cli.send import post_message
from tests.support.messages import load_event, nhs_number_of, to_bytes, with_message_id
from tests.support.nhs import nhs_number

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]


def _hub():
    from hub.handlers import composition

    return composition.current()


def _drain_alerts() -> list[dict]:
    hub, out = _hub(), []
    while True:
        msgs = hub.queues.receive(hub.settings.alerts_queue_url, max_messages=10)
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            hub.queues.delete(hub.settings.alerts_queue_url, m["ReceiptHandle"])


def _own(name: str, nhs: str) -> dict:
    """The example with this test's own child and MessageHeader id: on a stack other modules share (LocalStack
    deploys once per run) their traffic with the same examples must not answer for this test."""
    bundle = json.loads(load_event(f"valid/{name}.json"))
    bundle = json.loads(json.dumps(bundle).replace(nhs_number_of(bundle), nhs))
    return with_message_id(bundle, str(uuid.uuid4()))


def test_e2e_injury_on_a_baby_raises_an_alert_and_is_audited(stack, api_keys):
    nhs = nhs_number(random.randrange(1_000_000, 9_000_000))
    registered, injury = _own("child-registered", nhs), _own("injury-observed", nhs)
    # GIVEN a registered baby
    assert post_message(stack.api_url, to_bytes(registered), api_keys["A81001"])[0] == 202
    # WHEN the hospital reports a bruise at 4 months, over HTTP
    status, outcome = post_message(stack.api_url, to_bytes(injury), api_keys["RX1"])
    assert status == 202, outcome
    assert stack.runtime.drain(timeout=60)
    # THEN a critical non-mobile-bruising alert is on the alerts queue
    alerts = [r for r in _drain_alerts() if r["type"] == "alert" and r["nhs_number"] == nhs]
    assert [a["rule"] for a in alerts if a["severity"] == "critical"] == ["non-mobile-bruising"]
    # AND every step is in an intact audit log, each of this test's two messages accepted exactly once
    ours = {b["entry"][0]["resource"]["id"] for b in (registered, injury)}
    records = list(_hub().audit.iter_records())
    actions = [r["action"] for r in records]
    accepted = [r["message_id"] for r in records if r["action"] == "message.accepted" and r.get("message_id") in ours]
    assert sorted(accepted) == sorted(ours)  # each accepted exactly once
    assert "message.routed" in actions and "alert.raised" in actions
    assert all(r.ok for r in _hub().audit.verify())


def test_e2e_unauthenticated_and_wrong_sender_are_refused(stack, api_keys):
    body = load_event("valid/injury-observed.json")
    assert post_message(stack.api_url, body, None)[0] == 401
    assert post_message(stack.api_url, body, "sgh_aaaaaaaaaaaa_" + "A" * 43)[0] == 401
    status, outcome = post_message(stack.api_url, body, api_keys["A81001"])  # the GP posting the hospital's message
    assert status == 403 and outcome["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("body,ctype,status", [
    (b"not json", "application/fhir+json", 400),
    (b'{"resourceType": "Bundle", "type": "collection"}', "application/fhir+json", 422),
    (b"{}", "application/xml", 415),
])
def test_e2e_bad_input_gets_a_4xx_operation_outcome(stack, api_keys, body, ctype, status):
    got, outcome = post_message(stack.api_url, body, api_keys["A81001"], content_type=ctype)
    assert got == status
    assert outcome["resourceType"] == "OperationOutcome"
    assert all("expression" in i or got != 422 for i in outcome["issue"])


def test_e2e_audit_api_is_for_commissioners_only(stack, api_keys):
    def get(key, query=""):
        req = urllib.request.Request(f"{stack.api_url}/audit{query}", headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    # GIVEN an accepted message from the GP
    assert post_message(stack.api_url, load_event("valid/child-registered.json"), api_keys["A81001"])[0] in (200, 202)
    # THEN an agency is refused, and a commissioner sees the acceptance
    assert get(api_keys["A81001"])[0] == 403
    status, body = get(api_keys["COMM01"], "?action=message.accepted&sender=A81001&purpose=commissioning")
    assert status == 200
    records = json.loads(body)
    items = records["records"] if isinstance(records, dict) else records
    stored = [r for r in _hub().audit.iter_records() if r["action"] == "message.accepted" and r["actor_ods"] == "A81001"]
    assert stored, "the acceptance is in the audit table"
    assert items and all(r["action"] == "message.accepted" and r["actor_ods"] == "A81001" for r in items), body[:500]


def test_e2e_openapi_document_is_served(stack, api_keys):
    req = urllib.request.Request(f"{stack.api_url}/openapi.json",
                                 headers={"Authorization": f"Bearer {api_keys['A81001']}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        doc = json.loads(resp.read())
    assert "/$process-message" in doc["paths"] and doc["openapi"].startswith("3.")
