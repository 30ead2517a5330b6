"""`safeguard invoke FUNCTION [--event FILE]`: run one function of the running local stack once, as
`sam local invoke` does: its handler in this process, on the stack's resources, with a Lambda context.

Without --event a scheduled function gets the event EventBridge would send, so a developer can fire the
sweep or the audit digest now instead of waiting for its rate. The handler's result is printed as JSON on
stdout; its logs and metrics go to stderr.
"""
from __future__ import annotations

import contextlib
import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, EXIT_USAGE, err


def _words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name.removesuffix("Function")).lower()


def resolve(info, wanted: str) -> str | None:
    """A function's logical id from its logical id, its deployed name, or a short name (sweep, audit-digest)."""
    w = wanted.strip().lower()
    for lid, spec in info.functions.items():
        names = {lid.lower(), _words(lid), (spec.name or "").lower(), (spec.name or "").lower().rsplit("-", 1)[-1]}
        if spec.name and spec.name.lower().startswith(f"{info.stack_name.lower()}-"):
            names.add(spec.name.lower()[len(info.stack_name) + 1:])
        if w in names:
            return lid
    return None


def _event(info, function: str, path: Path | None):
    if path is not None:
        try:
            return json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, RecursionError) as exc:
            err.print(f"[red]--event {path} is not a readable JSON event ({type(exc).__name__})[/red]")
            raise typer.Exit(EXIT_USAGE) from exc
    schedule = next((ev for ev in info.functions[function].events if ev["type"] == "Schedule"), None)
    if schedule is None:
        err.print(f"[red]{function} has no schedule to play: pass its event with --event FILE[/red]")
        raise typer.Exit(EXIT_USAGE)
    if schedule.get("input"):
        return json.loads(schedule["input"])
    from hub.local.schedules import scheduled_event

    return scheduled_event(info, function, schedule)


@app.command()
def invoke(function: str = typer.Argument(..., metavar="FUNCTION",
                                          help="logical id (SweepFunction) or short name (sweep, audit-digest)"),
           event: Optional[Path] = typer.Option(None, "--event", "-e", exists=True, dir_okay=False,
                                                help="the event as JSON (default: a scheduled function's schedule event)"),
           ) -> None:
    """Run one function of the running stack once, like `sam local invoke`: e.g. fire the sweep or the digest."""
    info = stack_state.local_stack_info()
    if info is None:
        raise stack_state.no_stack()
    lid = resolve(info, function)
    if lid is None:
        err.print(f"[red]No function {function!r}; the stack's functions: {', '.join(sorted(info.functions))}[/red]")
        raise typer.Exit(EXIT_USAGE)
    payload = _event(info, lid, event)
    from hub.handlers import composition
    from hub.local.hub_ports import stack_ports
    from hub.local.invoker import Invoker

    # handlers log and emit metrics on stdout, as in Lambda; here stdout carries only the result
    with contextlib.redirect_stdout(sys.stderr):
        composition.use(stack_ports(info))
        try:
            result = Invoker(info).invoke(lid, payload, source="invoke")
        except Exception as exc:  # noqa: BLE001 - the function's own failure, reported as Lambda would
            err.print(f"[red]{lid} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}[/red]")
            raise typer.Exit(EXIT_REJECTED) from exc
        finally:
            stack_state.record_run(lid, datetime.now(timezone.utc).isoformat(timespec="seconds"), "invoke")
    print(json.dumps(result, default=str))
