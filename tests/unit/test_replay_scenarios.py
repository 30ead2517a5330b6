"""Replay (spec section 8): simulated clock, ordering, rejected messages, the Child S and control scenarios."""
import hashlib
import importlib.util
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import _load_commands, app
from hub.core.replay import guess_kind, message_files, replay
from hub.core.rules import RulesConfig
from hub.core.rules.config import REPLAY_ALERT_KEY

SCEN = Path(__file__).resolve().parents[2] / "events" / "scenarios"
CHILD_S = SCEN / "child-s"
CONTROL = SCEN / "control"
INCIDENT = datetime.fromisoformat("2011-10-12T10:00:00+01:00")
UNTIL_S = datetime.fromisoformat("2011-10-14T00:00:00+01:00")
_load_commands()


def _agencies(d: Path) -> list[dict]:
    return json.loads((d / "agencies.json").read_text())


@pytest.fixture(scope="module")
def child_s():
    return replay(message_files(CHILD_S), UNTIL_S, _agencies(CHILD_S), RulesConfig())


def _when(r):
    return datetime.fromisoformat(r["raised_at"] if r["type"] == "alert" else r["resolved_at"])


def test_replay_child_s_accepts_every_message_and_alerts_before_the_incident(child_s):
    assert child_s.rejected == []
    before = {(r["rule"], r["nhs_number"]) for r in child_s.records
              if r["type"] == "alert" and _when(r) < INCIDENT}
    s, hs2, hs1 = "9990003033", "9990002029", "9990001014"
    for expected in [("non-mobile-bruising", hs2), ("non-mobile-bruising", s), ("injury-not-examined", s),
                     ("missed-appointments", s), ("child-not-seen", s), ("cumulative-risk", s),
                     ("immunisation-overdue", hs2), ("unsafe-step-down", hs1),
                     # beyond section 6
                     ("serious-incident", hs1), ("was-not-brought", s), ("parental-history", s),
                     ("parental-history", hs1)]:
        assert expected in before
    # weeks before the incident: the visits that did not see Child S, his appointments, his mother's history
    days: dict[str, int] = {}
    for r in child_s.records:
        if r["type"] == "alert" and r["nhs_number"] == s and _when(r) < INCIDENT:
            days[r["rule"]] = max(days.get(r["rule"], 0), (INCIDENT - _when(r)).days)
    assert days["child-not-seen"] >= 21 and days["was-not-brought"] >= 21 and days["parental-history"] >= 21
    # the home-alone finding itself is a serious incident for both children found
    found = [r["nhs_number"] for r in child_s.records if r["rule"] == "serious-incident" and _when(r) >= INCIDENT]
    assert sorted(found) == sorted([s, hs2])


