"""`safeguard status`: how the running stack is doing, read without changing anything.

Queue and DLQ depths (SQS attributes: no message is received), when the sweep and the audit digest last
ran (the state folder's runs.json, kept by `safeguard up` and `safeguard invoke`; the digest's own time
from the newest signed digest), and each agency's mailbox backlog when the stack has mailboxes.
"""
from __future__ import annotations

import json

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, out, unreachable

SWEEP, DIGEST = "SweepFunction", "AuditDigestFunction"


def _queues(ports) -> dict[str, str]:
    """Logical id (or settings name) -> URL of every queue of the stack."""
    info = stack_state.local_stack_info()
    if info is not None:
        return dict(sorted(info.queue_urls().items()))
    s = ports.settings
    found = {"ValidatedQueue": s.validated_queue_url, "RulesQueue": s.rules_queue_url, "AlertsQueue": s.alerts_queue_url}
    return {k: v for k, v in found.items() if v}


def _last_digest(ports) -> dict:
    try:
        latest = ports.digests.latest()
    except Exception as exc:  # noqa: BLE001 - unreadable digests are reported, not fatal
        return {"error": type(exc).__name__}
    if latest is None:
        return {"at": None}
    key, stored = latest
    return {"at": (stored.get("digest") or {}).get("generated_at"), "key": key}


MAILBOX_SCAN = 5000  # messages counted at most; beyond that the backlog is shown as "at least"


def _mailboxes(ports) -> dict[str, int] | None:
    """{ODS: unacknowledged messages} when the stack has mailboxes (a mailbox table), else None."""
    if not getattr(ports.settings, "mailbox_table", ""):
        return None
    from datetime import datetime, timezone

    waiting = ports.mailboxes.stale(datetime.now(timezone.utc), limit=MAILBOX_SCAN)
    counts: dict[str, int] = {}
    for m in waiting:
        counts[m.ods] = counts.get(m.ods, 0) + 1
    return dict(sorted(counts.items()))


def gather(ports) -> dict:
    queues = {lid: ports.queues.depth(url) for lid, url in _queues(ports).items()}
    runs = stack_state.read_runs()
    return {
        "api_url": stack_state.read_api_file().get("api_url"),
        "state": str(stack_state.state_dir()),
        "queues": {k: v for k, v in queues.items() if not k.endswith("DLQ")},
        "dlqs": {k: v for k, v in queues.items() if k.endswith("DLQ")},
        "last_sweep": runs.get(SWEEP),
        "last_digest": {**(runs.get(DIGEST) or {}), "signed": _last_digest(ports)},
        "mailboxes": _mailboxes(ports),
    }


def _print(found: dict) -> None:
    out.print(f"[bold]Safeguarding Hub[/bold] at {found['api_url'] or '(no local API)'}; state folder {found['state']}")
    table = Table("queue", "waiting", "in flight", title="Queues")
    for lid, d in {**found["queues"], **found["dlqs"]}.items():
        colour = "red" if lid.endswith("DLQ") and d["visible"] + d["in_flight"] else "white"
        table.add_row(f"[{colour}]{lid}[/{colour}]", str(d["visible"]), str(d["in_flight"]))
    out.print(table)
    sweep, digest = found["last_sweep"], found["last_digest"]
    out.print(f"last sweep: {sweep['at'] + ' (' + sweep['via'] + ')' if sweep else 'not since this stack started'}")
    signed = digest["signed"]
    out.print("last digest: " + (f"{digest['at']} ({digest['via']})" if digest.get("at") else "not run since this stack started")
              + (f"; newest signed digest {signed['at']}" if signed.get("at") else "; no signed digest yet"))
    if found["mailboxes"] is not None:
        box = Table("ODS", "messages waiting", title="Mailboxes")
        for ods, n in found["mailboxes"].items():
            box.add_row(ods, str(n))
        out.print(box)


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help="one JSON object")) -> None:
    """Queue and DLQ depths, the last sweep and digest, mailbox backlogs. Exit 1 when a DLQ holds messages."""
    ports = stack_state.stack_ports("validated_queue_url")
    try:
        found = gather(ports)
    except Exception as exc:  # noqa: BLE001 - the emulator or AWS is unreachable
        raise unreachable(exc)
    if json_out:
        print(json.dumps(found))
    else:
        _print(found)
    dead = sum(d["visible"] + d["in_flight"] for d in found["dlqs"].values())
    raise typer.Exit(EXIT_REJECTED if dead else 0)
