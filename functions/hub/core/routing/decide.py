"""Who receives a message: evaluate the routing policy against the child's state.

Pure: the caller passes the message, the child's state at routing time, the policy
and configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hub.core.events import spec_for_fact
from hub.core.messages import Message, PlanFact
from hub.core.routing.policy import Condition, Recipient, RoutingPolicy


@dataclass(frozen=True)
class ChildContext:
    """What the router knows about the child at routing time (from child state)."""

    on_cp_plan: bool
    on_plan: bool  # active CP or CIN plan
    la_ods: str | None  # lead social worker's local authority (managingOrganization of the active plan)
    gp_ods: str | None  # registered GP
    hv_ods: str | None  # latest health-visiting organisation seen for the child
    age_days: int | None  # child's age in days at the event's clinical time (None if unknown)
    plan: PlanFact | None = None  # the lead active plan (CP first), for the notifications the hub writes
    msg_plan: PlanFact | None = None  # the plan a plan-started/plan-ended message is about, start and end merged


@dataclass(frozen=True)
class RoutingConfig:
    la_front_door_ods: str = "LAFD001"  # social care recipient when the child has no lead LA
    default_hv_ods: str | None = None  # health visiting recipient when none known yet
    police_by_la: dict[str, str] = field(default_factory=dict)  # local authority ODS -> its police force's ODS


@dataclass(frozen=True)
class Disclosure:
    recipient_kind: str  # gp | health-visiting | police | social-care | hospital
    recipient_ods: str
    legal_basis: str  # e.g. "Children Act 1989 s47"
    profile: str  # minimisation profile name applied
    policy_rule: str  # id of the policy rule that matched
    policy_version: str
    content: str = "message"  # or a notification the hub writes (hub.core.routing.notifications)
    basis: str | None = None  # what a notification is one of (its disclosure id's seed); None: the message


@dataclass(frozen=True)
class Skipped:
    """A recipient a matching rule named but that gets no copy (for the audit)."""

    recipient_kind: str
    reason: str  # "unresolved" (no ODS known) | "sender" (NEMS: never back to the sender)
    ods_resolver: str
    policy_rule: str
    recipient_ods: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    disclosures: tuple[Disclosure, ...]
    skipped: tuple[Skipped, ...]


# ---- helpers -----------------------------------------------------------------------
_ANY_TIME = ("effective", "occurrence", "start", "end")  # a fact no registered event builds


def clinical_time(msg: Message) -> datetime:
    """The first focus fact's clinical time (its event's ``clinical_time`` fields), else the Bundle timestamp."""
    for fact in msg.facts:
        spec = spec_for_fact(fact)
        for attr in spec.clinical_time if spec is not None else _ANY_TIME:
            t = getattr(fact, attr, None)
            if isinstance(t, datetime):
                return t
    return msg.timestamp


def _london_date(t: datetime) -> date:
    if t.tzinfo is None:
        return t.date()
    try:
        from zoneinfo import ZoneInfo

        return t.astimezone(ZoneInfo("Europe/London")).date()
    except Exception:  # no tz database: UTC date is at most a day out
        return t.date()


def child_age_days(msg: Message, ctx: ChildContext) -> int | None:
    """The context's age, else computed from the message's birthDate and clinical time."""
    if ctx.age_days is not None:
        return ctx.age_days
    birth = msg.patient.birth_date if msg.patient else None
    if birth is None:
        return None
    return (_london_date(clinical_time(msg)) - birth).days


def notification_basis(content: str, msg: Message, ctx: ChildContext) -> str:
    """What one notification is one of: a plan flag per child, plan and day; an unscheduled care notification
    per child, hospital and day (the Europe/London day of the message's clinical time), so a hospital's
    second message about the same attendance, or a retry, sends nothing new."""
    day = _london_date(clinical_time(msg)).isoformat()
    if content == "plan-flag":
        return f"plan-flag|{msg.patient.nhs_number}|{ctx.plan.key if ctx.plan else '-'}|{day}"
    return f"{content}|{msg.patient.nhs_number}|{msg.sender_ods}|{day}"


def _holds(cond: Condition, msg: Message, ctx: ChildContext, age: int | None) -> bool:
    if cond.always:
        return True
    if cond.on_cp_plan is not None and ctx.on_cp_plan != cond.on_cp_plan:
        return False
    if cond.on_plan is not None and ctx.on_plan != cond.on_plan:
        return False
    # unknown age never satisfies an age limit: no basis established for the disclosure
    if cond.age_days_lt is not None and (age is None or age >= cond.age_days_lt):
        return False
    if cond.sender_kind_in is not None and msg.sender_kind not in cond.sender_kind_in:
        return False
    if cond.sender_kind_not_in is not None and msg.sender_kind in cond.sender_kind_not_in:
        return False
    if cond.plan_type_in is not None and (ctx.msg_plan is None or ctx.msg_plan.plan_type not in cond.plan_type_in):
        return False
    if cond.any_of is not None and not any(_holds(c, msg, ctx, age) for c in cond.any_of):
        return False
    return True


def _resolve(r: Recipient, msg: Message, ctx: ChildContext, config: RoutingConfig) -> str | None:
    if r.ods == "la":
        return ctx.la_ods or None
    if r.ods == "la_or_front_door":
        return ctx.la_ods or config.la_front_door_ods or None
    if r.ods == "gp":
        # v1.1: the registered GP comes only from child-registered (core/rules README, "Trust rules"): a
        # registration goes to the practice it names; any other message to the practice in child state
        if msg.event == "child-registered" and msg.patient is not None and msg.patient.gp_ods:
            return msg.patient.gp_ods
        # a child with no registered GP yet: this copy goes to the practice the sender's own Patient names (its
        # own data, for its own message; never kept, so it cannot redirect any other message)
        return ctx.gp_ods or (msg.patient.gp_ods if msg.patient else None) or None
    if r.ods == "hv":
        return ctx.hv_ods or config.default_hv_ods or None
    if r.ods == "police":
        # the force of the local authority whose plan the message is about, else of the lead plan's
        la = (ctx.msg_plan.la_ods if ctx.msg_plan else None) or ctx.la_ods
        return config.police_by_la.get(la) if la else None
    if r.ods == "sender":
        return msg.sender_ods or None
    raise AssertionError(f"unhandled ODS resolver {r.ods!r}")  # the policy model forbids others


# ---- public ------------------------------------------------------------------------
def plan_routing(msg: Message, ctx: ChildContext, policy: RoutingPolicy, config: RoutingConfig) -> RoutingDecision:
    """Disclosures plus the recipients skipped (unresolvable ODS, or the sender itself).

    Rules are taken in file order; the first rule that yields a given (kind, ODS, content)
    fixes its legal basis and profile. A notification the hub writes (content other than
    "message") may go to the sender: it is not the sender's message coming back.
    """
    age = child_age_days(msg, ctx)
    out: dict[tuple[str, str], Disclosure] = {}
    skipped: list[Skipped] = []
    for rule in policy.rules:
        if not rule.applies_to(msg.event) or not _holds(rule.when, msg, ctx, age):
            continue
        for r in rule.recipients:
            ods = _resolve(r, msg, ctx, config)
            if ods is None:
                skipped.append(Skipped(r.kind, "unresolved", r.ods, rule.id))
                continue
            if ods == msg.sender_ods and r.content == "message":
                skipped.append(Skipped(r.kind, "sender", r.ods, rule.id, ods))
                continue
            key = (r.kind, ods, r.content)
            if key in out:
                continue
            out[key] = Disclosure(
                recipient_kind=r.kind,
                recipient_ods=ods,
                legal_basis=policy.legal_bases[r.legal_basis],
                profile=policy.profile_name(r),
                policy_rule=rule.id,
                policy_version=policy.version,
                content=r.content,
                basis=None if r.content == "message" else notification_basis(r.content, msg, ctx),
            )
    # a skip is moot when another rule reached the same kind
    reached = {k for k, _, _ in out}
    skipped = [s for s in skipped if s.recipient_kind not in reached or s.reason == "sender"]
    return RoutingDecision(tuple(out.values()), tuple(dict.fromkeys(skipped)))


def decide(msg: Message, ctx: ChildContext, policy: RoutingPolicy, config: RoutingConfig) -> list[Disclosure]:
    """Who receives ``msg``: one Disclosure per (kind, ODS), never the sender's own ODS."""
    return list(plan_routing(msg, ctx, policy, config).disclosures)
