"""`safeguard alerts`: the alert and resolution records on the alerts queue."""
from __future__ import annotations

import json

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, out, unreachable
from hub.cli.queue_reading import read_messages


def alerts_table(records: list[dict]) -> Table:
    table = Table(title="Safeguarding alerts")
    for col in ("detected", "rule", "severity", "child", "raised (clinical)"):
        table.add_column(col, no_wrap=True)
    table.add_column("summary")
    for r in records:
        if r.get("type") == "alert":
            colour = {"critical": "bold red", "high": "red", "medium": "yellow"}.get(r["severity"], "white")
            table.add_row(r["detected_at"][:16], r["rule"], f"[{colour}]{r['severity']}[/{colour}]",
                          r["nhs_number"], r["raised_at"][:16], r["summary"])
        else:
            table.add_row(r.get("resolved_at", "")[:16], r["rule"], "[green]resolved[/green]", r["nhs_number"],
                          "", f"resolved: {r.get('reason')}")
    return table


def read_alerts(ports, *, keep: bool) -> list[dict]:
    """The alerts queue's records, oldest first."""
    records = [m["body"] for m in read_messages(ports.queues, ports.settings.alerts_queue_url, keep=keep)]
    return sorted(records, key=lambda r: (r.get("detected_at") or r.get("resolved_at") or ""))


@app.command()
def alerts(json_out: bool = typer.Option(False, "--json", help="one JSON record per line"),
           keep: bool = typer.Option(False, help="leave the records on the queue (a read still counts towards its maxReceiveCount)")) -> None:
    """Read alert and resolution records from the alerts queue (consumes them unless --keep)."""
    ports = stack_state.stack_ports("alerts_queue_url")
    try:
        records = read_alerts(ports, keep=keep)
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    if json_out:
        for r in records:
            print(json.dumps(r))
    else:
        out.print(alerts_table(records))
    raise typer.Exit(0 if records else EXIT_REJECTED)
