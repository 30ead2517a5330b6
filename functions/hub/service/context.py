"""What the router knows about a child when a message arrives, from stored state plus the message itself."""
from __future__ import annotations

from datetime import datetime

from hub.core.messages import Message, PlanFact
from hub.core.routing import ChildContext, clinical_time
from hub.core.rules import ChildState
from hub.ports import ChildStateStore

PLAN_TYPES = ("child-protection-plan", "child-in-need-plan")


def child_context(state: ChildState | None, msg: Message) -> ChildContext:
    state = state.copy() if state is not None else ChildState(nhs_number=msg.patient.nhs_number)
    state.apply(msg)  # a plan-started message already puts the child on the plan for its own routing
    view = state.view()

    def active_at(at: datetime) -> list:
        return [i.fact for i in view.plans
                if i.fact.plan_type in PLAN_TYPES and i.fact.start and i.fact.start <= at
                and (i.fact.end is None or i.fact.end > at)]

    # On a plan when the fact happened, or when it is shared (an earlier fact matters to a plan now open).
    active = active_at(clinical_time(msg)) or active_at(msg.timestamp)
    cp = [p for p in active if p.plan_type == "child-protection-plan"]
    lead = (cp or active or [None])[-1]
    # the plan a plan event is about, with its start and end merged (a plan-ended may not repeat type or LA)
    keys = {f.key for f in msg.facts if isinstance(f, PlanFact)}
    msg_plan = next((i.fact for i in view.plans + view.plan_ends if i.fact.key in keys), None)
    return ChildContext(
        on_cp_plan=bool(cp), on_plan=bool(active), la_ods=lead.la_ods if lead else None,
        gp_ods=state.gp_ods, hv_ods=state.hv_ods,
        age_days=None,  # decide() derives it from the message's birthDate and clinical time
        plan=lead, msg_plan=msg_plan)


def routing_context(state: ChildStateStore, msg: Message) -> ChildContext:
    return child_context(state.get(msg.patient.nhs_number), msg)
