"""The alert Tasks part of the commissioners' report: per rule, time to acknowledge, escalations, decisions.

Reads the `task.*` records hub.service.tasks writes (one per Task version): `task.created` (its `at` starts
the clock), `task.acknowledged` (stops it), `task.escalated` (details.level), `task.decided`
(details.decision; a later decision of the same Task replaces the earlier one) and `task.closed` /
`task.completed`. A Task is `details.task_id`; its rule is the record's `rule`. Pure.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime

from hub.core.audit.model import parse_at


def _stats(hours: list[float], waiting: int) -> dict:
    if not hours:
        return {"count": 0, "median_hours": None, "p90_hours": None, "not_acknowledged": waiting}
    data = sorted(hours)
    pos = (len(data) - 1) * 0.9
    lo = int(pos)
    p90 = data[lo] + (data[min(lo + 1, len(data) - 1)] - data[lo]) * (pos - lo)
    return {"count": len(data), "median_hours": round(statistics.median(data), 3), "p90_hours": round(p90, 3),
            "not_acknowledged": waiting}


class TaskStats:
    """Fed every record of the period (`add`), then read once (`as_dict`)."""

    def __init__(self) -> None:
        self.rule: dict[str, str] = {}  # task id -> rule
        self.created: dict[str, datetime] = {}
        self.acknowledged: dict[str, datetime] = {}
        self.escalations: Counter = Counter()  # (rule, level)
        self.decision: dict[str, tuple[datetime, str]] = {}
        self.closed: Counter = Counter()  # (rule, how)

    def add(self, rec: dict) -> None:
        action = rec.get("action") or ""
        d = rec.get("details") if isinstance(rec.get("details"), dict) else {}
        tid = d.get("task_id")
        if not action.startswith("task.") or not tid or not rec.get("at"):
            return
        at = parse_at(rec["at"])
        rule = rec.get("rule") or self.rule.get(tid) or "unknown"
        self.rule.setdefault(tid, rule)
        if action == "task.created":
            self.created.setdefault(tid, at)
        elif action == "task.acknowledged":
            self.acknowledged.setdefault(tid, at)
        elif action == "task.escalated":
            self.escalations[(rule, int(d.get("level") or 1))] += 1
        elif action == "task.decided" and d.get("decision"):
            if tid not in self.decision or self.decision[tid][0] <= at:
                self.decision[tid] = (at, str(d["decision"]))
        elif action in ("task.closed", "task.completed"):
            how = "by the recipient" if action == "task.closed" else f"alert {d.get('code') or 'resolved'}"
            self.closed[(rule, how)] += 1

    def as_dict(self) -> dict:
        hours: dict[str, list[float]] = defaultdict(list)
        waiting: Counter = Counter()
        for tid, start in self.created.items():
            rule = self.rule[tid]
            if tid in self.acknowledged:
                hours[rule].append(max(0.0, (self.acknowledged[tid] - start).total_seconds() / 3600))
            else:
                waiting[rule] += 1
        rules = sorted(set(hours) | set(waiting) | {r for r, _ in self.escalations} |
                       {self.rule[t] for t in self.decision} | {r for r, _ in self.closed})
        decisions: dict[str, Counter] = defaultdict(Counter)
        for tid, (_, code) in self.decision.items():
            decisions[self.rule[tid]][code] += 1
        every = [h for hs in hours.values() for h in hs]
        return {
            "created": len(self.created),
            "time_to_acknowledge": {**_stats(every, sum(waiting.values())),
                                    "by_rule": {r: _stats(hours.get(r, []), waiting.get(r, 0)) for r in rules}},
            "escalations": {"total": sum(self.escalations.values()),
                            "by_rule": {r: {f"level {lv}": n for (rr, lv), n in sorted(self.escalations.items())
                                            if rr == r} for r in rules if any(rr == r for rr, _ in self.escalations)}},
            "decisions": {"total": len(self.decision),
                          "by_rule": {r: dict(sorted(decisions[r].items())) for r in rules if decisions.get(r)}},
            "closed": {r: {how: n for (rr, how), n in sorted(self.closed.items()) if rr == r}
                       for r in rules if any(rr == r for rr, _ in self.closed)},
        }


def markdown(d: dict) -> list[str]:
    """The report's 'Alert Tasks' section, from `TaskStats.as_dict()`."""
    def fmt(v):
        return "n/a" if v is None else f"{v:.1f}"

    lines = ["## Alert Tasks", "", f"Tasks created: {d['created']}; escalations: {d['escalations']['total']}; "
             f"decisions recorded: {d['decisions']['total']}.", "",
             "### Time to acknowledge (hours)", "", "| rule | acknowledged | median | p90 | not acknowledged |",
             "|---|---:|---:|---:|---:|"]
    lines += [f"| {r} | {s['count']} | {fmt(s['median_hours'])} | {fmt(s['p90_hours'])} | {s['not_acknowledged']} |"
              for r, s in d["time_to_acknowledge"]["by_rule"].items()] or ["| (none) | 0 | n/a | n/a | 0 |"]
    lines += ["", "### Escalations", "", "| rule | level | count |", "|---|---|---:|"]
    lines += [f"| {r} | {lv} | {n} |" for r, levels in d["escalations"]["by_rule"].items()
              for lv, n in levels.items()] or ["| (none) | | 0 |"]
    lines += ["", "### Decisions", "", "| rule | decision | count |", "|---|---|---:|"]
    lines += [f"| {r} | {c} | {n} |" for r, codes in d["decisions"]["by_rule"].items()
              for c, n in codes.items()] or ["| (none) | | 0 |"]
    return lines + [""]
