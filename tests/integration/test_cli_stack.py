"""The people-facing stack commands as real processes: `safeguard up`, then send, alerts, inbox, agency,
redrive against it from another directory (found through the state folder), then Ctrl-C / SIGTERM.
(`safeguard demo` as a process: tests/integration/test_demo.py.)

`up` always starts its own embedded moto here (the AWS and function variables are not passed on), so these
tests are the same under `make test-localstack`."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.messages import REPO

pytestmark = pytest.mark.xdist_group("cli")

SAFEGUARD = str(Path(sys.executable).with_name("safeguard"))
_PASS_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def _env(**extra: str) -> dict[str, str]:
    """A clean environment: no AWS_* or function variables leak in from this test process, and never the
    developer's own state folder."""
    env = {k: os.environ[k] for k in _PASS_ENV if k in os.environ}
    env["XDG_STATE_HOME"] = extra.pop("XDG_STATE_HOME", None) or str(Path(os.environ.get("TMPDIR", "/tmp")) / "no-such-state")
    env.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true",
               POWERTOOLS_TRACE_DISABLED="true", COLUMNS="200", **extra)
    return env


def _run(*args: str, local_dir: Path, cwd: Path = REPO, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([SAFEGUARD, *args], cwd=cwd, env=_env(SAFEGUARD_STACK=str(local_dir)),
                          capture_output=True, text=True, timeout=timeout)


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip().startswith(("{", "["))]


