"""`safeguard task` in-process on the template's TaskTable under moto: an alert's Task listed, acknowledged,
assigned, decided and closed by its organisation; refused to another; escalated by `task escalate`."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from hub.core.tasks import tasks_for_alert

runner = CliRunner()
NOW = datetime.now(timezone.utc)
ALERT = {"type": "alert", "alert_id": "cli-alert-1", "rule": "non-mobile-bruising", "severity": "critical",
         "nhs_number": "9912003888", "raised_at": (NOW - timedelta(hours=6)).isoformat(),
         "detected_at": (NOW - timedelta(hours=5)).isoformat(), "due_by": (NOW - timedelta(hours=1)).isoformat(),
         "summary": "s", "recommended_action": "r", "evidence": ["m-1"], "recipients": ["LA123", "HV001"]}


@pytest.fixture
def cli(hub, tmp_path, monkeypatch):
    from hub.cli import _load_commands, app, stack_state

    _load_commands()
    monkeypatch.setattr(stack_state, "STACK_FILE", tmp_path / "stack.json")
    monkeypatch.setattr(stack_state, "API_FILE", tmp_path / "api.json")
    monkeypatch.setattr(stack_state, "LOCAL_DIR", tmp_path)
    from hub.bootstrap import task_service

    task_service(hub).on_records([ALERT])
    return lambda *args: runner.invoke(app, list(args))


def test_the_owner_works_its_task_from_the_command_line(cli, hub):
    res = cli("task", "list", "--ods", "LA123", "--json")
    assert res.exit_code == 0, res.output
    [entry] = json.loads(res.output)["entry"]
    tid = entry["resource"]["id"]
    assert entry["resource"]["owner"]["identifier"]["value"] == "LA123"
    steps = [("ack", "--by", "Sam"), ("assign", "--to", "Alex", "--by", "Sam"),
             ("decide", "--decision", "early-help", "--by", "Alex"), ("close", "--reason", "Early help", "--by", "Alex")]
    for step in steps:
        res = cli("task", step[0], tid, "--ods", "LA123", "--kind", "social-care", "--json", *step[1:])
        assert res.exit_code == 0, res.output
    assert json.loads(res.output)["status"] == "completed"
    assert [r["action"] for r in hub.audit.iter_records() if (r.get("details") or {}).get("task_id") == tid] == [
        "task.created", "task.acknowledged", "task.assigned", "task.decided", "task.closed"]


def test_another_organisation_and_a_bad_step_are_refused(cli, hub):
    tid = next(t.id for t in tasks_for_alert(ALERT) if t.owner == "LA123")
    assert cli("task", "show", tid, "--ods", "HV001").exit_code == 1
    assert cli("task", "ack", tid, "--ods", "HV001", "--by", "Intruder").exit_code == 1
    assert cli("task", "close", tid, "--ods", "LA123", "--by", "Sam", "--reason", "x").exit_code == 1  # not acked
    assert cli("task", "decide", tid, "--ods", "LA123", "--by", "Sam", "--decision", "maybe").exit_code == 2
    assert hub.tasks.get(tid).status == "requested"


def test_task_escalate_escalates_what_is_overdue_once(cli, hub):
    res = cli("task", "escalate")
    assert res.exit_code == 0 and "2 escalation" in res.output  # both Tasks are past due_by
    assert "0 escalation" in cli("task", "escalate").output
    sent = [json.loads(m["Body"]) for m in hub.queues.receive(hub.settings.alerts_queue_url, max_messages=10)]
    assert sorted(e["owner"] for e in sent if e["type"] == "escalated") == ["HV001", "LA123"]
