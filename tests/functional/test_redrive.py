"""Redrive: a poison message dead-letters after maxReceiveCount, then `SqsQueues.redrive` or
`safeguard redrive` moves it back and it is processed once; nothing lost, nothing doubled."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hub.local.template import load_template
from tests.support.messages import load_event
from tests.support.pipeline import bodies, ingest, pump, receive_all

runner = CliRunner()


def _max_receive_count(queue_id: str) -> int:
    return int(load_template()["Resources"][queue_id]["Properties"]["RedrivePolicy"]["maxReceiveCount"])


def _depth(hub, url: str) -> int:
    d = hub.queues.depth(url)
    return d["visible"] + d["in_flight"]


def _poison_rules(monkeypatch) -> dict:
    """Make the rules function fail every record while fault["on"]; turning it off is the fix."""
    from hub.service.rules import RulesService

    real, fault = RulesService.on_message, {"on": True}

    def on_message(self, msg):
        if fault["on"]:
            raise RuntimeError("poison")
        return real(self, msg)

    monkeypatch.setattr(RulesService, "on_message", on_message)
    return fault


def _dead_letter_an_injury(hub, stack_info, lambda_context, monkeypatch) -> tuple[dict, int, dict]:
    """A bruise on a 4-month-old whose rules message fails until it dead-letters.
    Returns that message as first queued, how many receives failed, and the fault switch."""
    from hub.handlers import router, rules

    # a registered baby, processed normally
    assert ingest(hub, load_event("valid/child-registered.json")).status == 202
    assert pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)["failures"] == []
    assert pump(hub, hub.settings.rules_queue_url, rules.lambda_handler, lambda_context)["failures"] == []
    # a bruise, routed; its rules message is poison
    assert ingest(hub, load_event("valid/injury-observed.json")).status == 202
    assert pump(hub, hub.settings.validated_queue_url, router.lambda_handler, lambda_context)["failures"] == []
    queued = hub.clients.sqs.receive_message(QueueUrl=hub.settings.rules_queue_url, MaxNumberOfMessages=10,
                                             AttributeNames=["All"], VisibilityTimeout=0)["Messages"]
    assert len(queued) == 1
    fault = _poison_rules(monkeypatch)
    dlq, failed = stack_info.resources["RulesDLQ"], 0
    while _depth(hub, dlq) == 0:
        got = pump(hub, hub.settings.rules_queue_url, rules.lambda_handler, lambda_context)
        assert got["failures"] or _depth(hub, dlq) == 1, "the poison message was processed"
        failed += bool(got["failures"])
        assert failed <= 10, "the message never dead-lettered"
    return queued[0], failed, fault


def _alerts(hub) -> list[dict]:
    return bodies(receive_all(hub, hub.settings.alerts_queue_url))


def test_redrive_poison_message_dead_letters_then_is_processed_once(hub, stack_info, lambda_context, monkeypatch):
    from hub.handlers import rules

    # GIVEN a rules message that failed every time it was received
    injury, attempts, fault = _dead_letter_an_injury(hub, stack_info, lambda_context, monkeypatch)
    rules_url, dlq = hub.settings.rules_queue_url, stack_info.resources["RulesDLQ"]
    # THEN it sits in the DLQ after exactly maxReceiveCount receives (the test's peek + the failed ones), nowhere else
    assert attempts + 1 == _max_receive_count("RulesQueue")
    assert _depth(hub, rules_url) == 0 and _depth(hub, dlq) == 1
    assert [a for a in _alerts(hub) if a["rule"] == "non-mobile-bruising"] == []
    # WHEN the fault is fixed and the DLQ is redriven
    fault["on"] = False
    assert hub.queues.redrive(dlq, rules_url) == 1
    # THEN the same message, in the same message group, is back on the rules queue, and the DLQ is empty
    back = hub.clients.sqs.receive_message(QueueUrl=rules_url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                           VisibilityTimeout=0)["Messages"]
    assert [m["Body"] for m in back] == [injury["Body"]]
    assert back[0]["Attributes"]["MessageGroupId"] == injury["Attributes"]["MessageGroupId"]
    assert _depth(hub, dlq) == 0
    # AND the rules function processes it: exactly one critical alert, and nothing left anywhere
    assert pump(hub, rules_url, rules.lambda_handler, lambda_context)["failures"] == []
    alerts = [a for a in _alerts(hub) if a["type"] == "alert"]
    assert [a["rule"] for a in alerts] == ["non-mobile-bruising"]
    assert json.loads(injury["Body"])["message_id"] in alerts[0]["evidence"]
    assert _depth(hub, rules_url) == 0 and _depth(hub, dlq) == 0
    # AND a second redrive finds nothing to move
    assert hub.queues.redrive(dlq, rules_url) == 0


def test_redrive_crash_between_send_and_delete_does_not_duplicate(hub, stack_info, lambda_context, monkeypatch):
    from hub.adapters.errors import QueueError

    _, _, fault = _dead_letter_an_injury(hub, stack_info, lambda_context, monkeypatch)
    fault["on"] = False
    rules_url, dlq = hub.settings.rules_queue_url, stack_info.resources["RulesDLQ"]
    # GIVEN a redrive that sent the message but crashed before deleting it from the DLQ
    real_receive, real_delete = hub.queues.receive, hub.queues.delete
    monkeypatch.setattr(hub.queues, "receive", lambda url, **kw: real_receive(url, **{**kw, "visibility_timeout": 0}))

    def crash(url, handle):
        raise QueueError("injected crash")

    monkeypatch.setattr(hub.queues, "delete", crash)
    with pytest.raises(QueueError):
        hub.queues.redrive(dlq, rules_url)
    assert _depth(hub, dlq) == 1 and _depth(hub, rules_url) == 1
    # WHEN the operator runs the redrive again
    monkeypatch.setattr(hub.queues, "delete", real_delete)
    assert hub.queues.redrive(dlq, rules_url) == 1
    # THEN the resend reused its deduplication id: one copy on the rules queue, none left in the DLQ
    assert _depth(hub, rules_url) == 1 and _depth(hub, dlq) == 0


def test_redrive_max_moves_only_that_many(hub, stack_info):
    from hub.adapters.sqs_queue import OutgoingMessage

    dlq, target = stack_info.resources["AlertsDLQ"], hub.settings.alerts_queue_url
    for i in range(3):
        hub.queues.send(dlq, OutgoingMessage(json.dumps({"n": i}), "g", f"d{i}", {"kind": "test"}))
    assert hub.queues.redrive(dlq, target, max_messages=2) == 2
    assert _depth(hub, target) == 2
    assert hub.queues.redrive(dlq, target) == 1
    moved = receive_all(hub, target)
    assert sorted(json.loads(m["Body"])["n"] for m in moved) == [0, 1, 2]
    assert all(m["MessageAttributes"]["kind"]["StringValue"] == "test" for m in moved)


def test_redrive_move_task_is_not_used_on_fifo_and_falls_back_when_missing(hub, stack_info, monkeypatch):
    from hub.adapters.errors import QueueError
    from hub.adapters.sqs_queue import OutgoingMessage

    # moto 5.2.5 has no StartMessageMoveTask: asking for it is an error, "auto" falls back to the loop
    sqs = hub.clients.sqs
    dlq = sqs.create_queue(QueueName="std-dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="std-src")["QueueUrl"]
    hub.queues.send(dlq, OutgoingMessage("x", "g", "d"))
    with pytest.raises(QueueError):
        hub.queues.redrive(dlq, src, method="move-task")
    assert hub.queues.redrive(dlq, src) == 1
    assert [m["Body"] for m in receive_all(hub, src)] == ["x"]
    # a FIFO DLQ never starts a move task (LocalStack would drop messages still in the dedup window)
    called = []
    monkeypatch.setattr(hub.queues, "_move_task", lambda *a, **k: called.append(a))
    hub.queues.redrive(stack_info.resources["RulesDLQ"], hub.settings.rules_queue_url)
    assert called == []


@pytest.fixture
def cli(hub, stack_info, tmp_path, monkeypatch):
    from hub.cli import _load_commands, app

    _load_commands()
    stack_info.save(tmp_path / "stack.json")
    # the functions' variables name the stack (as for a deployed one); the saved StackInfo maps logical ids
    monkeypatch.setenv("HUB_LOCAL_STACK_FILE", str(tmp_path / "stack.json"))
    return lambda *args: runner.invoke(app, list(args))


def test_redrive_cli_moves_a_dlq_back_by_logical_id_or_url(hub, stack_info, cli, lambda_context, monkeypatch):
    from hub.handlers import rules

    _, _, fault = _dead_letter_an_injury(hub, stack_info, lambda_context, monkeypatch)
    fault["on"] = False
    dlq = stack_info.resources["RulesDLQ"]
    # WHEN the operator redrives by logical id
    res = cli("redrive", "RulesDLQ", "--json")
    # THEN one message moved to the RulesQueue and it is processed
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"dlq": dlq, "target": hub.settings.rules_queue_url, "moved": 1}
    assert pump(hub, hub.settings.rules_queue_url, rules.lambda_handler, lambda_context)["failures"] == []
    assert [a["rule"] for a in _alerts(hub) if a["type"] == "alert"] == ["non-mobile-bruising"]
    # AND by URL the command finds the source queue too (nothing left to move)
    by_url = cli("redrive", dlq, "--json")
    assert by_url.exit_code == 0, by_url.output
    assert json.loads(by_url.output)["moved"] == 0


def test_redrive_cli_refuses_a_queue_that_is_not_a_dlq(cli):
    res = cli("redrive", "RulesQueue")
    assert res.exit_code == 2
    assert "not a DLQ" in res.output


def test_redrive_cli_finds_the_source_of_an_unknown_dlq_url_through_sqs(hub, stack_info, cli, monkeypatch):
    from hub.adapters.sqs_queue import OutgoingMessage
    from hub.cli import stack_state

    monkeypatch.setattr(stack_state, "stack_resources", lambda: {})  # no stack file: ask SQS
    dlq, target = stack_info.resources["AlertsDLQ"], hub.settings.alerts_queue_url
    hub.queues.send(dlq, OutgoingMessage('{"type": "alert"}', "g", "d1"))
    res = cli("redrive", dlq, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["target"] == target
    assert len(receive_all(hub, target)) == 1