class Up:
    """`safeguard up --port 0` in its own session, with cwd=tmp_path and its state in tmp_path/.local
    (HUB_LOCAL_DIR, the older name of SAFEGUARD_STACK, still works)."""

    def __init__(self, tmp_path: Path):
        self.cwd = tmp_path
        self.local = tmp_path / ".local"
        self.log = open(tmp_path / "up.log", "w+")
        self.proc = subprocess.Popen([SAFEGUARD, "up", "--port", "0"], cwd=tmp_path,
                                     env=_env(HUB_LOCAL_DIR=str(self.local)),
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def output(self) -> str:
        self.log.flush()
        return (self.cwd / "up.log").read_text()

    def wait_ready(self, deadline_s: float = 180) -> dict:
        api = self.local / "api.json"
        deadline = time.monotonic() + deadline_s
        while not api.exists():  # written atomically, last of the start-up
            assert self.proc.poll() is None, f"safeguard up exited early:\n{self.output()}"
            assert time.monotonic() < deadline, f"safeguard up not ready:\n{self.output()}"
            time.sleep(0.2)
        return json.loads(api.read_text())

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        """Last resort cleanup: our own process group only."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.log.close()


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def up(tmp_path):
    u = Up(tmp_path)
    try:
        yield u
    finally:
        u.kill()


def _wait_for_alert(local: Path, rule: str, deadline_s: float = 120) -> list[dict]:
    """Poll `alerts` until the rule's alert is there (the stack routes asynchronously)."""
    deadline = time.monotonic() + deadline_s
    while True:
        res = _run("alerts", "--json", local_dir=local)
        assert res.returncode in (0, 1), res.stderr
        records = _lines(res.stdout)
        if any(r.get("rule") == rule for r in records):
            return records
        assert time.monotonic() < deadline, f"no {rule} alert: {records}"
        time.sleep(0.5)


def test_cli_stack_up_send_alerts_inbox_agency_then_ctrl_c(up):
    # GIVEN `safeguard up` started in an empty directory
    api = up.wait_ready()
    local = up.local
    assert stat.S_IMODE((local / "api.json").stat().st_mode) == 0o600
    assert (local / "stack.json").exists()
    assert api["api_url"].startswith("http://127.0.0.1:")
    assert set(api["keys"]) == {"A81001", "RX1", "HV001", "P42", "LA123"}  # events/scenarios/child-s/agencies.json

    # WHEN a registration and a bruise are sent from the repository, as in the README
    sent = _run("send", "--json", "events/valid/child-registered.json", "events/valid/injury-observed.json",
                local_dir=local)
    # THEN both are accepted, each as its own sender
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert [(r["sender"], r["status"]) for r in _lines(sent.stdout)] == [("A81001", 202), ("RX1", 202)]

    # AND a critical non-mobile-bruising alert comes out of `safeguard alerts --json`, read from the audit
    # log, as often as it is asked for: reading never counts towards the queue's maxReceiveCount
    _wait_for_alert(local, "non-mobile-bruising")
    for _ in range(6):
        alerts = _run("alerts", "--json", local_dir=local)
        assert alerts.returncode == 0, alerts.stderr
        crit = [r for r in _lines(alerts.stdout) if r["type"] == "alert" and r["rule"] == "non-mobile-bruising"]
        assert len(crit) == 1 and crit[0]["severity"] == "critical"
        assert "A81001" in crit[0]["recipients"] and len(crit[0]["child"]) == 64  # the keyed hash, no NHS number
    # ... and the alert is still on the queue for its consumer: --consume takes it off, with the NHS number
    consumed = _run("alerts", "--json", "--consume", local_dir=local)
    assert consumed.returncode == 0, consumed.stderr
    assert [(r["rule"], r["nhs_number"]) for r in _lines(consumed.stdout) if r["type"] == "alert"] == [
        ("non-mobile-bruising", "9990012008")]
    assert _run("alerts", "--json", "--consume", local_dir=local).returncode == 1  # nothing left

    # AND the GP's inbox holds the bruise re-addressed to it (its own registration never comes back)
    inbox = _run("inbox", "--ods", "A81001", "--json", "--ack", local_dir=local)  # over HTTP, with the GP's key
    assert inbox.returncode == 0, inbox.stderr
    delivered = _lines(inbox.stdout)
    assert len(delivered) == 1
    header = delivered[0]["entry"][0]["resource"]
    assert header["eventCoding"]["code"] == "injury-observed"
    assert header["destination"][0]["receiver"]["identifier"]["value"] == "A81001"
    assert _run("inbox", "--ods", "A81001", local_dir=local).returncode == 1  # acknowledged: left the mailbox
    assert _run("inbox", "--ods", "A81001", "--kind", "nonsense", local_dir=local).returncode == 2

    # AND keys rotate: a second police key works, revoking it refuses it at once
    added = _run("agency", "add", "--ods", "P42", "--kind", "police", "--json", local_dir=local)
    assert added.returncode == 0, added.stderr
    new_key = json.loads(added.stdout)
    assert new_key["api_key"].startswith(f"sgh_{new_key['key_id']}_")
    listed = _run("agency", "list", "--json", local_dir=local)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(r["ods"], r["kind"]) for r in rows} >= {("P42", "police"), ("A81001", "gp"), ("LA123", "social-care")}
    assert new_key["key_id"] in {r["key_id"] for r in rows}
    assert new_key["api_key"][len(f"sgh_{new_key['key_id']}_"):] not in listed.stdout  # never a secret
    concern = "events/valid/concern-recorded.json"
    assert _run("send", "--api-key", new_key["api_key"], concern, local_dir=local).returncode == 0
    revoked = _run("agency", "revoke", new_key["key_id"], local_dir=local)
    assert revoked.returncode == 0, revoked.stderr
    assert [r["revoked_at"] for r in json.loads(_run("agency", "list", "--json", local_dir=local).stdout)
            if r["key_id"] == new_key["key_id"]][0]
    refused = _run("send", "--json", "--api-key", new_key["api_key"], concern, local_dir=local)
    assert refused.returncode == 1 and _lines(refused.stdout)[0]["status"] == 401
    assert _run("agency", "revoke", "nosuchkey000", local_dir=local).returncode == 1
    assert _run("agency", "add", "--ods", "X1", "--kind", "astronaut", local_dir=local).returncode == 2

    # AND redrive talks to the same stack (its DLQs are empty)
    redrive = _run("redrive", "RulesDLQ", "--json", local_dir=local)
    assert redrive.returncode == 0, redrive.stderr
    assert json.loads(redrive.stdout)["moved"] == 0

    # WHEN Ctrl-C
    assert up.stop(signal.SIGINT) == 0, up.output()
    # THEN it stopped cleanly, left no process behind and removed its files
    assert "stopped" in up.output()
    assert _group_gone(up.proc.pid)
    assert not (local / "api.json").exists() and not (local / "stack.json").exists()
    # AND the commands now say the stack is unreachable (3) or that there is none to send to (2)
    assert _run("alerts", local_dir=local).returncode == 3
    assert _run("send", "events/valid/child-registered.json", local_dir=local).returncode == 2
    dead = _run("send", "--api-url", api["api_url"], "--api-key", "x", "events/valid/child-registered.json",
                local_dir=local)
    assert dead.returncode == 3, dead.stdout + dead.stderr


def test_cli_stack_up_stops_on_sigterm(up):
    up.wait_ready()
    assert up.stop(signal.SIGTERM) == 0, up.output()
    assert _group_gone(up.proc.pid)
    assert not (up.local / "api.json").exists() and not (up.local / "stack.json").exists()
