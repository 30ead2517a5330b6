"""`safeguard audit verify|report|chronology`: the tamper-evident audit log from the command line.

They read the running stack (`safeguard up`'s, found as every command finds it) or, with the functions'
environment variables set, a deployed one. Exit codes: 0 ok (verify: intact); 1 verification found
tampering; 2 bad usage (a malformed or reversed period, an --out that is not a folder); 3 no stack, or its
audit store unavailable.
"""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from hub.adapters.errors import AdapterError
from hub.cli import app, stack_state

audit = typer.Typer(help="Audit log: verify the hash chains, report for commissioners, build a child's chronology.",
                    no_args_is_help=True)
app.add_typer(audit, name="audit")

EXIT_TAMPERED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
LEGAL_BASIS = "audit-oversight"
_out = Console()
_err = Console(stderr=True)


def _hub():
    """The running stack's ports (exit 3 when there is none)."""
    return stack_state.stack_ports("audit_table")


def _bounds(from_: str | None, to: str | None):
    from hub.core.audit.query import InvalidQuery, parse_bound

    try:
        start, end = parse_bound(from_, name="from", upper=False), parse_bound(to, name="to", upper=True)
    except InvalidQuery as exc:
        _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE) from exc
    if start is not None and end is not None and start >= end:
        # an empty period would verify (or report) nothing and still say "intact"
        _err.print(f"[red]--from {from_} is not before --to {to}: the period is empty[/red]")
        raise typer.Exit(EXIT_USAGE)
    return start, end


