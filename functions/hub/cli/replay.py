"""`safeguard replay DIR --until ISO8601 [--agencies FILE]`: replay a folder on an empty hub (spec section 8)."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import typer

from hub.cli import app

EXIT_REJECTED = 3


def _until(files: list[Path], end: datetime) -> tuple[list[Path], list[Path]]:
    """(files to replay, files whose Bundle.timestamp is after `end`); an unreadable one is replayed (and
    rejected there, as the contract says)."""
    import orjson

    from hub.core.rules.calendars import parse_iso

    kept, later = [], []
    for path in files:
        try:
            ts = parse_iso(orjson.loads(path.read_bytes())["timestamp"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OSError):
            ts = None
        (later if ts is not None and ts > end else kept).append(path)
    return kept, later


@app.command()
def replay(
    directory: Path = typer.Argument(..., exists=True, file_okay=False, dir_okay=True, help="folder of message files"),
    until: str = typer.Option(..., "--until", help="advance the simulated clock to this ISO 8601 instant (with offset)"),
    agencies: Path | None = typer.Option(None, "--agencies", exists=True, dir_okay=False, help='JSON list of {"ods", "kind"}'),
) -> None:
    """Replay DIR's messages (files starting with a digit) and print every alert and resolution as a JSON line."""
    from hub.core.replay import message_files, replay as run_replay
    from hub.core.rules import RulesConfig

    try:
        end = datetime.fromisoformat(until.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter("must be an ISO 8601 date-time", param_hint="--until")
    if end.tzinfo is None:
        raise typer.BadParameter("must carry a time zone offset", param_hint="--until")
    agency_list = None
    if agencies is not None:
        try:
            agency_list = json.loads(agencies.read_text(encoding="utf-8"))
            if not isinstance(agency_list, list) or not all(isinstance(a, dict) and "ods" in a and "kind" in a for a in agency_list):
                raise ValueError
        except ValueError:
            raise typer.BadParameter('must be a JSON list of {"ods", "kind"}', param_hint="--agencies")
    from hub.settings import Settings

    config = RulesConfig(la_front_door_ods=Settings.from_env().la_front_door_ods)
    files = message_files(directory)
    if not files:
        sys.stderr.write(f"warning: no messages in {directory}: they are the *.json files whose names start "
                         "with a digit\n")
    files, later = _until(files, end)
    if later:
        sys.stderr.write(f"warning: {len(later)} message(s) dated after --until {until} not replayed "
                         f"(from {later[0].name})\n")
    result = run_replay(files, end, agency_list, config)
    for rec in result.records:
        if (rec.get("detected_at") or "") > end.astimezone(timezone.utc).isoformat():
            continue  # found after --until: the replay stops there
        sys.stdout.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
    for path, verdict in result.rejected:
        sys.stderr.write(json.dumps({"file": str(path), "status": verdict.status,
                                     "issues": verdict.outcome.get("issue", [])}, ensure_ascii=False) + "\n")
    raise typer.Exit(EXIT_REJECTED if result.rejected else 0)
