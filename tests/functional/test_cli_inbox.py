"""`safeguard inbox` in-process on the template's MailboxTable under moto: the operators' view of stale messages
(no content, no child), and the usage errors. The agency's view over HTTP runs in tests/integration
(test_cli_stack, test_routing_e2e, test_mailbox_e2e)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from hub.core.mailbox import MailboxMessage

runner = CliRunner()


@pytest.fixture
def cli(hub, tmp_path, monkeypatch):
    from hub.cli import _load_commands, app, stack_state

    _load_commands()
    monkeypatch.setenv("SAFEGUARD_STACK", str(tmp_path))  # never the developer's own state folder
    monkeypatch.setattr(stack_state, "_chosen", None)
    return lambda *args: runner.invoke(app, list(args))


def _deliver(hub, ods: str, mid: str, hours_ago: float) -> None:
    hub.mailboxes.deliver(MailboxMessage(
        ods=ods, message_id=mid, kind="gp", event="injury-observed", original_message_id=f"orig-{mid}",
        delivered_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago), nhs_number="9990012008",
        bundle={"resourceType": "Bundle", "id": mid, "type": "message"}))


def test_cli_inbox_stale_lists_what_waits_longer_than_the_configured_age(cli, hub):
    _deliver(hub, "A81001", "old-1", hours_ago=80)
    _deliver(hub, "B82002", "old-2", hours_ago=73)
    _deliver(hub, "A81001", "fresh", hours_ago=1)
    res = cli("inbox", "--stale", "--json")
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.strip()]
    assert [(r["ods"], r["id"]) for r in rows] == [("A81001", "old-1"), ("B82002", "old-2")]
    assert all(r["age_hours"] > 72 for r in rows)
    assert "9990012008" not in res.stdout and '"entry"' not in res.stdout  # no child, no content
    table = cli("inbox", "--stale")
    assert table.exit_code == 0 and "old-1" in table.stdout and "72" in table.stdout


def test_cli_inbox_needs_exactly_one_of_ods_and_stale(cli):
    assert cli("inbox").exit_code == 2
    assert cli("inbox", "--ods", "A81001", "--stale").exit_code == 2


def test_cli_inbox_says_which_key_is_missing(cli, tmp_path):
    from hub.cli import stack_state

    stack_state.write_api_file({"api_url": "http://127.0.0.1:9", "keys": {}})
    res = cli("inbox", "--ods", "A81001")
    assert res.exit_code == 2 and "No API key for A81001" in res.output
    unreachable = cli("inbox", "--ods", "A81001", "--api-key", "sgh_abcdefghijkl_" + "s" * 43)
    assert unreachable.exit_code == 3
