"""`safeguard` as a process, with no stack: --version, help text, shell completion, the no-traceback guard,
and the commands that need no stack (validate, replay) on bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.messages import EVENTS, REPO

pytestmark = pytest.mark.xdist_group("cli")

SAFEGUARD = str(Path(sys.executable).with_name("safeguard"))
COMMANDS = [[], ["validate"], ["replay"], ["send"], ["alerts"], ["inbox"], ["redrive"], ["up"], ["status"],
            ["invoke"], ["demo"], ["agency"], ["agency", "add"], ["agency", "list"], ["agency", "revoke"], ["audit"],
            ["audit", "verify"], ["audit", "report"], ["audit", "chronology"]]
CHILD_S = EVENTS / "scenarios" / "child-s"


def run(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess:
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return subprocess.run([SAFEGUARD, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**base, "XDG_STATE_HOME": "/nonexistent-state", "COLUMNS": "200", **env})


def no_traceback(res: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in res.stderr + res.stdout, res.stderr[-2000:]


def test_cli_version():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.strip().startswith("safeguard 0.")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "safeguard")
def test_cli_help_names_values_in_words_not_python_types(command):
    res = run(*command, "--help")
    assert res.returncode == 0, res.stderr
    for python_type in ("<bool>", "<str>", "<int>", "<list[", "<Path>", "<path>", "<file>", "{files}"):
        assert python_type not in res.stdout, (command, python_type)


def test_cli_help_lists_status_invoke_and_the_stack_option():
    text = run("--help").stdout
    assert "status" in text and "invoke" in text and "--stack" in text and "SAFEGUARD_STACK" in text
    assert "FILE..." in run("send", "--help").stdout


def test_cli_shell_completion_script():
    res = run("--show-completion", "bash")
    assert res.returncode == 0 and "_SAFEGUARD_COMPLETE" in res.stdout


def test_cli_unexpected_error_is_one_line_and_exit_1_unless_debugging(tmp_path):
    # a command that fails in a way no command expects, run through the console script's guard
    script = ("import sys, hub.cli as c\n"
              "@c.app.command('explode')\n"
              "def explode():\n"
              "    def deep(n): return deep(n + 1)\n"
              "    deep(0)\n"
              "sys.argv = ['safeguard', 'explode']\n"
              "c.main()\n")
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("safeguard: unexpected error (RecursionError") and res.stderr.count("\n") == 1
    debug = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                           env={**env, "SAFEGUARD_DEBUG": "1"})
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_cli_validate_bad_inputs_are_fhir_outcomes(tmp_path):
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (EVENTS / "valid" / "child-registered.json").read_bytes())
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000)
    res = run("validate", str(bom), str(deep), str(tmp_path / "missing.json"), str(tmp_path))
    no_traceback(res)
    assert res.returncode == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [line["status"] for line in lines] == [400, lines[1]["status"], 400, 400]
    assert lines[1]["status"] in (400, 422)
    bom_text = lines[0]["issues"][0]["diagnostics"]
    assert "utf-8-sig" not in bom_text and "byte order mark" in bom_text.lower()


def test_cli_validate_nonexistent_argument_is_usage_not_traceback():
    res = run("validate")
    assert res.returncode == 2 and "Traceback" not in res.stderr


def _replay(*args: str) -> subprocess.CompletedProcess:
    return run("replay", str(CHILD_S), "--agencies", str(CHILD_S / "agencies.json"), *args)


def test_cli_replay_until_is_honoured():
    full = _replay("--until", "2011-10-14T00:00:00+01:00")
    assert full.returncode in (0, 3), full.stderr
    records = [json.loads(line) for line in full.stdout.splitlines()]
    detected = sorted(r["detected_at"] for r in records if r["type"] == "alert")
    assert len(detected) >= 2
    cut = detected[len(detected) // 2]  # an instant inside the story
    part = _replay("--until", cut)
    no_traceback(part)
    kept = [json.loads(line) for line in part.stdout.splitlines()]
    assert kept and len(kept) < len(records)
    assert all(r["detected_at"] <= cut for r in kept if r["type"] == "alert")
    assert "after --until" in part.stderr


def test_cli_replay_warns_on_a_folder_without_messages_and_rejects_bad_bounds(tmp_path):
    (tmp_path / "notes.json").write_text("{}")  # not a message: its name does not start with a digit
    empty = run("replay", str(tmp_path), "--until", "2020-01-01T00:00:00Z")
    assert empty.returncode == 0 and empty.stdout == "" and "warning: no messages" in empty.stderr
    for until in ("yesterday", "2020-01-01T00:00:00"):
        bad = run("replay", str(tmp_path), "--until", until)
        assert bad.returncode == 2 and "--until" in bad.stderr
        no_traceback(bad)
    missing = run("replay", str(tmp_path / "nope"), "--until", "2020-01-01T00:00:00Z")
    assert missing.returncode == 2
    no_traceback(missing)


def test_cli_stack_commands_without_a_stack_say_so_with_exit_3(tmp_path):
    for args in (["status"], ["alerts"], ["audit", "verify"], ["invoke", "sweep"],
                 ["audit", "report", "--from", "2026-01-01", "--to", "2026-02-01"]):
        res = run(*args, cwd=tmp_path)
        no_traceback(res)
        assert res.returncode == 3, (args, res.stderr)
        assert "No stack" in res.stderr
