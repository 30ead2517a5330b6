"""`safeguard demo`: start the embedded stack, send a scenario over HTTP, print the alerts, stop."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.agency import provision
from hub.cli.alerts import alerts_table, read_alerts
from hub.cli.output import EXIT_REJECTED, out
from hub.cli.send import send_files


@app.command()
def demo(scenario: Path = typer.Option(stack_state.DEFAULT_SCENARIO, exists=True, file_okay=False, help="folder of messages to send"),
         agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False)) -> None:
    """Start the embedded stack, send a scenario over HTTP, print the alerts, stop. Exit 0 if alerts were raised."""
    from hub.core.replay import message_files
    from hub.local.stack import local_stack

    files = message_files(scenario)
    # The functions' JSON logs and metrics would bury the table: keep warnings only. Powertools takes these
    # two settings from the environment alone (they are not the stack's wiring, which the runtime hands over).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    out.print(f"[bold]Safeguarding Hub demo[/bold]: {len(files)} messages from {scenario} over HTTP to an embedded AWS emulator")
    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1) as stack:
        keys = provision(stack_state.load_agencies(agencies or scenario / "agencies.json"))
        results = send_files(stack.api_url, files, keys, None, True)
        accepted = sum(r["status"] in (200, 202) for r in results)
        out.print(f"accepted {accepted}/{len(results)} messages; routing and rules running...")
        stack.runtime.drain(timeout=120)
        stack.runtime.fire_schedules(["SweepFunction"])
        stack.runtime.drain(timeout=60)
        ports = stack.ports
        records = read_alerts(ports, keep=False)
        out.print(alerts_table(records))
        outbox = Table("outbox", "messages", title="Deliveries")
        for kind, url in sorted(ports.settings.outbox_queue_urls.items()):
            outbox.add_row(kind, str(ports.queues.depth(url)["visible"]))
        out.print(outbox)
        reports = ports.audit.verify()
        intact = all(r.ok for r in reports)
        out.print(f"audit log: {'intact' if intact else 'BROKEN'} "
                  f"({sum(r.checked for r in reports)} records in {len(reports)} hash chains)")
    n_alerts = sum(r.get("type") == "alert" for r in records)
    out.print(f"[bold]{n_alerts} alerts[/bold], {len(records) - n_alerts} resolutions.")
    raise typer.Exit(0 if n_alerts and accepted == len(results) else EXIT_REJECTED)
