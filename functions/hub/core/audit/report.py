"""Commissioners' report: aggregates over audit records (pure).

Reads only record fields and the `details` keys documented in README.md.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable
from zoneinfo import ZoneInfo

from hub.core.audit.model import parse_at
from hub.core.audit.task_stats import TaskStats, markdown as task_markdown

LONDON = ZoneInfo("Europe/London")
INJURY_NOT_EXAMINED = "injury-not-examined"


def _month(at: str) -> str:
    return parse_at(at).astimezone(LONDON).strftime("%Y-%m")


def _time(text: str | None, fallback: str) -> datetime:
    try:
        if text:
            return parse_at(text)
    except (TypeError, ValueError):
        pass
    return parse_at(fallback)


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass
class ResolutionStats:
    count: int
    median_hours: float | None
    p90_hours: float | None
    unresolved: int

    def as_dict(self) -> dict:
        return {"count": self.count, "median_hours": self.median_hours, "p90_hours": self.p90_hours,
                "unresolved": self.unresolved}


def _stats(hours: list[float], unresolved: int) -> ResolutionStats:
    if not hours:
        return ResolutionStats(0, None, None, unresolved)
    return ResolutionStats(len(hours), round(statistics.median(hours), 3), round(_percentile(hours, 0.9), 3), unresolved)


@dataclass
class AuditReport:
    start: str | None
    end: str | None
    records: int = 0
    messages_by_agency: dict[str, int] = field(default_factory=dict)
    messages_by_agency_kind: dict[str, int] = field(default_factory=dict)
    messages_by_event: dict[str, int] = field(default_factory=dict)
    messages_by_month: dict[str, int] = field(default_factory=dict)
    rejections_by_reason: dict[str, int] = field(default_factory=dict)
    rejections_by_status: dict[str, int] = field(default_factory=dict)
    alerts_by_rule: dict[str, int] = field(default_factory=dict)
    alerts_by_severity: dict[str, int] = field(default_factory=dict)
    alerts_by_rule_severity: dict[str, dict[str, int]] = field(default_factory=dict)
    resolution: ResolutionStats = field(default_factory=lambda: ResolutionStats(0, None, None, 0))
    resolution_by_rule: dict[str, ResolutionStats] = field(default_factory=dict)
    cp_injuries: int = 0
    cp_injuries_examined_24h: int = 0
    tasks: dict = field(default_factory=lambda: TaskStats().as_dict())  # alert Tasks (core.audit.task_stats)

    @property
    def cp_examined_share(self) -> float | None:
        return None if not self.cp_injuries else round(self.cp_injuries_examined_24h / self.cp_injuries, 4)

    def as_dict(self) -> dict:
        return {
            "from": self.start,
            "to": self.end,
            "records": self.records,
            "messages": {
                "total": sum(self.messages_by_event.values()),
                "by_agency": self.messages_by_agency,
                "by_agency_kind": self.messages_by_agency_kind,
                "by_event": self.messages_by_event,
                "by_month": self.messages_by_month,
            },
            "rejections": {
                "total": sum(self.rejections_by_status.values()),
                "by_reason": self.rejections_by_reason,
                "by_status": self.rejections_by_status,
            },
            "alerts": {
                "total": sum(self.alerts_by_rule.values()),
                "by_rule": self.alerts_by_rule,
                "by_severity": self.alerts_by_severity,
                "by_rule_severity": self.alerts_by_rule_severity,
            },
            "time_to_resolution": {**self.resolution.as_dict(),
                                   "by_rule": {k: v.as_dict() for k, v in self.resolution_by_rule.items()}},
            "cp_injuries_examined_within_24h": {
                "injuries": self.cp_injuries,
                "examined": self.cp_injuries_examined_24h,
                "share": self.cp_examined_share,
            },
            "tasks": self.tasks,
        }


_INDEX = re.compile(r"\[\d+\]")


def _fault_reasons(faults) -> list[str]:
    """`details.faults` ([{code, expression}], as ingest writes them) -> 'code @ path without indices'."""
    out = []
    for f in faults or []:
        if isinstance(f, dict):
            expr = _INDEX.sub("", str(f.get("expression") or "")).strip()
            out.append(f"{f.get('code') or 'fault'} @ {expr}" if expr else str(f.get("code") or "fault"))
    return out


def _sorted(counter: Counter) -> dict:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build_report(records: Iterable[dict], *, start: str | None = None, end: str | None = None) -> AuditReport:
    """Aggregate records already restricted to the reporting period."""
    rep = AuditReport(start=start, end=end)
    by_agency, by_kind, by_event, by_month = Counter(), Counter(), Counter(), Counter()
    rej_reason, rej_status = Counter(), Counter()
    al_rule, al_sev = Counter(), Counter()
    al_rule_sev: dict[str, Counter] = defaultdict(Counter)
    raised: dict[str, tuple[str | None, datetime]] = {}  # alert_id -> (rule, raised time)
    resolved: dict[str, tuple[datetime, str | None]] = {}  # alert_id -> (resolved time, reason)
    cp_keys: set[str] = set()
    explicit: dict[str, bool] = {}
    ine_alert_key: dict[str, str] = {}  # injury-not-examined alert id -> injury key
    task_stats = TaskStats()

    for rec in records:
        rep.records += 1
        task_stats.add(rec)
        action = rec.get("action")
        d = rec.get("details") or {}
        if not isinstance(d, dict):
            d = {}
        at = rec.get("at") or ""
        if action == "message.accepted":
            by_agency[rec.get("actor_ods") or "unknown"] += 1
            by_kind[rec.get("actor_kind") or "unknown"] += 1
            by_event[rec.get("event") or "unknown"] += 1
            if at:
                by_month[_month(at)] += 1
        elif action == "message.rejected":
            rej_status[str(rec.get("outcome") or "unknown")] += 1
            reasons = d.get("reasons") or _fault_reasons(d.get("faults")) or [str(rec.get("outcome") or "unknown")]
            if isinstance(reasons, str):
                reasons = [reasons]
            for reason in set(map(str, reasons)):
                rej_reason[reason] += 1
        elif action == "alert.raised":
            rule = rec.get("rule") or "unknown"
            sev = d.get("severity") or rec.get("outcome") or "unknown"
            al_rule[rule] += 1
            al_sev[sev] += 1
            al_rule_sev[rule][sev] += 1
            if rec.get("message_id"):
                raised[rec["message_id"]] = (rule, _time(d.get("raised_at"), at))
            if rule == INJURY_NOT_EXAMINED:
                key = d.get("injury_key") or f"alert:{rec.get('message_id')}"
                cp_keys.add(key)
                if rec.get("message_id"):
                    ine_alert_key[rec["message_id"]] = key
        elif action == "alert.resolved" and rec.get("message_id"):
            resolved[rec["message_id"]] = (_time(d.get("resolved_at"), at), d.get("reason"))
        key = d.get("injury_key")
        if key and d.get("on_cp_plan") is True:
            cp_keys.add(key)
        if key and isinstance(d.get("examined_within_24h"), bool):
            explicit[key] = d["examined_within_24h"]

    rep.messages_by_agency = _sorted(by_agency)
    rep.messages_by_agency_kind = _sorted(by_kind)
    rep.messages_by_event = _sorted(by_event)
    rep.messages_by_month = dict(sorted(by_month.items()))
    rep.rejections_by_reason = _sorted(rej_reason)
    rep.rejections_by_status = _sorted(rej_status)
    rep.alerts_by_rule = _sorted(al_rule)
    rep.alerts_by_severity = _sorted(al_sev)
    rep.alerts_by_rule_severity = {r: _sorted(c) for r, c in sorted(al_rule_sev.items())}

    hours_all: list[float] = []
    per_rule: dict[str, list[float]] = defaultdict(list)
    unresolved_all = 0
    unresolved_rule: Counter = Counter()
    for alert_id, (rule, t_raised) in raised.items():
        if alert_id in resolved:
            h = max(0.0, (resolved[alert_id][0] - t_raised).total_seconds() / 3600)
            hours_all.append(h)
            per_rule[rule or "unknown"].append(h)
        else:
            unresolved_all += 1
            unresolved_rule[rule or "unknown"] += 1
    rep.resolution = _stats(hours_all, unresolved_all)
    rep.resolution_by_rule = {r: _stats(per_rule.get(r, []), unresolved_rule.get(r, 0))
                              for r in sorted(set(per_rule) | set(unresolved_rule))}

    not_in_time = {key for alert_id, key in ine_alert_key.items()
                   if resolved.get(alert_id, (None, None))[1] != "late-report"}
    examined = 0
    for key in cp_keys:
        ok = explicit[key] if key in explicit else key not in not_in_time
        examined += bool(ok)
    rep.cp_injuries = len(cp_keys)
    rep.cp_injuries_examined_24h = examined
    rep.tasks = task_stats.as_dict()
    return rep


def _table(title: str, counts: dict, head: str) -> list[str]:
    lines = [f"### {title}", "", f"| {head} | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in counts.items()] or ["| (none) | 0 |"]
    return lines + [""]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def render_markdown(rep: AuditReport, charts: Iterable[str] = ()) -> str:
    d = rep.as_dict()
    share = rep.cp_examined_share
    lines = [
        "# Safeguarding Hub audit report",
        "",
        f"Period: {rep.start or 'start'} to {rep.end or 'now'} ({rep.records} audit records).",
        "",
        "## Summary",
        "",
        f"- Messages accepted: {d['messages']['total']}",
        f"- Messages rejected: {d['rejections']['total']}",
        f"- Alerts raised: {d['alerts']['total']}",
        f"- Time from alert to resolution: median {_fmt(rep.resolution.median_hours)} h, "
        f"p90 {_fmt(rep.resolution.p90_hours)} h ({rep.resolution.count} resolved, {rep.resolution.unresolved} open)",
        f"- Injuries to children on a CP plan examined within 24 h: {rep.cp_injuries_examined_24h} of {rep.cp_injuries}"
        + ("" if share is None else f" ({share:.0%})"),
        "",
        "## Messages",
        "",
    ]
    lines += _table("By agency", rep.messages_by_agency, "agency (ODS)")
    lines += _table("By agency kind", rep.messages_by_agency_kind, "kind")
    lines += _table("By event", rep.messages_by_event, "event")
    lines += _table("By month", rep.messages_by_month, "month")
    lines += ["## Rejections", ""]
    lines += _table("By reason", rep.rejections_by_reason, "reason")
    lines += _table("By status", rep.rejections_by_status, "status")
    lines += ["## Alerts", "", "| rule | severity | count |", "|---|---|---:|"]
    rows = [f"| {r} | {s} | {n} |" for r, c in rep.alerts_by_rule_severity.items() for s, n in c.items()]
    lines += (rows or ["| (none) | | 0 |"]) + [""]
    lines += ["### Time from alert to resolution (hours)", "", "| rule | resolved | median | p90 | open |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r} | {s.count} | {_fmt(s.median_hours)} | {_fmt(s.p90_hours)} | {s.unresolved} |"
              for r, s in rep.resolution_by_rule.items()] or ["| (none) | 0 | n/a | n/a | 0 |"]
    lines.append("")
    lines += task_markdown(rep.tasks)
    charts = list(charts)
    if charts:
        lines += ["## Charts", ""] + [f"![{c}]({c})" for c in charts] + [""]
    return "\n".join(lines)
