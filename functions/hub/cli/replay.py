"""`safeguard replay DIR --until ISO8601 [--agencies FILE]`: replay a folder on an empty hub (spec section 8)."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import typer

from hub.cli import app

EXIT_REJECTED = 3


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
    result = run_replay(message_files(directory), end, agency_list, config)
    for rec in result.records:
        sys.stdout.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n")
    for path, verdict in result.rejected:
        sys.stderr.write(json.dumps({"file": str(path), "status": verdict.status,
                                     "issues": verdict.outcome.get("issue", [])}, ensure_ascii=False) + "\n")
    raise typer.Exit(EXIT_REJECTED if result.rejected else 0)
