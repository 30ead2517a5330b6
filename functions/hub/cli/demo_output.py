"""What `safeguard demo` leaves in its output folder: the alerts, the commissioners' report and charts, one
child's chronology and the summary, all read back from the stack through the hub's ports."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from hub.cli.demo_story import LONDON


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def write_alerts(out: Path, records: list[dict]) -> list[Path]:
    """alerts.jsonl: the alerts and resolutions as the hub published them, one JSON line each (what
    `safeguard replay` prints); other-records.jsonl: anything else on the alerts queue (e.g. escalations)."""
    from hub.cli.demo_story import SPEC_TYPES

    spec = [r for r in records if r.get("type") in SPEC_TYPES]
    other = [r for r in records if r.get("type") not in SPEC_TYPES]
    return [_jsonl(out / "alerts.jsonl", spec)] + ([_jsonl(out / "other-records.jsonl", other)] if other else [])


def write_report(ports, out: Path, start: datetime, end: datetime) -> list[Path]:
    """The commissioners' report over the whole story (`safeguard audit report --out`): report.md,
    report.json and the PNG charts."""
    from hub.cli.audit import _charts
    from hub.core.audit.report import build_report, render_markdown

    first = start.astimezone(LONDON).date().isoformat()
    last = (end - timedelta(seconds=1)).astimezone(LONDON).date().isoformat()
    rep = build_report(ports.audit.iter_records(start=start, end=end), start=first, end=last)
    charts = _charts(rep, out)
    (out / "report.md").write_text(render_markdown(rep, charts), encoding="utf-8")
    (out / "report.json").write_text(json.dumps(rep.as_dict(), indent=2), encoding="utf-8")
    return [out / "report.md", out / "report.json"] + [out / c for c in charts]


def write_chronology(ports, out: Path, nhs_number: str, label: str) -> list[Path]:
    """One child's multi-agency chronology (`safeguard audit chronology`), as Markdown and CSV. Reading a
    child's record is audited, as the command does, before anything is written."""
    from hub.core.audit.chronology import build_chronology, render_csv, render_markdown
    from hub.core.audit.model import AuditEntry
    from hub.core.audit.query import AuditFilters

    log = ports.audit
    filters = AuditFilters(child=log.child_hash(nhs_number))
    records, cursor = log.query(filters, None, 1000)
    while cursor is not None:
        page, cursor = log.query(filters, cursor, 1000)
        records += page
    rows = build_chronology(records)
    log.append(AuditEntry(action="audit.chronology", at=ports.clock(), actor_ods=None, actor_kind="operator",
                          nhs_number=nhs_number, legal_basis="audit-oversight", outcome="ok",
                          details={"purpose": "safeguard demo: the chronology of the scenario's child",
                                   "operator": "safeguard demo", "rows": len(rows), "format": "md+csv"}))
    stem = "chronology-" + "-".join(label.lower().split())
    md, csv = out / f"{stem}.md", out / f"{stem}.csv"
    md.write_text(render_markdown(rows, title=f"Multi-agency chronology of {label} ({len(rows)} entries)"),
                  encoding="utf-8")
    csv.write_text(render_csv(rows), encoding="utf-8")
    return [md, csv]


def write_summary(out: Path, summary: dict) -> Path:
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def verify_audit(ports) -> tuple[bool, str]:
    """(intact, one line): every hash chain walked, anchored on the latest signed digest when there is one."""
    from hub.adapters.s3_digest import AuditDigestError

    anchors, digest, signed = {}, "no signed digest yet", True
    try:
        latest = ports.digests.latest() if ports.settings.audit_digest_key_id else None
        if latest is not None:
            key, stored = latest
            anchors = ports.digests.check(stored)
            digest = f"the latest signed digest ({(stored.get('digest') or {}).get('generated_at', key)}) matches"
    except AuditDigestError as exc:
        signed, digest = False, f"the latest signed digest does NOT check: {exc}"
    reports = ports.audit.verify(anchors=anchors)
    intact = signed and all(r.ok for r in reports)
    problems = [p for r in reports for p in r.problems]
    where = "".join(f"; {p.kind} at {p.chain} seq {p.seq}: {p.message}" for p in problems[:3])
    return intact, (f"audit log: {'intact' if intact else 'BROKEN'} ({sum(r.checked for r in reports)} records "
                    f"in {len(reports)} hash chains; {digest}{where})")
