"""`safeguard demo` as a user runs it: a real process telling the Child S story on the hub's simulated clock.

Its figures are checked against `safeguard replay` (run here) and the scenario README, never against numbers
written in this file: the rules and the README change together, and the demo must follow both."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.support.messages import REPO

pytestmark = pytest.mark.xdist_group("cli")

SAFEGUARD = str(Path(sys.executable).with_name("safeguard"))
SCENARIO = REPO / "events" / "scenarios" / "child-s"
LONDON = ZoneInfo("Europe/London")
# Alert ids are keyed with the hub's secret, so the stack's differ from public replay's by design (the demo
# itself compares ids, against a replay keyed like its stack): here, everything else of each record.
KEYS = ("type", "rule", "severity", "nhs_number", "raised_at", "detected_at", "resolved_at", "reason")


def _env(tmp: Path) -> dict[str, str]:
    """A clean environment whose HOME and TMPDIR are empty folders, to see whether anything lands there."""
    (tmp / "home").mkdir()
    (tmp / "tmp").mkdir()
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") if k in os.environ}
    return env | {"HOME": str(tmp / "home"), "TMPDIR": str(tmp / "tmp"), "COLUMNS": "200",
                  "PYTHONDONTWRITEBYTECODE": "1"}  # the interpreter's caches are not the demo's files


def _keys(records: list[dict]) -> list[tuple]:
    return sorted((tuple(r.get(k) for k in KEYS) for r in records), key=repr)


def _replay(until: str) -> list[dict]:
    res = subprocess.run([SAFEGUARD, "replay", str(SCENARIO), "--until", until, "--agencies",
                          str(SCENARIO / "agencies.json")], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    assert res.returncode == 0, res.stderr[-2000:]
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def _readme() -> dict:
    """The figures the scenario README states: the incident, the alerts before it, the alert and
    resolution tables."""
    text = (SCENARIO / "README.md").read_text(encoding="utf-8")
    incident = re.search(r"Critical incident: (\d{4}-\d\d-\d\d \d\d:\d\d) \(Europe/London\)", text).group(1)
    before = int(re.search(r"## Alerts the hub raises \((\d+) before the critical incident\)", text).group(1))
    alerts_part, resolutions_part = text.split("## Resolutions")
    alerts = [[c.strip() for c in line.strip("|").split("|")] for line in alerts_part.splitlines()
              if re.match(r"^\| \d{4}-", line)]
    resolutions = [line for line in resolutions_part.split("## Notes")[0].splitlines() if re.match(r"^\| \d{4}-", line)]
    return {"incident": datetime.fromisoformat(incident).replace(tzinfo=LONDON), "before": before,
            "alerts": alerts, "resolutions": resolutions}


def _closed(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return True
    return False


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def _run_demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path, Path]:
    cwd, out = tmp_path / "cwd", tmp_path / "cwd" / "story"
    cwd.mkdir()
    stack_files = [REPO / ".local" / name for name in ("stack.json", "api.json")]  # what `up` would write
    before = [(p.exists() and p.stat().st_mtime_ns) for p in stack_files]
    proc = subprocess.Popen([SAFEGUARD, "demo", "--out", str(out), *args], cwd=cwd, env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:  # last resort: our own process group only
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
    # nothing left running: the demo's process group is gone (no child process outlived it)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    # and nothing written outside --out: not in the working folder, HOME, TMPDIR or a stack file in the repository
    assert sorted(p.name for p in cwd.iterdir()) == ["story"]
    assert _files(tmp_path / "home") == set() and _files(tmp_path / "tmp") == set()
    assert [(p.exists() and p.stat().st_mtime_ns) for p in stack_files] == before
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), out, cwd


def test_the_demo_tells_the_child_s_story_as_replay_and_the_readme_do(tmp_path):
    # WHEN a new user runs the demo
    res, out, _ = _run_demo(tmp_path)

    # THEN it exits 0 and says the hub and replay agree
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    assert "The hub and `safeguard replay` agree" in res.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agrees_with_replay"] and summary["audit_intact"] and summary["accepted"] == summary["messages"]

    # the stack it started is gone: the API and the emulator's ports are closed
    assert _closed(summary["api_url"]) and _closed(summary["endpoint"])

    # the records the hub published over those years are replay's, field for field
    replay = _replay(summary["until"])
    published = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    assert _keys(published) == _keys(replay)
    assert all(r["detected_at"][:4] in ("2007", "2008", "2009", "2010", "2011") for r in published if r["type"] == "alert")

    # and the summary's figures are replay's and the README's
    readme = _readme()
    alerts = [r for r in replay if r["type"] == "alert"]
    assert summary["alerts"] == len(alerts) == len(readme["alerts"])
    assert summary["resolutions"] == len(replay) - len(alerts) == len(readme["resolutions"])
    before = [a for a in alerts if datetime.fromisoformat(a["raised_at"]) < readme["incident"]]
    assert summary["alerts_before_incident"] == len(before) == readme["before"]
    assert datetime.fromisoformat(summary["incident"]) == readme["incident"]
    first = next(a for a in sorted(before, key=lambda a: a["raised_at"]) if a["severity"] in ("high", "critical"))
    first_row = next(row for row in readme["alerts"] if row[4] in ("high", "critical"))
    days = summary["first_high_or_critical"]["days_before_incident"]
    assert (summary["first_high_or_critical"]["rule"], f"{days:.1f}") == (first["rule"], first_row[5])
    assert f"`{first['rule']}`" == first_row[3]
    assert [x["rule"] for x in summary["lessons"]] == list(dict.fromkeys(a["rule"] for a in sorted(
        alerts, key=lambda a: (datetime.fromisoformat(a["raised_at"]), a["detected_at"], a["rule"], a["nhs_number"]))))

    # printed for the reader, too
    assert f"{readme['before']} alerts before the critical incident" in res.stdout
    assert f"{days:.1f} days before the incident" in res.stdout
    for lesson in summary["lessons"]:
        assert lesson["lesson"][:40] in res.stdout.replace("\n", " ")

    # the folder holds the alerts, the commissioners' report and charts, and Child S's chronology
    written = _files(out)
    assert {"alerts.jsonl", "report.md", "report.json", "summary.json", "chronology-child-s.md",
            "chronology-child-s.csv", "alerts_by_rule.png"} <= written
    assert all(str(out / name) in res.stdout for name in written)
    report = json.loads((out / "report.json").read_text())
    assert report["alerts"]["total"] == len(alerts) and report["messages"]["total"] == summary["accepted"]
    assert "9990003033" not in (out / "chronology-child-s.md").read_text()  # the chronology names no one


def test_the_demo_stops_at_until_and_still_agrees_with_replay(tmp_path):
    # WHEN the demo stops at the end of February 2008 (a Europe/London day, inclusive)
    res, out, _ = _run_demo(tmp_path, "--until", "2008-02-29")

    # THEN it told the story that far, in agreement with replay of the messages up to then
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-4000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["until"] == "2008-03-01T00:00:00+00:00"
    published = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    assert published and all(r.get("detected_at", r.get("resolved_at")) < summary["until"] for r in published)
    assert summary["messages"] < len(list(SCENARIO.glob("0*.json")))
    assert "The hub and `safeguard replay` agree" in res.stdout
