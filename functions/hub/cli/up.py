"""`safeguard up`: the embedded stack (moto server + the functions) serving the API until Ctrl-C or SIGTERM."""
from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.agency import provision
from hub.cli.demo_clock import CLOCK_HELP, CLOCK_START_HELP, enable_control, make_clock
from hub.cli.output import EXIT_USAGE, err, out


@app.command()
def up(port: int = typer.Option(8080, help="API port on 127.0.0.1 (0 picks a free one)"),
       agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, help="JSON list of {ods, kind} to issue keys for"),
       json_out: bool = typer.Option(False, "--json", help="print one JSON line {api_url, endpoint, keys} when ready"),
       clock: str = typer.Option("wall", "--clock", help=CLOCK_HELP),
       clock_start: Optional[str] = typer.Option(None, "--clock-start", help=CLOCK_START_HELP),
       ) -> None:
    """Start the embedded stack (moto server + the functions) and serve the API until Ctrl-C or SIGTERM."""
    from hub.local.stack import local_stack

    sim = make_clock(clock, clock_start)  # None: the wall clock

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stack = local_stack(api_port=port, schedules=True, save_to=stack_state.STACK_FILE,
                            failed_visibility_timeout=5, clock=sim).start()
    except OSError as exc:  # e.g. the port is taken
        err.print(f"[red]Could not start the stack: {exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        stack.stack_info.save(stack_state.STACK_FILE)  # also when an earlier deploy was reused (HUB_LOCAL_STACK_FILE)
        keys = provision(stack_state.load_agencies(agencies))
        stack_state.write_api_file({**enable_control(stack, sim), "api_url": stack.api_url, "keys": keys})
        if json_out:
            print(json.dumps({"api_url": stack.api_url, "endpoint": stack.endpoint, "keys": keys}), flush=True)
        else:
            table = Table("ODS", "kind", "API key", title=f"Safeguarding Hub at {stack.api_url}")
            for ods, k in keys.items():
                table.add_row(ods, k["kind"], k["key"])
            out.print(table)
        err.print(f"AWS endpoint {stack.endpoint}; stack file {stack_state.STACK_FILE}. "
                  "Try: safeguard send events/valid/injury-observed.json; safeguard alerts. Ctrl-C stops.")
        while not stop.wait(0.5):
            pass
    finally:
        for f in (stack_state.STACK_FILE, stack_state.API_FILE):
            f.unlink(missing_ok=True)
        stack.stop()
    out.print("stopped")
