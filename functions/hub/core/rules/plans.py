"""When a child was on a plan: the plan intervals the rules share (spec §6, "on a plan")."""
from __future__ import annotations

from datetime import datetime

from .state import ChildView, Item

CP = "child-protection-plan"
CIN = "child-in-need-plan"
PLAN_TYPES = (CP, CIN)


def plan_intervals(view: ChildView, types: tuple[str, ...] = PLAN_TYPES) -> list[tuple[datetime, datetime | None, Item]]:
    out = [(i.fact.start, i.fact.end, i) for i in view.plans if i.fact.plan_type in types and i.fact.start is not None]
    return sorted(out, key=lambda x: (x[0], x[2].key))


def plan_at(view: ChildView, t: datetime, types: tuple[str, ...] = PLAN_TYPES) -> Item | None:
    for s, e, it in plan_intervals(view, types):
        if s <= t and (e is None or t < e):
            return it
    return None


def merged_intervals(intervals: list[tuple[datetime, datetime | None, Item]]) -> list[tuple[datetime, datetime | None, list[Item]]]:
    out: list[list] = []
    for s, e, it in intervals:
        if out and (out[-1][1] is None or s <= out[-1][1]):
            last = out[-1]
            last[1] = None if (last[1] is None or e is None) else max(last[1], e)
            last[2].append(it)
        else:
            out.append([s, e, [it]])
    return [(s, e, its) for s, e, its in out]
