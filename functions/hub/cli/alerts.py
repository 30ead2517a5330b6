"""`safeguard alerts`: the alerts raised and resolved on the running stack.

By default they are read from the audit log (one `alert.raised` or `alert.resolved` record per alert), so
reading never touches the alerts queue: a queue read counts towards its maxReceiveCount, and enough peeks
would move an alert to the DLQ before its consumer saw it. The audit log holds the child only as a keyed
hash, so these records name the child by that hash; `--consume` takes the queue's own records (with the
NHS number) off the queue, as an alert consumer does.
"""
from __future__ import annotations

import getpass
import json

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, out, unreachable
from hub.cli.queue_reading import read_messages

ALERT_ACTIONS = ("alert.raised", "alert.resolved")


def alerts_table(records: list[dict]) -> Table:
    table = Table(title="Safeguarding alerts")
    for col in ("detected", "rule", "severity", "child", "raised (clinical)"):
        table.add_column(col, no_wrap=True)
    table.add_column("summary")
    for r in records:
        child = r.get("nhs_number") or f"#{(r.get('child') or '')[:10]}"
        if r.get("type") == "alert":
            colour = {"critical": "bold red", "high": "red", "medium": "yellow"}.get(r.get("severity"), "white")
            table.add_row((r.get("detected_at") or "")[:16], r.get("rule") or "",
                          f"[{colour}]{r.get('severity')}[/{colour}]", child, (r.get("raised_at") or "")[:16],
                          r.get("summary") or "")
        else:
            table.add_row((r.get("resolved_at") or "")[:16], r.get("rule") or "", "[green]resolved[/green]", child,
                          "", f"resolved: {r.get('reason')}")
    return table


def read_alerts(ports, *, keep: bool) -> list[dict]:
    """The alerts queue's records, oldest first (taken off the queue unless `keep`)."""
    records = [m["body"] for m in read_messages(ports.queues, ports.settings.alerts_queue_url, keep=keep)]
    return sorted(records, key=lambda r: (r.get("detected_at") or r.get("resolved_at") or ""))


def record_of(audit: dict) -> dict:
    """An alert or resolution (spec §5) as its audit record keeps it: the child as its keyed hash."""
    d = audit.get("details") or {}
    common = {"alert_id": audit.get("message_id"), "rule": audit.get("rule"), "child": audit.get("child"),
              "evidence": d.get("evidence", [])}
    if audit.get("action") == "alert.raised":
        details = {k: d[k] for k in ("on_cp_plan", "injury_key", "doses") if k in d}
        return {"type": "alert", **common, "severity": d.get("severity") or audit.get("outcome"),
                "raised_at": d.get("raised_at"), "detected_at": d.get("detected_at"), "due_by": d.get("due_by"),
                "summary": d.get("summary"), "recipients": d.get("recipients", []), "details": details}
    return {"type": "resolved", **common, "resolved_at": d.get("resolved_at"),
            "reason": d.get("reason") or audit.get("outcome"), "detected_at": d.get("detected_at")}


def audited_alerts(ports) -> list[dict]:
    """Every alert and resolution in the audit log, oldest first; the read is itself an audit record."""
    from hub.core.audit import AuditEntry

    found = [record_of(r) for r in ports.audit.iter_records() if r.get("action") in ALERT_ACTIONS]
    ports.audit.append(AuditEntry(
        action="audit.query", at=ports.clock(), actor_ods=None, actor_kind="operator", legal_basis="audit-oversight",
        outcome="ok", details={"command": "safeguard alerts", "actions": list(ALERT_ACTIONS), "records": len(found),
                               "operator": getpass.getuser()}))
    return sorted(found, key=lambda r: (r.get("detected_at") or r.get("resolved_at") or ""))


@app.command()
def alerts(json_out: bool = typer.Option(False, "--json", help="one JSON record per line"),
           consume: bool = typer.Option(False, "--consume",
                                        help="take the records off the alerts queue instead (as a consumer does)"),
           _keep: bool = typer.Option(False, "--keep", hidden=True, help="the default now: reading consumes nothing"),
           ) -> None:
    """List the alerts raised and resolved, from the audit log (nothing is taken off the queue). Exit 1 if none."""
    if consume:
        ports = stack_state.stack_ports("alerts_queue_url")
        reader = lambda: read_alerts(ports, keep=False)  # noqa: E731
    else:
        ports = stack_state.stack_ports("audit_table")
        reader = lambda: audited_alerts(ports)  # noqa: E731
    try:
        records = reader()
    except Exception as exc:  # noqa: BLE001 - the emulator or AWS is unreachable
        raise unreachable(exc)
    if json_out:
        for r in records:
            print(json.dumps(r))
    else:
        out.print(alerts_table(records))
    raise typer.Exit(0 if records else EXIT_REJECTED)
