"""`safeguard up`: the embedded stack (moto server + the functions) serving the API until Ctrl-C or SIGTERM.

Its stdout carries only what it prints when ready (one JSON line with --json, else a table). Everything
the functions write afterwards (Powertools logs, EMF metrics) goes to stderr, or with --json to a log file:
a program that reads the JSON line and then stops reading must never block the stack on a full pipe.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.agency import provision
from hub.cli.demo_clock import CLOCK_HELP, CLOCK_START_HELP, enable_control, make_clock
from hub.cli.output import EXIT_USAGE, err, out


def _logs_to(log_file: Path | None) -> None:
    """From now on fd 1 (and with a log file, fd 2) go to the log file, or stdout to stderr."""
    sys.stdout.flush()
    sys.stderr.flush()
    if log_file is None:
        os.dup2(2, 1)
        return
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    finally:
        os.close(fd)


def _note_runs(runtime, seen: int) -> int:
    """Record in the state folder when a scheduled function ran (for `safeguard status`)."""
    calls = runtime.invocations
    for function, source in calls[seen:]:
        if source.startswith("schedule:"):
            stack_state.record_run(function, datetime.now(timezone.utc).isoformat(timespec="seconds"), "schedule")
    return len(calls)


def _already_running() -> int | None:
    pid = stack_state.read_api_file().get("pid")
    return pid if stack_state.stack_file().exists() and stack_state.stale_state() is None and pid else None


@app.command()
def up(port: int = typer.Option(8080, min=0, max=65535, help="API port on 127.0.0.1 (0 picks a free one)"),
       agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, help="JSON list of {ods, kind} to issue keys for"),
       json_out: bool = typer.Option(False, "--json", help="print one JSON line {api_url, endpoint, keys, log} when ready; logs go to the log file"),
       log_file: Optional[Path] = typer.Option(None, "--log-file", dir_okay=False,
                                               help="where the functions' logs go (default: stderr; with --json, up.log in the state folder)"),
       clock: str = typer.Option("wall", "--clock", help=CLOCK_HELP),
       clock_start: Optional[str] = typer.Option(None, "--clock-start", help=CLOCK_START_HELP),
       ) -> None:
    """Start the embedded stack (moto server + the functions) and serve the API until Ctrl-C or SIGTERM."""
    from hub.local.stack import local_stack

    sim = make_clock(clock, clock_start)  # None: the wall clock

    running = _already_running()
    if running:
        err.print(f"[red]A stack is already running from {stack_state.state_dir()} (safeguard up, pid {running}). "
                  "Stop it, or start another with --stack DIR.[/red]")
        raise typer.Exit(EXIT_USAGE)
    state = stack_state.state_dir()
    if json_out and log_file is None:
        log_file = state / "up.log"
    agency_list = stack_state.load_agencies(agencies)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        state.mkdir(parents=True, exist_ok=True)
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log_file.touch(mode=0o600)
        stack = local_stack(api_port=port, schedules=True, save_to=stack_state.stack_file(),
                            failed_visibility_timeout=5, clock=sim).start()
    except OSError as exc:  # e.g. the port is taken, or the state folder cannot be written
        err.print(f"[red]Could not start the stack: {exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        stack.stack_info.save(stack_state.stack_file())  # also when an earlier deploy was reused (HUB_LOCAL_STACK_FILE)
        stack_state.runs_file().unlink(missing_ok=True)
        keys = provision(agency_list)
        stack_state.write_api_file({**enable_control(stack, sim), "api_url": stack.api_url, "keys": keys, "pid": os.getpid()})
        if json_out:
            print(json.dumps({"api_url": stack.api_url, "endpoint": stack.endpoint, "keys": keys,
                              "state": str(state), "log": str(log_file)}), flush=True)
        else:
            table = Table("ODS", "kind", "API key", title=f"Safeguarding Hub at {stack.api_url}")
            for ods, k in keys.items():
                table.add_row(ods, k["kind"], k["key"])
            out.print(table)
            err.print(f"AWS endpoint {stack.endpoint}; state folder {state}"
                      + (f"; logs in {log_file}" if log_file else "") + ". "
                      "Try: safeguard send events/valid/injury-observed.json; safeguard alerts. Ctrl-C stops.")
        _logs_to(log_file)
        seen = 0
        while not stop.wait(0.5):
            seen = _note_runs(stack.runtime, seen)
    finally:
        for f in (stack_state.stack_file(), stack_state.api_file(), stack_state.runs_file()):
            f.unlink(missing_ok=True)
        stack.stop()
    err.print("stopped")
