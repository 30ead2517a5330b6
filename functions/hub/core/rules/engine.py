"""The rules engine: apply a message, evaluate the child and its household, diff against the alert ledger."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from hub.core.messages import Message

from .calendars import iso, parse_iso
from .config import RulesConfig
from .repository import StateRepository
from .findings import Finding, Resolution, RuleContext, make_alert_id
from .plans import CP, plan_at
from .rules import immunisation_summary
from .state import ChildState
from .table import RULES, RULES_BY_ID

IMM = "immunisation-overdue"


@dataclass(frozen=True)
class Decision:
    records: list[dict]  # spec section 5 alert / resolution records
    states: list[ChildState]  # every child state changed (to put)
    # each change of a child's current registered GP or household this message made (for the audit):
    # {"nhs_number", "relationship": "registered-gp" | "household", "from", "to", "at" (iso), "message_id"}
    changes: list[dict] = field(default_factory=list)


def _resolution_entry(res: Resolution) -> dict:
    return {"resolved_at": iso(res.at), "reason": res.reason}


def _open(e: dict) -> bool:
    return not e.get("withdrawn") and not e.get("resolution")


def _match(state: ChildState, f: Finding) -> str | None:
    e = state.ledger.get(f.alert_id)
    if e is not None and not e.get("withdrawn"):
        return f.alert_id
    if f.by_episode:
        for aid, e in sorted(state.ledger.items()):
            if e["rule"] != f.rule or e.get("withdrawn"):
                continue
            at = parse_iso(e["raised_at"])
            if f.raised_at <= at and (f.episode_end is None or at < f.episode_end):
                return aid
    return None


def _lead_la(state: ChildState, config: RulesConfig, *times: datetime) -> str:
    """The lead social worker's local authority: of the child's CP plan (else CIN plan) at the first of
    ``times`` that has one, else the LA front door in configuration."""
    view = state.view()
    for t in times:
        plan = plan_at(view, t, (CP,)) or plan_at(view, t)
        if plan is not None and plan.fact.la_ods:
            return plan.fact.la_ods
    return config.la_front_door_ods


def _recipients(state: ChildState, f: Finding, config: RulesConfig, now: datetime) -> list[str]:
    if RULES_BY_ID[f.rule].recipients == "la":  # a notice for the lead social worker: the plan it was raised on
        return [_lead_la(state, config, f.raised_at, now)]
    out: list[str] = []
    for ods in (_lead_la(state, config, now), state.gp_ods, state.hv_ods):
        if ods and ods not in out:
            out.append(ods)
    return out


def _alert_record(state: ChildState, f: Finding, config: RulesConfig, now: datetime) -> dict:
    rule = RULES_BY_ID[f.rule]
    return {
        "type": "alert",
        "alert_id": f.alert_id,
        "rule": f.rule,
        "severity": rule.severity,
        "nhs_number": state.nhs_number,
        "raised_at": iso(f.raised_at),
        "detected_at": iso(now),
        "due_by": iso(now + config.due_delay(rule.severity)),
        "summary": f.summary,
        "recommended_action": rule.recommended_action,
        "evidence": list(f.evidence),
        "recipients": _recipients(state, f, config, now),
        "details": f.details,
    }


def _resolution_record(state: ChildState, alert_id: str, rule: str, res: Resolution) -> dict:
    return {
        "type": "resolved",
        "alert_id": alert_id,
        "rule": rule,
        "nhs_number": state.nhs_number,
        "resolved_at": iso(res.at),
        "reason": res.reason,
        "evidence": list(res.evidence),
    }


def _only_doses(f: Finding, doses: list[tuple[str, int]], nhs: str, config: RulesConfig) -> Finding:
    keep = set(doses)
    details = {"doses": [d for d in f.details["doses"] if (d["vaccine"], d["dose"]) in keep]}
    aid = make_alert_id(config.alert_key, IMM, nhs, iso(f.raised_at), *(f"{a}:{b}" for a, b in doses))
    return replace(f, alert_id=aid, doses=tuple(doses), details=details, summary=immunisation_summary(doses, config))


def _gone_reason(state: ChildState, entry: dict, cause: Message) -> Resolution:
    if entry["rule"] == "child-not-seen" and entry.get("since"):
        since, raised = parse_iso(entry["since"]), parse_iso(entry["raised_at"])
        for v in state.view().seen:
            if v.fact.seen and since <= v.fact.start < raised:
                return Resolution(v.fact.start, "seen", v.evidence)
    return Resolution(cause.timestamp, "withdrawn", (cause.message_id,))


def evaluate(
    state: ChildState,
    household: list[ChildState],
    config: RulesConfig,
    now: datetime,
    cause: Message | None = None,
) -> list[dict]:
    """Evaluate every rule for ``state`` (mutating its ledger and next_due) and return the new records."""
    view = state.view()
    hh = tuple(
        o.view() for o in household if state.household and o.nhs_number != state.nhs_number and o.household == state.household
    )
    ctx = RuleContext(view, hh, config)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.evaluate(ctx))
    findings.sort(key=lambda f: (f.raised_at, f.rule, f.alert_id))

    alerts: list[dict] = []
    resolutions: list[dict] = []
    matched: set[str] = set()
    current_doses = {d for f in findings if f.rule == IMM for d in f.doses}
    for f in findings:
        if f.rule != IMM:
            m = _match(state, f)
            if m:
                matched.add(m)
    for aid, e in state.ledger.items():
        if e["rule"] == IMM and any(tuple(d) in current_doses for d in e.get("doses", ())):
            matched.add(aid)

    # alerts whose facts no longer hold (a cancel or correction)
    if cause is not None:
        for aid, e in sorted(state.ledger.items()):
            if _open(e) and aid not in matched:
                res = _gone_reason(state, e, cause)
                if res.reason == "withdrawn":
                    e["withdrawn"] = True
                e["resolution"] = _resolution_entry(res)
                resolutions.append(_resolution_record(state, aid, e["rule"], res))

    alerted_doses = {tuple(d) for e in state.ledger.values() if e["rule"] == IMM and not e.get("withdrawn") for d in e.get("doses", ())}
    next_due: datetime | None = None

    def later(t: datetime) -> None:
        nonlocal next_due
        if next_due is None or t < next_due:
            next_due = t

    for f in findings:
        ready = f.fires_at is None or f.fires_at <= now
        if f.rule == IMM:
            fresh = [d for d in f.doses if d not in alerted_doses]
            if not fresh:
                continue
            if not ready:
                later(f.fires_at)
                continue
            if len(fresh) < len(f.doses):
                f = _only_doses(f, fresh, state.nhs_number, config)
            alerted_doses.update(fresh)
            state.ledger[f.alert_id] = {"rule": f.rule, "raised_at": iso(f.raised_at), "doses": [list(d) for d in fresh]}
            alerts.append(_alert_record(state, f, config, now))
            continue
        m = _match(state, f)
        if m is not None:
            e = state.ledger[m]
            if f.resolution is not None and not e.get("resolution"):
                e["resolution"] = _resolution_entry(f.resolution)
                resolutions.append(_resolution_record(state, m, f.rule, f.resolution))
            continue
        if not ready:
            later(f.fires_at)
            continue
        if f.resolution is not None and f.resolution.reason == "late-report":
            continue  # examined in time: the rule never became true
        entry = {"rule": f.rule, "raised_at": iso(f.raised_at)}
        if f.since is not None:
            entry["since"] = iso(f.since)
        state.ledger[f.alert_id] = entry
        alerts.append(_alert_record(state, f, config, now))
        if f.resolution is not None:
            entry["resolution"] = _resolution_entry(f.resolution)
            resolutions.append(_resolution_record(state, f.alert_id, f.rule, f.resolution))

    state.next_due = iso(next_due) if next_due is not None else None
    return alerts + resolutions


def _fingerprint(s: ChildState) -> tuple:
    return (s.next_due, repr(sorted((k, sorted(v.items(), key=str)) for k, v in s.ledger.items())))


def on_message(repo: StateRepository, msg: Message, *, config: RulesConfig, now: datetime) -> Decision:
    """Apply ``msg`` to its child, then evaluate the child and its household (old and new). Read-only on ``repo``."""
    nhs = msg.patient.nhs_number
    current = repo.get(nhs)
    child = current.copy() if current is not None else ChildState(nhs_number=nhs)
    old_household, old_gp = child.household, child.gp_ods
    child.apply(msg)
    changes = [{"nhs_number": nhs, "relationship": what, "from": old, "to": new, "at": iso(msg.timestamp),
                "message_id": msg.message_id}
               for what, old, new in (("registered-gp", old_gp, child.gp_ods), ("household", old_household, child.household))
               if old is not None and new != old]
    others: dict[str, ChildState] = {}
    for hh in sorted({h for h in (old_household, child.household) if h}):
        for s in repo.by_household(hh):
            if s.nhs_number != nhs and s.nhs_number not in others:
                others[s.nhs_number] = s.copy()
    group = [child] + [others[k] for k in sorted(others)]
    records: list[dict] = []
    changed: list[ChildState] = [child]
    for s in group:
        before = _fingerprint(s)
        records.extend(evaluate(s, [o for o in group if o is not s], config, now, msg))
        if s is not child and _fingerprint(s) != before:
            changed.append(s)
    return Decision(records=records, states=changed, changes=changes)


def on_tick(repo: StateRepository, *, config: RulesConfig, now: datetime, limit: int | None = None) -> Decision:
    """The sweep: evaluate only the children whose next_due <= now."""
    due = sorted(repo.due(now, limit), key=lambda s: (s.next_due or "", s.nhs_number))
    work: dict[str, ChildState] = {}
    records: list[dict] = []
    for s in due:
        st = work.get(s.nhs_number) or s
        household = []
        if st.household:
            household = [work.get(o.nhs_number, o) for o in repo.by_household(st.household) if o.nhs_number != st.nhs_number]
        records.extend(evaluate(st, household, config, now, None))
        work[st.nhs_number] = st
    return Decision(records=records, states=list(work.values()))
