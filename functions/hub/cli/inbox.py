"""`safeguard inbox`: the messages delivered to one agency's outbox."""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, EXIT_USAGE, err, out, unreachable
from hub.cli.queue_reading import read_messages


@app.command()
def inbox(ods: str = typer.Option(..., help="the agency's ODS code"),
          kind: Optional[str] = typer.Option(None, help="its kind; default: every outbox"),
          keep: bool = typer.Option(False, help="leave the messages on the outbox"),
          json_out: bool = typer.Option(False, "--json", help="print the delivered Bundles, one per line")) -> None:
    """Read the messages delivered to one agency's outbox."""
    ports = stack_state.stack_ports("outbox_queue_urls")
    urls = ports.settings.outbox_queue_urls
    if kind and kind not in urls:
        err.print(f"[red]No outbox for kind {kind!r}; kinds: {', '.join(sorted(urls))}[/red]")
        raise typer.Exit(EXIT_USAGE)
    selected = {kind: urls[kind]} if kind else urls
    try:
        msgs = [m for url in selected.values()
                for m in read_messages(ports.queues, url, keep=keep, match=lambda a: a.get("ods") == ods)]
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    if json_out:
        for m in msgs:
            print(json.dumps(m["body"]))
    else:
        table = Table("event", "new message id", "original message id", title=f"Inbox of {ods}")
        for m in msgs:
            table.add_row(m["attributes"].get("event", ""), m["body"]["entry"][0]["resource"]["id"],
                          m["attributes"].get("original-message-id", ""))
        out.print(table)
    raise typer.Exit(0 if msgs else EXIT_REJECTED)
