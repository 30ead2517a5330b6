"""`safeguard validate FILE...` (spec §8): one JSON line per file, exit 0 only when all are valid."""
from __future__ import annotations

import json

from tests.support.messages import EVENTS, invalid_example_paths, valid_example_paths
from typer.testing import CliRunner

import hub.cli.validate  # noqa: F401 - registers the command
from hub.cli import _load_commands, app

_load_commands()  # as `safeguard` does: with one command only, typer would drop the command name
runner = CliRunner()


class _Runner:
    def invoke(self, _app, args):
        if len(app.registered_commands) == 1:
            args = args[1:]
        return runner.invoke(_app, args)


runner_ = _Runner()


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_validate_cli_all_valid_exits_0():
    paths = [str(p) for p in valid_example_paths()]
    result = runner_.invoke(app, ["validate", *paths])
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert [line["file"] for line in lines] == paths
    for line in lines:
        assert set(line) == {"file", "valid", "status", "issues"}
        assert line["valid"] is True and line["status"] == 202
        assert all(i["severity"] in ("information", "warning") for i in line["issues"])


def test_validate_cli_any_invalid_exits_1_with_issues():
    bad = invalid_example_paths()[0]
    good = valid_example_paths()[0]
    result = runner_.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    first, second = _lines(result.output)
    assert first["valid"] is True
    expected = json.loads(bad.with_name(bad.stem + ".expected.json").read_text())
    assert second == {**second, "file": str(bad), "valid": False, "status": expected["status"]}
    assert second["issues"] and all(i["severity"] == "error" and i["expression"] for i in second["issues"])


def test_validate_cli_unreadable_file_is_status_400(tmp_path):
    missing = tmp_path / "nope.json"
    result = runner_.invoke(app, ["validate", str(missing), str(tmp_path)])
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert [(x["file"], x["valid"], x["status"]) for x in lines] == [(str(missing), False, 400),
                                                                    (str(tmp_path), False, 400)]


def test_validate_cli_not_json_file(tmp_path):
    f = tmp_path / "x.json"
    f.write_bytes(b"\xff\xfe not json")
    (line,) = _lines(runner_.invoke(app, ["validate", str(f)]).output)
    assert (line["valid"], line["status"]) == (False, 400)


def test_validate_cli_requires_a_file():
    assert runner_.invoke(app, ["validate"]).exit_code != 0


def test_validate_cli_paths_are_reported_as_given(monkeypatch):
    monkeypatch.chdir(EVENTS)
    result = runner_.invoke(app, ["validate", "valid/child-seen.json"])
    assert _lines(result.output)[0]["file"] == "valid/child-seen.json"
