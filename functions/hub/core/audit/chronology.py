"""Multi-agency chronology of one child from its audit records (pure)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Iterable

from hub.core.audit.model import parse_at


@dataclass(frozen=True)
class ChronologyRow:
    date: str  # ISO date-time (clinical time where known)
    agency: str
    event: str
    summary: str
    alerts: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"date": self.date, "agency": self.agency, "event": self.event, "summary": self.summary,
                "alerts": list(self.alerts)}


def _when(details: dict, keys: tuple[str, ...], at: str) -> str:
    for key in keys:
        value = details.get(key)
        if isinstance(value, str):
            try:
                parse_at(value)
                return value
            except ValueError:
                continue
    return at


def _sort_key(row: ChronologyRow):
    try:
        return (parse_at(row.date).timestamp(), row.agency, row.event)
    except ValueError:
        return (float("inf"), row.agency, row.event)


def build_chronology(records: Iterable[dict]) -> list[ChronologyRow]:
    """Rows for accepted messages and alerts (records already filtered to one child), in date order."""
    records = list(records)
    alerts_for: dict[str, list[str]] = {}
    for rec in records:
        d = rec.get("details") or {}
        if rec.get("action") == "alert.raised":
            label = f"{rec.get('rule') or 'alert'} ({d.get('severity') or rec.get('outcome') or '?'})"
            for mid in d.get("evidence") or []:
                alerts_for.setdefault(str(mid), []).append(label)
    rows: list[ChronologyRow] = []
    for rec in records:
        d = rec.get("details") or {}
        if not isinstance(d, dict):
            d = {}
        action, at = rec.get("action"), rec.get("at") or ""
        if action == "message.accepted":
            agency = rec.get("actor_ods") or "unknown"
            if rec.get("actor_kind"):
                agency = f"{agency} ({rec['actor_kind']})"
            event = rec.get("event") or "message"
            if d.get("event_type") and d["event_type"] != "new":
                event = f"{event} [{d['event_type']}]"
            rows.append(ChronologyRow(_when(d, ("occurred_at", "bundle_timestamp"), at), agency, event,
                                      str(d.get("summary") or rec.get("event") or ""),
                                      tuple(alerts_for.get(str(rec.get("message_id")), ()))))
        elif action == "alert.raised":
            sev = d.get("severity") or rec.get("outcome") or "?"
            rows.append(ChronologyRow(_when(d, ("raised_at",), at), "hub", f"alert raised: {rec.get('rule')}",
                                      str(d.get("summary") or ""), (f"{rec.get('rule')} ({sev})",)))
        elif action == "alert.resolved":
            reason = d.get("reason") or rec.get("outcome") or ""
            rows.append(ChronologyRow(_when(d, ("resolved_at",), at), "hub", f"alert resolved: {rec.get('rule')}",
                                      f"resolved: {reason}" if reason else "resolved", (str(rec.get("rule") or ""),)))
    return sorted(rows, key=_sort_key)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: list[ChronologyRow], *, title: str = "Multi-agency chronology") -> str:
    lines = [f"# {title}", "", "| Date | Agency | Event | Summary | Alerts |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {_md(r.date)} | {_md(r.agency)} | {_md(r.event)} | {_md(r.summary)} | {_md('; '.join(r.alerts))} |")
    if not rows:
        lines.append("| | | (no records) | | |")
    return "\n".join(lines) + "\n"


def render_csv(rows: list[ChronologyRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["date", "agency", "event", "summary", "alerts"])
    for r in rows:
        summary = "'" + r.summary if r.summary[:1] in ("=", "+", "-", "@") else r.summary
        w.writerow([r.date, r.agency, r.event, summary, "; ".join(r.alerts)])
    return buf.getvalue()
