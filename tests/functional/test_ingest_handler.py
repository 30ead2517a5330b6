"""POST /$process-message through the real handler, on template.yaml's resources in moto."""
from __future__ import annotations

import json

import pytest

from tests.support.lambda_events import api_event
from tests.support.messages import load_event, sender_of
from tests.support.pipeline import bodies, receive_all


def _invoke(event, ctx):
    from hub.handlers.ingest import lambda_handler

    resp = lambda_handler(event, ctx)
    return resp["statusCode"], json.loads(resp["body"]) if resp.get("body") else {}


def _audit_actions(hub) -> list[str]:
    return [r["action"] for r in hub.audit.iter_records()]


def test_ingest_accepts_archives_audits_and_enqueues_once(hub, lambda_context):
    # GIVEN a valid injury message from its GP
    body = load_event("valid/injury-observed.json")
    # WHEN it is posted twice with the same content
    first = _invoke(api_event(body), lambda_context)
    second = _invoke(api_event(body), lambda_context)
    # THEN 202 then 200 with the same outcome, one archived copy, one queued message, audited as accepted + replayed
    assert first[0] == 202 and second[0] == 200
    assert first[1] == second[1]
    assert first[1]["resourceType"] == "OperationOutcome"
    queued = bodies(receive_all(hub, hub.settings.validated_queue_url))
    assert len(queued) == 1
    header = json.loads(body)["entry"][0]["resource"]
    assert queued[0]["message_id"] == header["id"] and queued[0]["bundle"]["id"] == json.loads(body)["id"]
    assert len(hub.archive.list("archive/")) == 1
    assert _audit_actions(hub).count("message.accepted") == 1
    assert _audit_actions(hub).count("message.replayed") == 1


def test_ingest_same_id_different_content_is_409_and_not_requeued(hub, lambda_context):
    bundle = json.loads(load_event("valid/injury-observed.json"))
    assert _invoke(api_event(json.dumps(bundle)), lambda_context)[0] == 202
    bundle["timestamp"] = bundle["timestamp"].replace(bundle["timestamp"][:4], str(int(bundle["timestamp"][:4])))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Observation":
            entry["resource"]["bodySite"] = {"text": "left shin"}
    status, outcome = _invoke(api_event(json.dumps(bundle)), lambda_context)
    assert status == 409
    assert outcome["issue"][0]["code"] == "conflict"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.id"]
    assert len(receive_all(hub, hub.settings.validated_queue_url)) == 1
    assert "message.conflict" in _audit_actions(hub)


@pytest.mark.parametrize("body,content_type,status", [
    (b"", "application/fhir+json", 400),
    (b"{\"resourceType\": \"Bundle\"", "application/fhir+json", 400),
    (b"[1, 2]", "application/json", 400),
    (b"\xff\xfe not utf-8", "application/fhir+json", 400),
    (b"{}", "text/plain", 415),
    (b"{\"resourceType\": \"Bundle\", \"type\": \"collection\"}", "application/fhir+json", 422),
    (b"[" * 100_000 + b"]" * 100_000, "application/fhir+json", 422),  # well-formed but absurdly deep
    (b'{"resourceType": "Bundle", "type": "mess', "application/fhir+json", 400),
])
def test_ingest_bad_input_is_a_4xx_outcome_quarantined_and_not_routed(hub, lambda_context, body, content_type, status):
    got, outcome = _invoke(api_event(body, content_type=content_type), lambda_context)
    assert got == status
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["severity"] == "error"
    assert receive_all(hub, hub.settings.validated_queue_url) == []
    assert len(hub.archive.list("quarantine/")) == 1
    assert hub.archive.list("archive/") == []
    rejected = [r for r in hub.audit.iter_records() if r["action"] == "message.rejected"]
    assert len(rejected) == 1 and rejected[0]["outcome"] == str(status)


def test_ingest_oversized_body_is_413(hub, lambda_context):
    status, _ = _invoke(api_event(b"{" + b" " * (3 * 1024 * 1024) + b"}"), lambda_context)
    assert status == 413


def test_ingest_sender_must_match_the_authenticated_caller(hub, lambda_context):
    status, outcome = _invoke(api_event(load_event("valid/injury-observed.json"), ods="B99999"), lambda_context)
    assert status == 403
    assert outcome["issue"][0]["code"] in ("forbidden", "security")


def test_ingest_plan_started_only_from_social_care(hub, lambda_context):
    body = load_event("valid/plan-started.json")
    sender = sender_of(body)
    assert _invoke(api_event(body, ods=sender, kind="gp"), lambda_context)[0] == 403
    assert _invoke(api_event(body, ods=sender, kind="social-care"), lambda_context)[0] == 202


def test_ingest_without_authorizer_context_is_401(hub, lambda_context):
    status, outcome = _invoke(api_event(load_event("valid/injury-observed.json"), ods=None), lambda_context)
    assert status == 401 and outcome["issue"][0]["code"] == "login"


def test_ingest_never_logs_the_nhs_number(hub, lambda_context, capsys):
    body = load_event("valid/injury-observed.json")
    nhs = _nhs(json.loads(body))
    _invoke(api_event(body), lambda_context)
    _invoke(api_event(body.replace(b"final", b"finalx")), lambda_context)
    out = capsys.readouterr()
    assert nhs not in out.out + out.err


def _nhs(bundle: dict) -> str:
    for e in bundle["entry"]:
        for i in e["resource"].get("identifier", []):
            if i.get("system") == "https://fhir.nhs.uk/Id/nhs-number":
                return i["value"]
    raise AssertionError("no NHS number")


def test_ingest_idempotency_store_failure_is_a_retryable_503(hub, lambda_context, monkeypatch):
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError

    # GIVEN the idempotency table is unavailable
    def broken(*_a, **_kw):
        raise IdempotencyPersistenceLayerError("Failed to save in progress record to idempotency store")

    monkeypatch.setattr(hub.idempotency_store, "save_inprogress", broken)
    # WHEN a valid message arrives
    status, outcome = _invoke(api_event(load_event("valid/injury-observed.json")), lambda_context)
    # THEN the agency is told to retry, and nothing was queued
    assert status == 503 and outcome["issue"][0]["code"] == "transient"
    assert receive_all(hub, hub.settings.validated_queue_url) == []
