"""The safeguarding rules of spec section 6 (v1.1): one pure function per rule (the table of rules, with
those beyond section 6 from ``beyond.py``, is ``table.py``). Their words come from ``texts`` (alert-texts.yaml).

Each rule reads a ``RuleContext`` (the child's facts, the other children of
its household, the thresholds) and returns every episode in which it is or was
true, past or future (``fires_at`` in the future gives the sweep its deadline).
The engine decides which findings become alert / resolution records.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from . import texts
from .calendars import add_months_dt, age_reached, iso, london_date, midnight, nth_working_day_after
from .config import RulesConfig
from .findings import Finding, Resolution, RuleContext, evidence_of, make_alert_id
from .plans import CP, merged_intervals, plan_at, plan_intervals
from .state import ChildView, Item

__all__ = ["child_not_seen", "cumulative_risk", "immunisation_overdue",
           "immunisation_summary", "injury_not_examined", "missed_appointments", "non_mobile_bruising",
           "unsafe_step_down"]


# ---- non-mobile-bruising -------------------------------------------------------
def non_mobile_bruising(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for inj in v.injuries:
        t = inj.fact.effective
        latest = None
        for m in v.mobility:
            if m.fact.effective <= t:
                latest = m
        # v1.1: under 6 calendar months is never independently mobile, whatever an assessment says (the
        # panel's 2022 briefing: a baby who can roll or shuffle is still a non-mobile infant); older, only an
        # assessment at or before the injury saying not mobile counts
        young = v.birth_date is not None and t < age_reached(v.birth_date, cfg.non_mobile_age_months)
        if not young and (latest is None or latest.fact.mobile):
            continue
        injury = texts.injury(inj.fact.code)
        summary = (texts.render("non-mobile-bruising", "summary_young", injury=injury, months=cfg.non_mobile_age_months)
                   if young else texts.render("non-mobile-bruising", "summary_assessed", injury=injury))
        out.append(
            Finding(
                rule="non-mobile-bruising",
                alert_id=make_alert_id(cfg.alert_key, "non-mobile-bruising", v.nhs_number, inj.key),
                raised_at=t,
                fires_at=None,
                evidence=evidence_of(inj, None if young else latest),
                trigger_keys=(inj.key,),
                summary=summary,
                details={"injury": inj.fact.code, "observed_at": iso(t), "body_site": inj.fact.body_site,
                         "mobility_assessed": latest is not None,
                         "reason": "age" if young else "assessed-not-mobile"},
            )
        )
    return out


# ---- injury-not-examined -------------------------------------------------------
def injury_not_examined(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for inj in v.injuries:
        t = inj.fact.effective
        plan = plan_at(v, t, (CP,))
        if plan is None:
            continue
        deadline = t + cfg.examination_window
        exams = [e for e in v.exams if _examines(e, inj)]
        in_time = next((e for e in exams if t <= e.fact.start <= deadline), None)
        later = next((e for e in exams if e.fact.start > deadline), None)
        if in_time is not None:
            res = Resolution(in_time.fact.start, "late-report", in_time.evidence)
        elif later is not None:
            res = Resolution(later.fact.start, "examined", later.evidence)
        else:
            res = None
        out.append(
            Finding(
                rule="injury-not-examined",
                alert_id=make_alert_id(cfg.alert_key, "injury-not-examined", v.nhs_number, inj.key),
                raised_at=deadline,
                fires_at=deadline,
                evidence=evidence_of(inj, plan),
                trigger_keys=(inj.key,),
                summary=texts.render("injury-not-examined", "summary", injury=texts.injury(inj.fact.code),
                                     hours=_hours(cfg.examination_window)),
                details={"injury": inj.fact.code, "observed_at": iso(t), "examination_deadline": iso(deadline)},
                resolution=res,
            )
        )
    return out


def _examines(exam: Item, inj: Item) -> bool:
    """v1.1: a child protection medical examines every injury; any other examination only the injuries its
    reasonReference names (a GP seeing the child for a chest infection has not examined the bruise)."""
    return exam.fact.type == "cp-medical" or inj.key in exam.fact.reason_keys


def _hours(td: timedelta) -> int:
    return int(td.total_seconds() // 3600)


# ---- immunisation-overdue ------------------------------------------------------
def immunisation_summary(doses: list[tuple[str, int]], cfg: RulesConfig) -> str:
    names = texts.join(texts.dose(v, n) for v, n in doses)
    key = "summary_one" if len(doses) == 1 else "summary_many"
    return texts.render("immunisation-overdue", key, days=cfg.immunisation_grace_days, doses=names)


def immunisation_overdue(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    if v.birth_date is None:
        return []
    intervals = plan_intervals(v)
    if not intervals:
        return []
    given = [(i.fact.vaccine, i.fact.dose, i.fact.occurrence) for i in v.immunisations if i.fact.status == "completed"]
    doses = cfg.schedule.doses_for(v.birth_date)
    done = {d: d.done_at(given) for d in doses}
    groups: dict[datetime, list] = {}
    for d in doses:
        due = d.due(v.birth_date)
        overdue_at = midnight(due + timedelta(days=cfg.immunisation_grace_days))
        done_at = done[d]
        too_old = _too_old_from(d, doses, done, v)
        for s, e, plan in intervals:
            if e is not None and e <= overdue_at:
                continue
            t = max(s, overdue_at)
            if e is not None and t >= e:
                continue
            if (done_at is not None and done_at <= t) or (too_old is not None and t >= too_old):
                break  # given by then, or the child is too old to be given it: nothing to chase
            groups.setdefault(t, []).append((d, due, plan))
            break
    out = []
    for t in sorted(groups):
        found = groups[t]
        dose_ids = tuple((d.vaccine, d.dose) for d, _, _ in found)
        out.append(
            Finding(
                rule="immunisation-overdue",
                alert_id=make_alert_id(cfg.alert_key, "immunisation-overdue", v.nhs_number, iso(t),
                                       *(f"{a}:{b}" for a, b in dose_ids)),
                raised_at=t,
                fires_at=t,
                evidence=evidence_of(*(p for _, _, p in found)),
                trigger_keys=tuple(sorted({p.key for _, _, p in found})),
                summary=immunisation_summary(list(dose_ids), cfg),
                details={"doses": [{"vaccine": d.vaccine, "dose": d.dose, "due": due.isoformat()} for d, due, _ in found]},
                doses=dose_ids,
            )
        )
    return out


def _too_old_from(d, doses, done: dict, v: ChildView) -> datetime | None:
    """The instant from which ``d`` is no longer given: its own upper age limit, or that of an earlier dose of
    the course not given in time (rotavirus: no first dose after 15 weeks, so no second dose either)."""
    limits = []
    for p in doses:
        if p.vaccine != d.vaccine or p.dose > d.dose or p.not_after_weeks is None:
            continue
        limit = midnight(p.too_old_from(v.birth_date))
        if p is d or done[p] is None or done[p] >= limit:
            limits.append(limit)
    return min(limits, default=None)


# ---- missed-appointments -------------------------------------------------------
def missed_appointments(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    misses = [a for a in v.appointments if a.fact.missed]
    if len(misses) < cfg.missed_count:
        return []
    first_birthday = age_reached(v.birth_date, cfg.missed_age_months) if v.birth_date else None

    def eligible(t: datetime) -> bool:
        return (first_birthday is not None and t < first_birthday) or plan_at(v, t) is not None

    def window(t: datetime, inclusive: bool = True) -> list[Item]:
        lo = t - cfg.missed_window
        return [m for m in misses if lo < m.fact.start and (m.fact.start <= t if inclusive else m.fact.start < t)]

    times = sorted({m.fact.start for m in misses})
    out: list[Finding] = []
    current: dict | None = None
    prev_true = False
    for t in times:
        w = window(t)
        true = len(w) >= cfg.missed_count and eligible(t)
        if true and not (prev_true and len(window(t, inclusive=False)) >= cfg.missed_count):
            if current:
                out.append(_missed_finding(v, cfg, current))
            current = {"start": t, "items": w, "last": w}
        elif true and current is not None:
            current["last"] = w
        elif not true and current is not None and current.get("end_at") is None:
            current["end_at"] = t
        prev_true = true
    if current:
        out.append(_missed_finding(v, cfg, current))
    return out


def _services(items: list[Item]) -> str:
    """'two health visiting appointments and a GP appointment', in order of first appearance."""
    counts: dict[str, int] = {}
    for i in items:
        counts[i.fact.service_type] = counts.get(i.fact.service_type, 0) + 1
    return texts.join(texts.counted(texts.service(code), n) for code, n in counts.items())


def _missed_finding(v: ChildView, cfg: RulesConfig, ep: dict) -> Finding:
    last = ep["last"]
    end = last[len(last) - cfg.missed_count].fact.start + cfg.missed_window
    if ep.get("end_at") is not None:
        end = min(end, ep["end_at"])
    items = ep["items"]
    return Finding(
        rule="missed-appointments",
        alert_id=make_alert_id(cfg.alert_key, "missed-appointments", v.nhs_number, *sorted(i.key for i in items)),
        raised_at=ep["start"],
        fires_at=None,
        evidence=evidence_of(*items),
        trigger_keys=tuple(sorted(i.key for i in items)),
        summary=texts.render("missed-appointments", "summary", count_words=texts.number_words(len(items)),
                             days=cfg.missed_window.days, services=_services(items)),
        details={
            "missed": [{"service_type": i.fact.service_type, "start": iso(i.fact.start)} for i in items],
            "window_days": cfg.missed_window.days,
        },
        episode_end=end,
        by_episode=True,
    )


# ---- child-not-seen ------------------------------------------------------------
def not_seen_deadline(anchor: datetime, cfg: RulesConfig) -> datetime:
    """00:00 (London) on the calendar day after the n-th working day after ``anchor``'s day."""
    nth = nth_working_day_after(london_date(anchor), cfg.not_seen_working_days)
    return midnight(nth + timedelta(days=1))


