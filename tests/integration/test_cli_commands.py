"""The stack commands as real processes against one `safeguard up --json`, run from other folders: the
state folder found from anywhere (default location, --stack, SAFEGUARD_STACK, HUB_LOCAL_DIR), `up --json`
holding stdout to one line while the stack keeps serving, audit, send, alerts, status and invoke, and each
one's bad inputs: exit codes, never a traceback."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support.messages import EVENTS, invalid_example_paths, load_valid, sender_of, to_bytes, with_message_id

pytestmark = pytest.mark.xdist_group("cli")

SAFEGUARD = str(Path(sys.executable).with_name("safeguard"))


def base_env(state_home: Path, **extra: str) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return {**env, "XDG_STATE_HOME": str(state_home), "POWERTOOLS_TRACE_DISABLED": "true", "COLUMNS": "200", **extra}


class Hub:
    def __init__(self, root: Path):
        self.root, self.home = root, root / "state-home"
        self.state = self.home / "safeguarding-hub"  # the default state folder under XDG_STATE_HOME
        self.elsewhere = root / "elsewhere"
        self.elsewhere.mkdir()
        self.proc = subprocess.Popen([SAFEGUARD, "up", "--port", "0", "--json"], cwd=root, env=base_env(self.home),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.line = self._first_line()
        self.ready = json.loads(self.line)

    def _first_line(self) -> str:
        got: list[str] = []
        reader = threading.Thread(target=lambda: got.append(self.proc.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(180)
        assert got and got[0].startswith("{"), f"no JSON line from safeguard up: {got}"
        return got[0]

    def run(self, *args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
        res = subprocess.run([SAFEGUARD, *args], cwd=cwd or self.elsewhere, env=base_env(self.home, **env),
                             capture_output=True, text=True, timeout=180)
        assert "Traceback" not in res.stderr + res.stdout, res.stderr[-3000:]
        return res

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = Hub(tmp_path_factory.mktemp("cli"))
    try:
        yield h
    finally:
        h.kill()


def http(hub: Hub, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(hub.ready["api_url"] + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


KINDS = ["child-registered", "injury-observed", "concern-recorded", "appointment-outcome", "mobility-assessed"]


def send_traffic(hub: Hub, rounds: int = 2) -> None:
    """Messages of every kind (a bruised non-mobile child, copies for the GP), so a test run alone (-k) has data."""
    keys = {ods: k["key"] for ods, k in hub.ready["keys"].items()}
    for i in range(rounds * len(KINDS)):
        body = message(KINDS[i % len(KINDS)])
        status, raw = http(hub, "POST", "/$process-message", body,
                           {"Authorization": f"Bearer {keys[sender_of(body)]}", "Content-Type": "application/fhir+json"})
        assert status == 202, raw


def lines(out: str) -> list[dict]:
    return [json.loads(x) for x in out.splitlines() if x.startswith("{")]


def message(name: str) -> bytes:
    return to_bytes(with_message_id(load_valid(name), str(uuid.uuid4())))


def test_up_json_is_one_line_and_the_stack_serves_on_when_its_reader_stops_reading(hub):
    assert set(hub.ready) >= {"api_url", "endpoint", "keys", "log"}
    keys = {ods: k["key"] for ods, k in hub.ready["keys"].items()}
    # WHEN the reader of `up --json` stopped after one line, 50 requests make the functions log and emit metrics
    names = ["child-registered", "injury-observed", "concern-recorded", "appointment-outcome", "mobility-assessed"]
    for i in range(50):
        body = message(names[i % len(names)])
        status, raw = http(hub, "POST", "/$process-message", body,
                           {"Authorization": f"Bearer {keys[sender_of(body)]}", "Content-Type": "application/fhir+json"})
        assert status == 202, raw
    # THEN every one was answered; the logs went to the log file, more of them than a pipe holds (64 KiB), so
    # on stdout they would have blocked the stack
    assert Path(hub.ready["log"]).stat().st_size > 65536


def test_commands_find_the_stack_from_any_folder(hub, tmp_path):
    default = hub.run("status", "--json")
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout)["api_url"] == hub.ready["api_url"]
    clean_env = {"XDG_STATE_HOME": str(tmp_path / "empty")}  # the default location holds no stack ...
    assert hub.run("status", **clean_env).returncode == 3
    for how in (["--stack", str(hub.state)], ["--stack", str(hub.state / "stack.json")]):  # ... unless named
        assert hub.run(*how, "status", "--json", **clean_env).returncode == 0
    for var in ("SAFEGUARD_STACK", "HUB_LOCAL_DIR"):
        assert hub.run("status", "--json", **clean_env, **{var: str(hub.state)}).returncode == 0
    wrong = hub.run("--stack", str(tmp_path), "audit", "verify")
    assert wrong.returncode == 3 and "No stack" in wrong.stderr


def test_up_refuses_a_second_stack_in_the_same_state_folder(hub):
    res = hub.run("up", "--port", "0")
    assert res.returncode == 2 and "already running" in res.stderr


def test_audit_commands_work_against_the_running_stack(hub, tmp_path):
    verify = hub.run("audit", "verify", "--json")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["ok"] is True
    reversed_ = hub.run("audit", "verify", "--from", "2026-12-01", "--to", "2026-01-01")
    assert reversed_.returncode == 2 and "empty" in reversed_.stderr and "intact" not in reversed_.stdout
    assert hub.run("audit", "report", "--from", "2026-12-01", "--to", "2026-01-01").returncode == 2
    out = tmp_path / "report"
    report = hub.run("audit", "report", "--from", "2020-01-01", "--to", "2099-12-31", "--out", str(out))
    assert report.returncode == 0, report.stderr
    assert (out / "report.md").exists() and (out / "report.json").exists()
    a_file = tmp_path / "taken.txt"
    a_file.write_text("mine")
    taken = hub.run("audit", "report", "--from", "2020-01-01", "--to", "2021-01-01", "--out", str(a_file))
    assert taken.returncode == 2 and "is a file" in taken.stderr and a_file.read_text() == "mine"
    below_file = hub.run("audit", "report", "--from", "2020-01-01", "--to", "2021-01-01", "--out", str(a_file / "x"))
    assert below_file.returncode == 2 and "cannot make" in below_file.stderr
    chronology = hub.run("audit", "chronology", "--nhs-number", "9990012008", "--purpose", "test of the CLI")
    assert chronology.returncode == 0, chronology.stderr


def test_send_shows_every_issue_with_its_expression_and_names_a_sender_without_a_key(hub, tmp_path):
    bad = next(p for p in invalid_example_paths() if sender_of(p.read_bytes()) in hub.ready["keys"]
               and json.loads(p.with_name(p.stem + ".expected.json").read_text())["status"] == 422)
    validated = lines(hub.run("validate", str(bad)).stdout)[0]["issues"]
    sent = hub.run("send", "--json", str(bad))
    assert sent.returncode == 1
    (result,) = lines(sent.stdout)
    assert result["status"] == 422
    assert result["outcome"]["issue"] == validated and all(i["expression"] for i in validated)
    table = hub.run("send", str(bad))
    assert validated[0]["expression"][0] in table.stdout
    # a file whose sender has no key is not sent, and the sender is named
    plain = hub.run("send", "--api-url", hub.ready["api_url"], "--json", str(EVENTS / "valid" / "child-registered.json"),
                    XDG_STATE_HOME=str(tmp_path / "no-keys-here"))
    assert plain.returncode == 1 and "no API key for sender A81001" in plain.stderr
    assert lines(plain.stdout)[0]["status"] is None
    # deep JSON: no sender to read (no traceback); sent with a key, the hub answers with a FHIR outcome
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    unread = hub.run("send", "--json", str(deep))
    assert unread.returncode == 1 and "nests too deeply" in unread.stderr
    keyed = hub.run("send", "--json", "--api-key", hub.ready["keys"]["A81001"]["key"], str(deep))
    assert keyed.returncode == 1 and lines(keyed.stdout)[0]["status"] in (400, 413, 422)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + message("child-registered"))
    (bom_result,) = lines(hub.run("send", "--json", "--api-key", hub.ready["keys"]["A81001"]["key"], str(bom)).stdout)
    assert bom_result["status"] == 400 and "utf-8-sig" not in json.dumps(bom_result["outcome"])


def _alerts(hub) -> list[dict]:
    res = hub.run("alerts", "--json")
    assert res.returncode in (0, 1), res.stderr
    return lines(res.stdout)


def test_alerts_read_without_consuming_and_never_towards_the_dlq(hub):
    import time

    send_traffic(hub)
    deadline = time.monotonic() + 120
    while not any(r["rule"] == "non-mobile-bruising" for r in _alerts(hub)):
        assert time.monotonic() < deadline, "no alert"
        time.sleep(0.5)
    first = _alerts(hub)
    for _ in range(7):  # more reads than the queue's maxReceiveCount (5)
        assert _alerts(hub) == first
    status = json.loads(hub.run("status", "--json").stdout)
    assert status["dlqs"]["AlertsDLQ"] == {"visible": 0, "in_flight": 0}
    assert status["queues"]["AlertsQueue"]["visible"] >= 1  # still there for its consumer
    table = hub.run("alerts")
    assert table.returncode == 0 and "non-mobile-bruising" in table.stdout


def test_invoke_fires_the_sweep_and_the_digest_and_status_reports_them(hub, tmp_path):
    send_traffic(hub)
    sweep = hub.run("invoke", "sweep")
    assert sweep.returncode == 0, sweep.stderr
    assert "records" in json.loads(sweep.stdout)
    digest = hub.run("invoke", "AuditDigestFunction")
    assert digest.returncode == 0, digest.stderr
    assert json.loads(digest.stdout)["key"]
    status = hub.run("status", "--json")
    found = json.loads(status.stdout)
    assert found["last_sweep"]["via"] == "invoke" and found["last_digest"]["signed"]["at"]
    assert "ValidatedQueue" in found["queues"] and "RulesDLQ" in found["dlqs"]
    if "MAILBOX_TABLE" in json.loads((hub.state / "stack.json").read_text())["env"]:
        import time

        deadline = time.monotonic() + 120  # the router delivers the copies asynchronously
        while found["mailboxes"].get("A81001", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
            found = json.loads(hub.run("status", "--json").stdout)
        assert found["mailboxes"].get("A81001", 0) >= 1  # the GP has copies of what the others sent it
    assert "last sweep" in hub.run("status").stdout
    # bad inputs: unknown function, no schedule and no event, an unreadable event
    assert hub.run("invoke", "nosuch").returncode == 2
    assert hub.run("invoke", "RulesFunction").returncode == 2
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    assert hub.run("invoke", "sweep", "--event", str(bad)).returncode == 2
    # any function, with its event from a file: an API Gateway request to the conformance function
    request = tmp_path / "metadata.json"
    request.write_text(json.dumps({
        "resource": "/metadata", "path": "/metadata", "httpMethod": "GET", "headers": {"X-Correlation-ID": "inv-1"},
        "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"requestId": "r-1", "stage": "dev", "path": "/dev/metadata", "resourcePath": "/metadata",
                           "httpMethod": "GET"}}))
    api = hub.run("invoke", "conformance", "--event", str(request))
    assert api.returncode == 0, api.stderr
    reply = json.loads(api.stdout)
    assert reply["statusCode"] == 200 and reply["headers"]["X-Correlation-ID"] == "inv-1"
    assert json.loads(reply["body"])["resourceType"] == "CapabilityStatement"


def test_up_json_stopped_wrote_nothing_more_on_stdout(hub):
    # run last: SIGTERM, then everything `up --json` ever wrote on stdout is its one line
    hub.proc.send_signal(signal.SIGTERM)
    assert hub.proc.wait(timeout=60) == 0
    rest = hub.proc.stdout.read().decode()
    assert rest == "", rest[:500]
    assert not (hub.state / "stack.json").exists() and not (hub.state / "api.json").exists()
    assert hub.run("status").returncode == 3
