"""`safeguard redrive`: move a DLQ's messages back to the queue that feeds it."""
from __future__ import annotations

import json
from typing import Optional

import typer

from hub.cli import app, stack_state
from hub.cli.output import EXIT_UNREACHABLE, EXIT_USAGE, err, out, unreachable


def dlq_sources() -> dict[str, str]:
    """DLQ logical id -> logical id of the queue whose RedrivePolicy names it, from template.yaml."""
    from hub.local.template import load_template

    found = {}
    for lid, r in load_template()["Resources"].items():
        target = ((r.get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and target.get("Fn::GetAtt"):
            found[target["Fn::GetAtt"][0]] = lid
    return found


@app.command()
def redrive(queue: str = typer.Argument(..., help="a DLQ's logical id from template.yaml (e.g. RulesDLQ), or its URL"),
            max_messages: Optional[int] = typer.Option(None, "--max", min=1, help="move at most this many"),
            json_out: bool = typer.Option(False, "--json")) -> None:
    """Move a DLQ's messages back to the queue that feeds it (per the template's RedrivePolicy)."""
    stack_state.use_local_stack()
    sources, names = dlq_sources(), stack_state.stack_resources()
    if queue.startswith(("http://", "https://")):
        dlq_url, by_url = queue, {url: lid for lid, url in names.items()}
        dlq_id = by_url.get(queue, queue)
        target = names.get(sources.get(dlq_id, ""), "")
        if not target:  # not a queue of the local stack file: ask SQS which queue dead-letters into it
            try:
                found = stack_state.ports().queues.dead_letter_sources(queue)
            except Exception as exc:  # noqa: BLE001
                raise unreachable(exc)
            if len(found) != 1:
                err.print(f"[red]{queue} is the DLQ of {len(found)} queues; redrive needs exactly one[/red]")
                raise typer.Exit(EXIT_USAGE)
            target = found[0]
    else:
        if queue not in sources:
            err.print(f"[red]{queue} is not a DLQ in template.yaml; DLQs: {', '.join(sorted(sources))}[/red]")
            raise typer.Exit(EXIT_USAGE)
        if queue not in names or sources[queue] not in names:
            err.print("[red]No stack file names these queues: run `safeguard up` first, or pass the DLQ's URL[/red]")
            raise typer.Exit(EXIT_UNREACHABLE)
        dlq_id, dlq_url, target = queue, names[queue], names[sources[queue]]
    try:
        moved = stack_state.ports().queues.redrive(dlq_url, target, max_messages=max_messages)
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    if json_out:
        print(json.dumps({"dlq": dlq_url, "target": target, "moved": moved}))
    else:
        out.print(f"moved {moved} message(s) from {dlq_id} to {sources.get(dlq_id) or target}")
