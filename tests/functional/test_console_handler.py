"""The console function on the hub's in-memory ports: its static files, its code lists, and GET
/audit/verification reporting an intact log, an edited record and a forged digest as they are."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from hub.core.audit.model import AuditEntry
from tests.support.lambda_events import LambdaContext, api_event, ensure_metrics_namespace
from tests.support.wiring import in_memory_ports

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def ports():
    from hub.handlers import composition

    ensure_metrics_namespace()
    made = in_memory_ports(clock=lambda: NOW)
    for i in range(6):
        made.audit.append(AuditEntry(action="message.accepted", at=NOW, actor_ods="A81001", actor_kind="gp",
                                     event="child-registered", message_id=f"m-{i}", outcome="202"))
    composition.use(made)
    yield made
    composition.use(None)


def call(path: str, *, ods: str | None = "COMM01", kind: str = "commissioner", query: dict | None = None) -> dict:
    from hub.handlers import console

    event = api_event(None, ods=ods, kind=kind, path=path, method="GET", query=query)
    reply = console.lambda_handler(event, LambdaContext("console", 256))
    body = reply["body"]
    headers = {**(reply.get("headers") or {}),
               **{k: ",".join(v) for k, v in (reply.get("multiValueHeaders") or {}).items()}}
    return {"status": reply["statusCode"], "headers": headers,
            "json": json.loads(body) if body and headers.get("Content-Type", "").endswith("json") else None,
            "text": body}


def test_index_and_assets_carry_the_security_headers(ports):
    page = call("/console/")
    assert page["status"] == 200 and "<main" in page["text"]
    assert "frame-ancestors 'none'" in page["headers"]["Content-Security-Policy"]
    assert call("/console")["status"] == 301
    assert call("/console/charts.js")["headers"]["Content-Type"].startswith("text/javascript")
    for name in ("/console/x.py", "/console/..", "/console/app.js.map", "/console/Index.html"):
        assert call(name)["status"] == 404, name


def test_vocabulary_lists_every_decision_and_rule(ports):
    from hub.core.tasks import DECISIONS

    vocab = call("/console/vocabulary.json")["json"]
    assert [d["code"] for d in vocab["decisions"]] == list(DECISIONS)
    assert all(r["title"] for r in vocab["rules"])


def test_verification_is_intact_with_a_signed_digest(ports):
    report = call("/audit/verification")["json"]
    assert report["ok"] is True and report["digest"]["present"] is False and report["records_checked"] == 6
    ports.digests.publish(ports.audit.heads(), now=NOW, table="AuditTable")
    report = call("/audit/verification")["json"]
    assert report["ok"] is True and report["digest"]["present"] is True and report["digest"]["ok"] is True


def test_verification_reports_an_edited_record(ports):
    chain = next(c for c in ports.audit.chains.values() if c)
    chain[0]["outcome"] = "422"  # someone with table access rewrites history
    report = call("/audit/verification")["json"]
    assert report["ok"] is False
    bad = [c for c in report["chains"] if not c["ok"]]
    assert bad and bad[0]["problems"][0]["kind"] == "edited"


def test_verification_reports_a_forged_digest(ports):
    ports.digests.publish(ports.audit.heads(), now=NOW, table="AuditTable")
    key, stored = ports.digests.latest()
    stored["mac"] = base64.b64encode(b"\0" * 32).decode()
    ports.digests.objects[key] = (json.dumps(stored).encode(), *ports.digests.objects[key][1:])
    report = call("/audit/verification")["json"]
    assert report["ok"] is False and report["digest"]["ok"] is False and "does not verify" in report["digest"]["error"]
    assert all(c["ok"] for c in report["chains"])  # the chains themselves are fine: only the digest is not


def test_verification_is_for_commissioners(ports):
    assert call("/audit/verification", ods="A81001", kind="gp")["status"] == 403
    assert call("/audit/verification", ods=None)["status"] == 403
    assert call("/audit/verification", query={"from": "yesterday"})["status"] == 400
