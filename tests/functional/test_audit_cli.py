"""`safeguard audit verify|report|chronology` in-process against moto."""
from __future__ import annotations

import json

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from hub.core.audit import AuditFilters

from audit_fixtures import NHS_A, NHS_B, TABLE, T0, entry, make_aws, make_hub, make_log, record_key

runner = CliRunner()


@pytest.fixture
def aws():
    with mock_aws():
        yield make_aws()


@pytest.fixture
def cli(aws, monkeypatch):
    from hub.handlers import composition
    from hub.cli.audit import audit

    composition.use(make_hub(aws, shards=2))
    yield lambda *args: runner.invoke(audit, list(args))
    composition.use(None)


@pytest.fixture
def log(aws):
    return make_log(aws.ddb, shards=2)


def test_audit_cli_verify_intact_then_tampered(cli, log, aws):
    log.append_many([entry(i) for i in range(8)])
    ok = cli("verify", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    chain = log.iter_records().__next__()["chain"]
    aws.ddb.update_item(TableName=TABLE, Key=record_key(chain, 2), UpdateExpression="SET event = :e",
                        ExpressionAttributeValues={":e": {"S": "plan-ended"}})
    bad = cli("verify", "--json")
    assert bad.exit_code == 1
    assert json.loads(bad.output)["first_problem"]["kind"] == "edited"
    human = cli("verify")
    assert human.exit_code == 1 and "TAMPERED" in human.output


def test_audit_cli_verify_checks_the_latest_digest(cli, log, aws, monkeypatch):
    from hub.handlers import audit_digest
    from tests.support.lambda_events import LambdaContext

    log.append_many([entry(i) for i in range(5)])
    audit_digest.lambda_handler({}, LambdaContext("digest"))
    out = json.loads(cli("verify", "--json").output)
    assert out["ok"] and out["digest"]["checked"] and out["digest"]["ok"]
    # a deleted record that the digest names
    r = next(iter(log.iter_records()))
    for seq in range(1, 100):
        resp = aws.ddb.get_item(TableName=TABLE, Key=record_key(r["chain"], seq))
        if "Item" not in resp:
            break
        last = seq
    aws.ddb.delete_item(TableName=TABLE, Key=record_key(r["chain"], last))
    res = cli("verify", "--json")
    assert res.exit_code == 1 and json.loads(res.output)["first_problem"]["kind"] == "deleted"


def test_audit_cli_report_writes_markdown_and_charts(cli, log, tmp_path):
    log.append_many([entry(i, event="injury-observed" if i % 2 else "child-seen") for i in range(6)]
                    + [entry(10, action="alert.raised", rule="non-mobile-bruising", message_id="al-1",
                             details={"severity": "critical"}),
                       entry(70, action="alert.resolved", rule="non-mobile-bruising", message_id="al-1"),
                       entry(11, action="message.rejected", outcome="422", details={"reasons": ["bad-nhs-number"]})])
    res = cli("report", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    md = (tmp_path / "report.md").read_text()
    assert "Messages accepted: 6" in md and "median 1.0 h" in md and "bad-nhs-number" in md
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "alerts_by_rule.png" in pngs and len(pngs) == 6
    assert all((tmp_path / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    figures = json.loads(cli("report", "--from", "2026-03-01", "--to", "2026-03-31", "--json").output)
    assert figures["alerts"]["by_rule"] == {"non-mobile-bruising": 1}
    empty = json.loads(cli("report", "--from", "2025-01-01", "--to", "2025-01-31", "--json").output)
    assert empty["records"] == 0


def test_audit_cli_chronology_renders_and_is_audited(cli, log):
    log.append_many([entry(1, details={"summary": "Bruise to left cheek", "occurred_at": "2026-03-01T08:00:00+00:00"},
                           event="injury-observed"),
                     entry(2, nhs=NHS_B, details={"summary": "other child"}),
                     entry(3, action="alert.raised", rule="non-mobile-bruising", message_id="al-9",
                           details={"severity": "critical", "summary": "Bruising in a non-mobile baby",
                                    "evidence": ["msg-0001"]})])
    res = cli("chronology", "--nhs-number", NHS_A, "--purpose", "Strategy discussion", "--actor", "tester")
    assert res.exit_code == 0, res.output
    assert "Bruise to left cheek" in res.output and "other child" not in res.output
    assert "non-mobile-bruising (critical)" in res.output
    csv_out = cli("chronology", "--nhs-number", NHS_A, "--purpose", "x", "--format", "csv")
    assert csv_out.output.splitlines()[0] == "date,agency,event,summary,alerts"
    accesses = log.query(AuditFilters(action="audit.chronology"), None, 10)[0]
    assert len(accesses) == 2 and accesses[0]["child"] == log.child_hash(NHS_A)
    assert {a["details"]["purpose"] for a in accesses} == {"Strategy discussion", "x"}
    assert cli("chronology", "--nhs-number", "9912003814", "--purpose", "x").exit_code == 2


def test_audit_cli_verify_window_and_bad_dates(cli, log, aws):
    log.append_many([entry(i) for i in range(6)])  # 09:00..09:05 on 2026-03-02
    chain = next(iter(log.iter_records()))["chain"]
    aws.ddb.update_item(TableName=TABLE, Key=record_key(chain, 1), UpdateExpression="SET outcome = :o",
                        ExpressionAttributeValues={":o": {"S": "500"}})
    assert cli("verify", "--json", "--no-digest").exit_code == 1
    assert cli("verify", "--json", "--no-digest", "--from", "2026-03-03").exit_code == 0
    assert cli("verify", "--from", "not-a-date").exit_code == 2
