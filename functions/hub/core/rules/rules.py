"""The safeguarding rules of spec section 6: one pure function per rule, and the table of rules.

Each rule reads a ``RuleContext`` (the child's facts, the other children of
its household, the thresholds) and returns every episode in which it is or was
true, past or future (``fires_at`` in the future gives the sweep its deadline).
The engine decides which findings become alert / resolution records.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .calendars import add_months_dt, age_reached, iso, london_date, midnight, nth_working_day_after
from .config import RulesConfig
from .findings import Finding, Resolution, Rule, RuleContext, evidence_of, make_alert_id
from .plans import CP, merged_intervals, plan_at, plan_intervals
from .state import ChildView, Item

__all__ = ["RULES", "RULES_BY_ID", "child_not_seen", "cumulative_risk", "immunisation_overdue",
           "injury_not_examined", "missed_appointments", "non_mobile_bruising", "unsafe_step_down"]


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
        if latest is not None:
            non_mobile = not latest.fact.mobile
        else:
            non_mobile = v.birth_date is not None and t < age_reached(v.birth_date, cfg.non_mobile_age_months)
        if not non_mobile:
            continue
        out.append(
            Finding(
                rule="non-mobile-bruising",
                alert_id=make_alert_id("non-mobile-bruising", v.nhs_number, inj.key),
                raised_at=t,
                fires_at=None,
                evidence=evidence_of(inj, latest),
                trigger_keys=(inj.key,),
                summary=f"A {inj.fact.code} was observed on a child who is not independently mobile: "
                "arrange a same-day child protection medical and strategy discussion.",
                details={"injury": inj.fact.code, "observed_at": iso(t), "body_site": inj.fact.body_site,
                         "mobility_assessed": latest is not None},
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
        in_time = next((e for e in v.exams if t <= e.fact.start <= deadline), None)
        later = next((e for e in v.exams if e.fact.start > deadline), None)
        if in_time is not None:
            res = Resolution(in_time.fact.start, "late-report", in_time.evidence)
        elif later is not None:
            res = Resolution(later.fact.start, "examined", later.evidence)
        else:
            res = None
        out.append(
            Finding(
                rule="injury-not-examined",
                alert_id=make_alert_id("injury-not-examined", v.nhs_number, inj.key),
                raised_at=deadline,
                fires_at=deadline,
                evidence=evidence_of(inj, plan),
                trigger_keys=(inj.key,),
                summary=f"A {inj.fact.code} on a child on a child protection plan has not been examined by a doctor "
                f"within {_hours(cfg.examination_window)} hours: arrange a child protection medical today.",
                details={"injury": inj.fact.code, "observed_at": iso(t), "examination_deadline": iso(deadline)},
                resolution=res,
            )
        )
    return out


def _hours(td: timedelta) -> int:
    return int(td.total_seconds() // 3600)


# ---- immunisation-overdue ------------------------------------------------------
def immunisation_overdue(ctx: RuleContext) -> list[Finding]:
    v, cfg = ctx.child, ctx.config
    if v.birth_date is None:
        return []
    intervals = plan_intervals(v)
    if not intervals:
        return []
    completed = [i for i in v.immunisations if i.fact.status == "completed"]
    groups: dict[datetime, list] = {}
    for d in cfg.schedule.doses_for(v.birth_date):
        due = d.due(v.birth_date)
        overdue_at = midnight(due + timedelta(days=cfg.immunisation_grace_days))
        done = [i.fact.occurrence for i in completed if d.satisfied_by(i.fact.vaccine, i.fact.dose)]
        done_at = min(done) if done else None
        for s, e, plan in intervals:
            if e is not None and e <= overdue_at:
                continue
            t = max(s, overdue_at)
            if e is not None and t >= e:
                continue
            if done_at is not None and done_at <= t:
                break
            groups.setdefault(t, []).append((d, due, plan))
            break
    out = []
    for t in sorted(groups):
        doses = groups[t]
        dose_ids = tuple((d.vaccine, d.dose) for d, _, _ in doses)
        names = ", ".join(f"{d.vaccine} dose {d.dose}" for d, _, _ in doses)
        out.append(
            Finding(
                rule="immunisation-overdue",
                alert_id=make_alert_id("immunisation-overdue", v.nhs_number, iso(t), *(f"{a}:{b}" for a, b in dose_ids)),
                raised_at=t,
                fires_at=t,
                evidence=evidence_of(*(p for _, _, p in doses)),
                trigger_keys=tuple(sorted({p.key for _, _, p in doses})),
                summary=f"Routine immunisations more than {cfg.immunisation_grace_days} days overdue for a child on a plan "
                f"({names}): contact the family to book them and review at the next core group.",
                details={"doses": [{"vaccine": d.vaccine, "dose": d.dose, "due": due.isoformat()} for d, due, _ in doses]},
                doses=dose_ids,
            )
        )
    return out


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


def _missed_finding(v: ChildView, cfg: RulesConfig, ep: dict) -> Finding:
    last = ep["last"]
    end = last[len(last) - cfg.missed_count].fact.start + cfg.missed_window
    if ep.get("end_at") is not None:
        end = min(end, ep["end_at"])
    items = ep["items"]
    return Finding(
        rule="missed-appointments",
        alert_id=make_alert_id("missed-appointments", v.nhs_number, *sorted(i.key for i in items)),
        raised_at=ep["start"],
        fires_at=None,
        evidence=evidence_of(*items),
        trigger_keys=tuple(sorted(i.key for i in items)),
        summary=f"{len(items)} appointments missed within {cfg.missed_window.days} days: follow up with the family "
        "and treat non-attendance as a safeguarding concern.",
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
                    alert_id=make_alert_id("child-not-seen", v.nhs_number, plans[0].key, iso(anchor)),
                    raised_at=deadline,
                    fires_at=deadline,
                    evidence=evidence_of(*plans, anchor_item),
                    trigger_keys=tuple(p.key for p in plans) + ((anchor_item.key,) if anchor_item else ()),
                    summary=f"A child on a child protection plan has not been seen for more than "
                    f"{cfg.not_seen_working_days} working days: make an unannounced visit and see the child, alone if possible.",
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
                alert_id=make_alert_id("cumulative-risk", v.nhs_number, iso(start), *keys),
                raised_at=raised,
                fires_at=raised if raised > start else None,
                evidence=evidence_of(*sorted(items, key=lambda i: (i.fact.effective, i.key))),
                trigger_keys=keys,
                summary=f"{len(codes)} distinct risk factors recorded for this child or household within "
                f"{cfg.risk_window_months} months ({', '.join(codes)}): review them together in a multi-agency discussion.",
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
                alert_id=make_alert_id("unsafe-step-down", v.nhs_number, pe.key),
                raised_at=f.end,
                fires_at=None,
                evidence=evidence_of(pe, *recent, *missed),
                trigger_keys=(pe.key,),
                summary="A plan was closed to social care with no step-down plan although risk factors or missed "
                f"appointments were recorded in the {cfg.step_down_lookback_months} months before: review the closure.",
                details={
                    "plan_type": f.plan_type,
                    "period_end": iso(f.end),
                    "risk_factors": sorted({c.fact.code for c in recent}),
                    "missed_appointments": len(missed),
                },
            )
        )
    return out


RULES: tuple[Rule, ...] = (
    Rule(
        "non-mobile-bruising", "critical",
        "Practitioners did not recognise the significance of bruising/injuries in non-mobile babies (half sibling 2's two bruised eyes).",
        "Any injury observed on a child who is not independently mobile: under 6 calendar months unless assessed mobile, or any age if assessed not mobile.",
        "Refer to children's social care the same day, arrange a child protection medical by a paediatrician and hold a strategy discussion.",
        non_mobile_bruising,
    ),
    Rule(
        "injury-not-examined", "high",
        "When a child on a child protection plan sustains an injury it was not examined by a suitably qualified doctor (Child S's hand).",
        "An injury on a child on a CP plan with no medical examination starting within 24 hours of the observation.",
        "Arrange a child protection medical examination today and inform the lead social worker.",
        injury_not_examined,
    ),
    Rule(
        "immunisation-overdue", "medium",
        "Missed immunisations were an early sign of the family's non-engagement (half siblings 1 and 2).",
        "Scheduled doses not completed by 00:00 on day due + 28 for a child on a CP or CIN plan.",
        "Contact the family to book the overdue immunisations and review non-engagement at the next core group.",
        immunisation_overdue,
    ),
    Rule(
        "missed-appointments", "high",
        "A pattern of missed appointments continued: ten health appointments missed by eight weeks of age.",
        "The 3rd missed appointment within a rolling 90 days for a child under 1 year or on a plan.",
        "Follow up the missed appointments with the family and the lead professional; treat non-attendance as a safeguarding concern.",
        missed_appointments,
    ),
    Rule(
        "child-not-seen", "high",
        "A tight visiting plan was agreed but the children were not seen; they were later found home alone.",
        "A child on a CP plan not seen for more than 10 working days after the later of the plan start and the last visit.",
        "Make an unannounced home visit within 24 hours and see the child, alone where possible.",
        child_not_seen,
    ),
    Rule(
        "cumulative-risk", "high",
        "Inadequate recognition of interacting risk factors: domestic abuse, alcohol misuse, no antenatal care, parental care history, non-engagement.",
        "3 or more distinct risk-factor codes in the trailing 12 calendar months for the child or its household.",
        "Review the risk factors together in a multi-agency discussion and consider a strategy meeting or referral.",
        cumulative_risk,
    ),
    Rule(
        "unsafe-step-down", "medium",
        "When the case was closed to social care support was still needed and no step-down plan was in place.",
        "A plan ended closed to social care with no step-down plan although risk factors or missed appointments were recorded in the 6 months before.",
        "Review the closure decision and put an outcome-focused early help (step-down) plan in place.",
        unsafe_step_down,
    ),
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
