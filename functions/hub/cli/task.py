"""`safeguard task list|show|ack|assign|decide|close|escalate`: alert Tasks on the running stack.

An operator acts for one organisation (`--ods`), through the same service the Task API runs, so the same
rules hold: a Task of another organisation does not exist for it, and every change is audited with the
organisation (and `--kind`) as the actor. `escalate` runs the sweep's escalation step now.
"""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, EXIT_USAGE, err, out, unreachable

task = typer.Typer(help="Alert Tasks (FHIR Task): list, show, acknowledge, assign, decide, close, escalate.",
                   no_args_is_help=True)
app.add_typer(task, name="task")

ODS = typer.Option(..., "--ods", help="the organisation acting (owner of the Task), e.g. LA123")
KIND = typer.Option(None, "--kind", help="its agency kind, recorded on the audit record (default: from its keys)")
BY = typer.Option(..., "--by", help="the person acting (name or staff identifier)")
JSON = typer.Option(False, "--json", help="print the FHIR Task (or searchset Bundle) as JSON")


def _service():
    ports = stack_state.stack_ports("task_table")
    from hub.bootstrap import task_service

    return ports, task_service(ports)


def _caller(ports, ods: str, kind: str | None):
    from hub.core.messages import Caller

    if kind is None:
        try:
            kind = next((c.kind for c in ports.agencies.list() if c.ods == ods and not c.revoked_at), None)
        except Exception:  # noqa: BLE001 - the registry is only a convenience here
            kind = None
    return Caller(ods, kind or "operator")


def _print_task(t, json_out: bool) -> None:
    from hub.core.tasks import to_fhir
    from hub.core.tasks.fhir import business_status

    if json_out:
        print(json.dumps(to_fhir(t)))
        return
    rows = [("id", t.id), ("alert", f"{t.rule} ({t.severity}) {t.alert_id}"), ("owner", t.owner),
            ("status", f"{t.status}: {business_status(t)}"), ("due by", t.due_by), ("summary", t.summary)]
    if t.acknowledged:
        rows.append(("acknowledged", f"{t.acknowledged.by} at {t.acknowledged.at}"))
    if t.assignee:
        rows.append(("assigned to", t.assignee.by))
    if t.decision:
        note = f": {t.decision.note}" if t.decision.note else ""
        rows.append(("decision", f"{t.decision.code} by {t.decision.by}{note}"))
    if t.closure:
        rows.append(("closed", f"{t.closure.code}: {t.closure.reason}"))
    table = Table(show_header=False)
    for k, v in rows:
        table.add_row(k, v)
    out.print(table)


def _act(task_id: str, ods: str, kind: str | None, operation: str, body: dict, json_out: bool) -> None:
    from hub.core.tasks import TaskError
    from hub.service.tasks import TaskNotFound

    ports, service = _service()
    try:
        t = service.act(_caller(ports, ods, kind), task_id, operation, body)
    except TaskNotFound:
        err.print(f"[red]No Task {task_id} for {ods}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    except TaskError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE if exc.kind == "invalid" else EXIT_REJECTED)
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    _print_task(t, json_out)


@task.command("list")
def task_list(ods: str = ODS, status: Optional[str] = typer.Option(None, help="e.g. requested,accepted"),
              count: int = typer.Option(50, "--count", help="at most this many, newest update first"),
              json_out: bool = JSON) -> None:
    """The organisation's own Tasks (exit 1 when there are none)."""
    from hub.core.tasks import InvalidSearch, parse_query, searchset

    ports, service = _service()
    params = {"_count": [str(count)], **({"status": [status]} if status else {})}
    try:
        tasks, _ = service.search(parse_query(params, ods))
    except InvalidSearch as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    if json_out:
        print(json.dumps(searchset(tasks, self_url="urn:safeguard:task-list", next_url=None, base="urn:safeguard")))
    else:
        table = Table("id", "rule", "severity", "status", "due by", "updated", title=f"Tasks of {ods}")
        for t in tasks:
            table.add_row(t.id, t.rule, t.severity, t.status, t.due_by[:16], t.last_updated[:16])
        out.print(table)
    raise typer.Exit(0 if tasks else EXIT_REJECTED)


@task.command("show")
def task_show(task_id: str, ods: str = ODS, json_out: bool = JSON) -> None:
    """One Task of the organisation."""
    from hub.service.tasks import TaskNotFound

    ports, service = _service()
    try:
        t = service.read(_caller(ports, ods, None), task_id)
    except TaskNotFound:
        err.print(f"[red]No Task {task_id} for {ods}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    _print_task(t, json_out)


@task.command("ack")
def task_ack(task_id: str, ods: str = ODS, by: str = BY, kind: Optional[str] = KIND, json_out: bool = JSON) -> None:
    """Acknowledge: requested -> accepted (stops escalation)."""
    _act(task_id, ods, kind, "acknowledge", {"by": by}, json_out)


@task.command("assign")
def task_assign(task_id: str, ods: str = ODS, to: str = typer.Option(..., "--to", help="the person taking it on"),
                by: str = BY, kind: Optional[str] = KIND, json_out: bool = JSON) -> None:
    """Assign the Task to a named person of the organisation."""
    _act(task_id, ods, kind, "assign", {"to": to, "by": by}, json_out)


@task.command("decide")
def task_decide(task_id: str, ods: str = ODS,
                decision: str = typer.Option(..., "--decision", help="no-further-action | early-help | s17-assessment"
                                             " | strategy-discussion | s47-enquiry | referred-to-another-agency"),
                note: Optional[str] = typer.Option(None, "--note"), by: str = BY, kind: Optional[str] = KIND,
                json_out: bool = JSON) -> None:
    """Record the safeguarding decision (Task.output)."""
    _act(task_id, ods, kind, "decide", {"decision": decision, "by": by, **({"note": note} if note else {})}, json_out)


@task.command("close")
def task_close(task_id: str, ods: str = ODS, reason: str = typer.Option(..., "--reason"), by: str = BY,
               kind: Optional[str] = KIND, json_out: bool = JSON) -> None:
    """Close with a reason (a decision must be on record)."""
    _act(task_id, ods, kind, "close", {"reason": reason, "by": by}, json_out)


@task.command("escalate")
def task_escalate() -> None:
    """Run the sweep's escalation step now: every Task not acknowledged by its deadline escalates one level."""
    _, service = _service()
    try:
        n = service.escalate_due()
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    out.print(f"{n} escalation(s) sent")
