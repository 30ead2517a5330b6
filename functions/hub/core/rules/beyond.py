"""The rules beyond spec section 6 (issues 12 and 13; README "Rules beyond section 6"): each a pure function
of the rule context, like those in ``rules.py``, which lists them in the table of rules.

- ``serious-incident``: one incident is enough (a child found without adequate supervision; a parent
  intoxicated while in charge of a young child), whatever the plan status.
- ``was-not-brought``: each appointment a child on a CP plan was not brought to is a notice to the lead
  social worker (RCGP "was not brought").
- ``parental-history``: a parent's own care history is lasting: with any other current risk factor in the
  household it calls for the parent's own records (the review's "inaccessible parental history").
- ``relationship-changed``: a change of registered GP practice or household for a child on a plan is a
  notice to the lead social worker (frequent moves are a risk signal; issue 12).
"""
from __future__ import annotations

from datetime import datetime

from . import texts
from .calendars import add_months_dt, age_reached, iso, midnight
from .findings import Finding, RuleContext, evidence_of, make_alert_id
from .plans import plan_at
from .state import Item

__all__ = ["parental_history", "relationship_changed", "serious_incident", "was_not_brought"]


# ---- serious-incident ----------------------------------------------------------
def serious_incident(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for c in v.concerns:
        code, t = c.fact.code, c.fact.effective
        if code not in cfg.serious_incidents:
            continue
        months = cfg.serious_incidents[code]
        if months is not None and (v.birth_date is None or t >= age_reached(v.birth_date, months)):
            continue  # an age-limited incident needs a known birth date below the limit
        values = {"years": months // 12} if months is not None else {}
        out.append(Finding(
            rule="serious-incident",
            alert_id=make_alert_id(cfg.alert_key, "serious-incident", v.nhs_number, c.key),
            raised_at=t,
            fires_at=None,
            evidence=evidence_of(c),
            trigger_keys=(c.key,),
            summary=texts.render("serious-incident", f"summary_{code}", **values),
            details={"incident": code, "recorded_at": iso(t), "on_plan": plan_at(v, t) is not None},
        ))
    return out


# ---- was-not-brought -----------------------------------------------------------
def was_not_brought(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for a in v.appointments:
        if not a.fact.missed:
            continue
        plan = plan_at(v, a.fact.start, cfg.was_not_brought_plans)
        if plan is None:
            continue
        how = "noshow" if a.fact.status == "noshow" else "cancelled"
        out.append(Finding(
            rule="was-not-brought",
            alert_id=make_alert_id(cfg.alert_key, "was-not-brought", v.nhs_number, a.key),
            raised_at=a.fact.start,
            fires_at=None,
            evidence=evidence_of(a, plan),
            trigger_keys=(a.key,),
            summary=texts.render("was-not-brought", f"summary_{how}", service=texts.service(a.fact.service_type)),
            details={"service_type": a.fact.service_type, "start": iso(a.fact.start),
                     "outcome": "not-brought" if how == "noshow" else "cancelled-by-family"},
        ))
    return out


# ---- parental-history ----------------------------------------------------------
def _episodes(history: list[Item], others: list[Item], months: int) -> list[tuple[datetime, datetime | None, list[Item]]]:
    """Intervals in which a parental history has been recorded and another risk factor falls in the trailing
    ``months``: each other factor counts over [max(its time, the first history), its time + months)."""
    first = min(h.fact.effective for h in history)
    spans = sorted(((max(o.fact.effective, first), add_months_dt(o.fact.effective, months), o) for o in others),
                   key=lambda s: (s[0], s[2].key))
    out: list[list] = []
    for s, e, o in spans:
        if s >= e:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
            out[-1][2].append(o)
        else:
            out.append([s, e, [o]])
    return [(s, e, items) for s, e, items in out]


def parental_history(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    concerns = list(v.concerns)
    if v.household:
        for other in ctx.household:
            concerns.extend(other.concerns)
    history = sorted((c for c in concerns if c.fact.code == cfg.parental_history_code),
                     key=lambda c: (c.fact.effective, c.key))
    if not history:
        return []
    others = [c for c in concerns if c.fact.code and c.fact.code != cfg.parental_history_code]
    born = midnight(v.birth_date) if v.birth_date else None
    out = []
    for start, end, items in _episodes(history, others, cfg.parental_history_window_months):
        raised = max(start, born) if born else start
        if end is not None and raised >= end:
            continue
        # the factors current when it is raised: those whose window holds the raised instant
        current = [i for i in items if i.fact.effective <= raised < add_months_dt(i.fact.effective, cfg.parental_history_window_months)]
        current = current or items[:1]
        codes = sorted({i.fact.code for i in current})
        lasting = [h for h in history if h.fact.effective <= raised] or history[:1]
        out.append(Finding(
            rule="parental-history",
            alert_id=make_alert_id(cfg.alert_key, "parental-history", v.nhs_number, iso(start), lasting[0].key),
            raised_at=raised,
            fires_at=raised if raised > start else None,
            evidence=evidence_of(*lasting, *sorted(current, key=lambda i: (i.fact.effective, i.key))),
            trigger_keys=tuple(sorted({i.key for i in (*lasting, *current)})),
            summary=texts.render("parental-history", "summary", factors=texts.join(texts.risk_factor(c) for c in codes),
                                 were="was" if len(codes) == 1 else "were", months=cfg.parental_history_window_months),
            details={"risk_factors": codes, "history_recorded_at": iso(lasting[0].fact.effective),
                     "household": v.household, "window_months": cfg.parental_history_window_months},
            episode_end=end,
            by_episode=True,
        ))
    return out


# ---- relationship-changed ------------------------------------------------------
def relationship_changed(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for kind in ("gp", "household"):
        points = v.relations.get(kind, ())
        for (old, _, _), (new, ts, mid) in zip(points, points[1:]):
            if old == new:
                continue
            plan = plan_at(v, ts, cfg.relationship_plans)
            if plan is None:
                continue
            out.append(Finding(
                rule="relationship-changed",
                alert_id=make_alert_id(cfg.alert_key, "relationship-changed", v.nhs_number, kind, mid, old, new),
                raised_at=ts,
                fires_at=None,
                evidence=(mid,),
                trigger_keys=(f"{kind}|{mid}",),
                summary=texts.render("relationship-changed", "summary", relationship=texts.relationship(kind)),
                details={"relationship": "registered-gp" if kind == "gp" else "household", "from": old, "to": new,
                         "changed_at": iso(ts)},
            ))
    return out