def test_replay_child_s_readme_is_the_replay_output():
    # the README's table and numbers are generated from replay: H's demo compares against them
    spec = importlib.util.spec_from_file_location("scenario_build", SCEN / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert (CHILD_S / "README.md").read_text() == build.child_s_readme(CHILD_S)


def test_replay_alert_ids_are_keyed_with_the_documented_replay_key(child_s):
    alerts = [r for r in child_s.records if r["type"] == "alert"]
    other = replay(message_files(CHILD_S), UNTIL_S, _agencies(CHILD_S), RulesConfig(alert_key=b"another hub's secret"))
    others = [r for r in other.records if r["type"] == "alert"]
    # the same alerts, each with another id: an id depends on the key, not on the NHS number alone
    assert [(r["rule"], r["nhs_number"], r["raised_at"]) for r in alerts] == \
        [(r["rule"], r["nhs_number"], r["raised_at"]) for r in others]
    assert not {r["alert_id"] for r in alerts} & {r["alert_id"] for r in others}
    assert RulesConfig().alert_key == REPLAY_ALERT_KEY
    # and not the unkeyed hash of issue 12's re-identification attack
    r = next(a for a in alerts if a["rule"] == "non-mobile-bruising")
    unkeyed = hashlib.sha256("\x1f".join((r["rule"], r["nhs_number"])).encode()).hexdigest()
    assert unkeyed not in r["alert_id"]


def test_replay_child_s_records_in_detected_at_order_and_unique_alerts(child_s):
    detected = []
    last = None
    for r in child_s.records:
        if r["type"] == "alert":
            last = datetime.fromisoformat(r["detected_at"])
            assert datetime.fromisoformat(r["due_by"]) > last
        detected.append(last)
    assert [d for d in detected if d] == sorted(d for d in detected if d)
    ids = [r["alert_id"] for r in child_s.records if r["type"] == "alert"]
    assert len(ids) == len(set(ids))
    alerts = {r["alert_id"] for r in child_s.records if r["type"] == "alert"}
    assert all(r["alert_id"] in alerts for r in child_s.records if r["type"] == "resolved")


def test_replay_deadline_fires_at_its_instant_not_at_the_next_message(child_s):
    [r] = [r for r in child_s.records if r["rule"] == "injury-not-examined" and r["type"] == "alert"]
    assert r["detected_at"] == r["raised_at"] == "2011-10-04T13:00:00+00:00"


def test_replay_control_cohort_raises_nothing():
    result = replay(message_files(CONTROL), datetime.fromisoformat("2026-06-30T00:00:00+01:00"), _agencies(CONTROL), RulesConfig())
    assert result.rejected == [] and result.records == []


def test_replay_orders_by_bundle_timestamp_not_file_name(tmp_path, child_s):
    files = message_files(CHILD_S)
    n = len(files)
    for i, f in enumerate(files):  # reverse the numbering
        shutil.copy(f, tmp_path / f"{n - i:03d}-x.json")
    result = replay(message_files(tmp_path), UNTIL_S, _agencies(CHILD_S), RulesConfig())
    # same records; only messages sharing a timestamp may swap (ties go by file name)
    key = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731
    assert sorted(map(key, result.records)) == sorted(map(key, child_s.records))
    assert [r["rule"] for r in result.records if r["type"] == "alert"][:8] == \
        [r["rule"] for r in child_s.records if r["type"] == "alert"][:8]


def test_replay_cli_exit_codes_and_rejections(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["replay", str(CONTROL), "--until", "2026-06-30T00:00:00+01:00",
                             "--agencies", str(CONTROL / "agencies.json")])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == ""
    for f in message_files(CHILD_S)[:20]:
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "999-broken.json").write_text('{"resourceType": "Bundle"')
    (tmp_path / "notes.json").write_text("not a message and ignored")
    bad = runner.invoke(app, ["replay", str(tmp_path), "--until", "2009-01-01T00:00:00Z"])
    assert bad.exit_code == 3
    lines = [json.loads(x) for x in bad.stdout.splitlines()]
    assert lines and all(r["type"] in ("alert", "resolved") for r in lines)
    err = [json.loads(x) for x in bad.stderr.splitlines()]
    assert [(Path(e["file"]).name, e["status"]) for e in err] == [("999-broken.json", 400)]


def test_replay_without_agencies_guesses_kinds():
    # plan-started needs social-care: accepted only if the guess from the sender is right
    result = replay(message_files(CHILD_S), UNTIL_S, None, RulesConfig())
    assert result.rejected == []


def test_replay_duplicate_message_is_idempotent(tmp_path):
    files = message_files(CHILD_S)[:12]
    for f in files:
        shutil.copy(f, tmp_path / f.name)
    shutil.copy(files[4], tmp_path / "500-duplicate.json")
    until = datetime.fromisoformat("2009-01-01T00:00:00+00:00")
    a = replay(message_files(tmp_path), until, _agencies(CHILD_S), RulesConfig())
    (tmp_path / "500-duplicate.json").unlink()
    b = replay(message_files(tmp_path), until, _agencies(CHILD_S), RulesConfig())
    assert a.rejected == [] and a.records == b.records and a.records


@pytest.mark.parametrize("org, kind", [
    ({"name": "Northshire Police"}, "police"),
    ({"name": "Anytown Borough Council"}, "social-care"),
    ({"name": "Riverside Surgery"}, "gp"),
    ({"name": "County Hospitals NHS Foundation Trust"}, "hospital"),
    ({"name": "0-19 Health Visiting Team"}, "health-visiting"),
    ({"identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "B82005"}]}, "gp"),
    ({"identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXH"}]}, "hospital"),
    ({"identifier": [{"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "LA901"}]}, "social-care"),
    ({"type": [{"text": "Police force"}], "name": "X"}, "police"),
    ({"name": "Unknown"}, None),
])
def test_replay_guess_kind(org, kind):
    assert guess_kind(org) == kind