def _out_folder(out: Path) -> None:
    """--out: an existing folder or one that can be made; anything else is a usage error (exit 2)."""
    if out.exists() and not out.is_dir():
        _err.print(f"[red]--out {out} is a file; give a folder for report.md, report.json and the charts[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _err.print(f"[red]cannot make the folder --out {out}: {exc.strerror or exc}[/red]")
        raise typer.Exit(EXIT_USAGE) from exc


def _unavailable(exc: Exception) -> typer.Exit:
    _err.print(f"[red]audit store unavailable:[/red] {exc}")
    return typer.Exit(EXIT_UNAVAILABLE)


# ---- verify -----------------------------------------------------------------------------
def _check_digest(hub) -> tuple[dict, dict]:
    """(anchors, digest summary). Never raises for a missing digest; a forged one is a failure."""
    from hub.adapters.s3_digest import AuditDigestError

    if not (hub.settings.audit_digest_bucket or hub.settings.archive_bucket) or not hub.settings.audit_digest_key_id:
        return {}, {"checked": False, "ok": True, "note": "no archive bucket or digest key configured"}
    store = hub.digests
    try:
        latest = store.latest()
    except AuditDigestError as exc:
        return {}, {"checked": False, "ok": True, "note": f"digests unreadable: {exc}"}
    if latest is None:
        return {}, {"checked": False, "ok": True, "note": "no digest written yet"}
    key, stored = latest
    try:
        anchors = store.check(stored)
    except AuditDigestError as exc:
        return {}, {"checked": True, "ok": False, "key": key, "error": str(exc)}
    return anchors, {"checked": True, "ok": True, "key": key,
                     "generated_at": (stored.get("digest") or {}).get("generated_at")}


@audit.command()
def verify(
    from_: Optional[str] = typer.Option(None, "--from", help="only records at or after (ISO date/date-time)"),
    to: Optional[str] = typer.Option(None, "--to", help="only records up to (a date is inclusive)"),
    digest: bool = typer.Option(True, "--digest/--no-digest", help="also check the latest signed digest"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Walk every hash chain; report the first record edited, deleted or inserted.

    Exit 0 intact, 1 tampered (or the digest does not verify), 2 bad usage, 3 no stack or store unavailable."""
    from hub.core.audit.model import AuditError

    start, end = _bounds(from_, to)
    hub = _hub()
    try:
        anchors, digest_info = _check_digest(hub) if digest else ({}, {"checked": False, "ok": True, "note": "skipped"})
        reports = hub.audit.verify(start=start, end=end, anchors=anchors)
    except (AuditError, AdapterError) as exc:
        raise _unavailable(exc) from exc
    problems = [p for r in reports for p in r.problems]
    ok = not problems and digest_info["ok"]
    first = problems[0].as_dict() if problems else None
    if as_json:
        print(json.dumps({"ok": ok, "first_problem": first, "digest": digest_info,
                          "chains": [r.as_dict() for r in reports]}, indent=2))
    else:
        table = Table(title="Audit chains")
        for col in ("chain", "records checked", "last seq", "status", "first problem"):
            table.add_column(col)
        for r in reports:
            p = r.problems[0] if r.problems else None
            table.add_row(r.chain, str(r.checked), str(r.last_seq), "[green]intact[/green]" if r.ok else
                          f"[red]{len(r.problems)} problem(s)[/red]", f"{p.kind}: {p.message}" if p else "")
        _out.print(table)
        if digest_info.get("checked"):
            _out.print(f"Digest {digest_info.get('key')}: " + ("[green]signature valid, heads match[/green]"
                       if digest_info["ok"] else f"[red]{digest_info.get('error')}[/red]"))
        else:
            _out.print(f"Digest not checked: {digest_info.get('note')}")
        _out.print("[green]Audit log intact[/green]" if ok else
                   f"[red]Audit log TAMPERED[/red]: {first['kind'] + ' at ' + first['chain'] + ' seq ' + str(first['seq']) if first else 'digest invalid'}")
    raise typer.Exit(0 if ok else EXIT_TAMPERED)


# ---- report -----------------------------------------------------------------------------
def _charts(rep, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    made: list[str] = []

    def bar(name: str, title: str, counts: dict, xlabel: str, ylabel: str = "count", horizontal: bool = False) -> None:
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        labels, values = list(counts.keys()) or ["(none)"], list(counts.values()) or [0]
        if horizontal:
            ax.barh(labels[::-1], values[::-1], color="#005eb8")
            ax.set_xlabel(ylabel)
            ax.set_ylabel(xlabel)
        else:
            ax.bar(labels, values, color="#005eb8")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.tick_params(axis="x", labelrotation=30)
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        fig.tight_layout()
        fig.savefig(out / name)
        plt.close(fig)
        made.append(name)

    bar("messages_by_month.png", "Messages accepted by month", rep.messages_by_month, "month")
    bar("messages_by_agency.png", "Messages accepted by agency", rep.messages_by_agency, "agency (ODS)", horizontal=True)
    bar("messages_by_event.png", "Messages accepted by event", rep.messages_by_event, "event", horizontal=True)
    bar("rejections_by_reason.png", "Rejections by reason (top 12)", dict(list(rep.rejections_by_reason.items())[:12]),
        "reason", horizontal=True)

    # alerts by rule, stacked by severity
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    rules = list(rep.alerts_by_rule_severity) or ["(none)"]
    left = [0] * len(rules)
    colours = {"critical": "#d5281b", "high": "#ffb81c", "medium": "#41b6e6"}
    for sev in ("critical", "high", "medium", *sorted(set(rep.alerts_by_severity) - {"critical", "high", "medium"})):
        vals = [rep.alerts_by_rule_severity.get(r, {}).get(sev, 0) for r in rules]
        if any(vals):
            ax.barh(rules, vals, left=left, label=sev, color=colours.get(sev, "#768692"))
            left = [a + b for a, b in zip(left, vals)]
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Alerts raised by rule and severity")
    ax.set_xlabel("alerts")
    if any(left):
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "alerts_by_rule.png")
    plt.close(fig)
    made.append("alerts_by_rule.png")

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    stats = {r: s for r, s in rep.resolution_by_rule.items() if s.count}
    names = list(stats) or ["(none)"]
    med = [stats[r].median_hours for r in stats] or [0]
    p90 = [stats[r].p90_hours for r in stats] or [0]
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], med, height=0.4, label="median", color="#005eb8")
    ax.barh([y - 0.2 for y in ys], p90, height=0.4, label="p90", color="#768692")
    ax.set_yticks(list(ys), names)
    ax.set_xlabel("hours from alert to resolution")
    ax.set_title("Time from alert to resolution")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "time_to_resolution.png")
    plt.close(fig)
    made.append("time_to_resolution.png")
    return made


@audit.command()
def report(
    from_: str = typer.Option(..., "--from", help="period start (ISO date/date-time)"),
    to: str = typer.Option(..., "--to", help="period end (a date is inclusive)"),
    out: Optional[Path] = typer.Option(None, "--out", help="write report.md, report.json and PNG charts here"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Commissioners' report: messages, rejections, alerts, time to resolution, CP-plan injuries examined in 24 h."""
    from hub.core.audit.model import AuditError
    from hub.core.audit.report import build_report, render_markdown

    start, end = _bounds(from_, to)
    if out is not None:
        _out_folder(out)
    hub = _hub()
    try:
        records = list(hub.audit.iter_records(start=start, end=end))
    except (AuditError, AdapterError) as exc:
        raise _unavailable(exc) from exc
    rep = build_report(records, start=from_, end=to)
    charts: list[str] = []
    if out is not None:
        try:
            charts = _charts(rep, out)
            (out / "report.md").write_text(render_markdown(rep, charts), encoding="utf-8")
            (out / "report.json").write_text(json.dumps(rep.as_dict(), indent=2), encoding="utf-8")
        except OSError as exc:
            _err.print(f"[red]cannot write the report into {out}: {exc.strerror or exc}[/red]")
            raise typer.Exit(EXIT_USAGE) from exc
    if as_json:
        print(json.dumps(rep.as_dict(), indent=2))
    else:
        print(render_markdown(rep, charts))
        if out is not None:
            _err.print(f"wrote {out / 'report.md'} and {len(charts)} charts")


# ---- chronology ---------------------------------------------------------------------------
@audit.command()
def chronology(
    nhs_number: str = typer.Option(..., "--nhs-number", help="the child's NHS number"),
    purpose: str = typer.Option(..., "--purpose", help="why you are reading this child's record (audited)"),
    fmt: str = typer.Option("md", "--format", help="md or csv"),
    actor: str = typer.Option(None, "--actor", help="who is asking (defaults to the login name)"),
    actor_ods: Optional[str] = typer.Option(None, "--ods", help="the reader's organisation ODS code"),
) -> None:
    """Multi-agency chronology of one child (date, agency, event, summary, alerts). The access is audited."""
    from hub.core.audit.chronology import build_chronology, render_csv, render_markdown
    from hub.core.audit.model import AuditEntry, AuditError
    from hub.core.audit.query import AuditFilters
    from hub.core.validation.nhs import nhs_number_valid

    nhs = "".join(nhs_number.split())
    if fmt not in ("md", "csv"):
        _err.print("[red]--format must be md or csv[/red]")
        raise typer.Exit(EXIT_USAGE)
    if not nhs_number_valid(nhs):
        _err.print("[red]not a valid NHS number[/red]")
        raise typer.Exit(EXIT_USAGE)
    if not purpose.strip():
        _err.print("[red]--purpose must say why this child's record is read[/red]")
        raise typer.Exit(EXIT_USAGE)
    hub = _hub()
    log = hub.audit
    try:
        filters = AuditFilters(child=log.child_hash(nhs))
        records, cursor = log.query(filters, None, 1000)
        while cursor is not None:
            page, cursor = log.query(filters, cursor, 1000)
            records += page
        rows = build_chronology(records)
        # fail closed: the access is recorded before anything is shown
        log.append(AuditEntry(action="audit.chronology", at=hub.clock(), actor_ods=actor_ods, actor_kind="operator",
                              nhs_number=nhs, legal_basis=LEGAL_BASIS, outcome="ok",
                              details={"purpose": purpose.strip(), "operator": actor or getpass.getuser(),
                                       "rows": len(rows), "format": fmt}))
    except (AuditError, AdapterError) as exc:
        raise _unavailable(exc) from exc
    if fmt == "csv":
        print(render_csv(rows), end="")
    else:
        print(render_markdown(rows, title=f"Multi-agency chronology ({len(rows)} entries)"))