def child_not_seen(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    visits = [s for s in v.seen if s.fact.seen]
    out = []
    for s, e, plans in merged_intervals(plan_intervals(v, (CP,))):
        anchor, anchor_item = s, None
        rest = [x for x in visits if x.fact.start >= s and (e is None or x.fact.start < e)]
        i = 0
        while True:
            deadline = not_seen_deadline(anchor, cfg)
            while i < len(rest) and rest[i].fact.start <= anchor and anchor_item is not None:
                i += 1  # visits at the anchor instant itself
            nxt = rest[i] if i < len(rest) else None
            if nxt is not None and nxt.fact.start < deadline:
                anchor, anchor_item = nxt.fact.start, nxt
                i += 1
                continue
            if e is not None and deadline >= e:
                break
            res = Resolution(nxt.fact.start, "seen", nxt.evidence) if nxt is not None else None
            out.append(
                Finding(
                    rule="child-not-seen",
                    alert_id=make_alert_id(cfg.alert_key, "child-not-seen", v.nhs_number, plans[0].key, iso(anchor)),
                    raised_at=deadline,
                    fires_at=deadline,
                    evidence=evidence_of(*plans, anchor_item),
                    trigger_keys=tuple(p.key for p in plans) + ((anchor_item.key,) if anchor_item else ()),
                    summary=texts.render("child-not-seen", "summary", days=cfg.not_seen_working_days),
                    details={
                        "since": iso(anchor),
                        "last_seen": iso(anchor_item.fact.start) if anchor_item else None,
                        "working_days": cfg.not_seen_working_days,
                    },
                    episode_end=nxt.fact.start if nxt is not None else e,
                    resolution=res,
                    since=anchor,
                    by_episode=True,
                )
            )
            if nxt is None:
                break
            anchor, anchor_item = nxt.fact.start, nxt
            i += 1
    return out


# ---- cumulative-risk -----------------------------------------------------------
def risk_episodes(concerns: list[Item], cfg: RulesConfig) -> list[tuple[datetime, datetime | None, list[Item]]]:
    """Intervals in which at least ``risk_count`` distinct codes fall in the trailing window."""
    spans = [(c.fact.effective, add_months_dt(c.fact.effective, cfg.risk_window_months), c) for c in concerns if c.fact.code]
    points = sorted({p for s, e, _ in spans for p in (s, e)})
    out = []
    start: datetime | None = None
    items: list[Item] = []
    for p in points:
        active = [c for s, e, c in spans if s <= p < e]
        n = len({c.fact.code for c in active})
        if n >= cfg.risk_count and start is None:
            start, items = p, active
        elif n < cfg.risk_count and start is not None:
            out.append((start, p, items))
            start = None
    if start is not None:
        out.append((start, None, items))
    return out


def cumulative_risk(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    concerns = list(v.concerns)
    if v.household:
        for other in ctx.household:
            concerns.extend(other.concerns)
    born = midnight(v.birth_date) if v.birth_date else None
    out = []
    for start, end, items in risk_episodes(concerns, cfg):
        raised = max(start, born) if born else start
        if end is not None and raised >= end:
            continue
        keys = tuple(sorted(i.key for i in items))
        codes = sorted({i.fact.code for i in items})
        out.append(
            Finding(
                rule="cumulative-risk",
                alert_id=make_alert_id(cfg.alert_key, "cumulative-risk", v.nhs_number, iso(start), *keys),
                raised_at=raised,
                fires_at=raised if raised > start else None,
                evidence=evidence_of(*sorted(items, key=lambda i: (i.fact.effective, i.key))),
                trigger_keys=keys,
                summary=texts.render("cumulative-risk", "summary", count_words=texts.number_words(len(codes)),
                                     months=cfg.risk_window_months,
                                     factors=texts.join(texts.risk_factor(c) for c in codes)),
                details={"risk_factors": codes, "household": v.household, "window_months": cfg.risk_window_months},
                episode_end=end,
                by_episode=True,
            )
        )
    return out


# ---- unsafe-step-down ----------------------------------------------------------
def unsafe_step_down(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    out = []
    for pe in v.plan_ends:
        f = pe.fact
        if f.end is None or f.closed_to_social_care is not True or f.step_down_plan is not False:
            continue
        lo = add_months_dt(f.end, -cfg.step_down_lookback_months)
        concerns = list(v.concerns)
        if v.household:
            for other in ctx.household:
                concerns.extend(other.concerns)
        recent = [c for c in concerns if lo <= c.fact.effective <= f.end]
        missed = [a for a in v.appointments if a.fact.missed and lo <= a.fact.start <= f.end]
        if not recent and not missed:
            continue
        recent.sort(key=lambda i: (i.fact.effective, i.key))
        out.append(
            Finding(
                rule="unsafe-step-down",
                alert_id=make_alert_id(cfg.alert_key, "unsafe-step-down", v.nhs_number, pe.key),
                raised_at=f.end,
                fires_at=None,
                evidence=evidence_of(pe, *recent, *missed),
                trigger_keys=(pe.key,),
                summary=texts.render("unsafe-step-down", "summary_both" if recent and missed else
                                     "summary_risk" if recent else "summary_not_brought",
                                     plan=texts.plan(f.plan_type or "child-in-need-plan"),
                                     months=cfg.step_down_lookback_months),
                details={
                    "plan_type": f.plan_type,
                    "period_end": iso(f.end),
                    "risk_factors": sorted({c.fact.code for c in recent}),
                    "missed_appointments": len(missed),
                },
            )
        )
    return out
