"""The table of rules: id, severity, the serious case review lesson behind each, what it fires on, its
recommended action (from alert-texts.yaml), who receives it and the RulesConfig fields that tune it.

Section 6's rules are in ``rules.py``, those beyond it in ``beyond.py``; the engine evaluates them in this order.
"""
from __future__ import annotations

from . import texts
from .beyond import parental_history, relationship_changed, serious_incident, was_not_brought
from .findings import Rule
from .rules import (
    child_not_seen,
    cumulative_risk,
    immunisation_overdue,
    injury_not_examined,
    missed_appointments,
    non_mobile_bruising,
    unsafe_step_down,
)

__all__ = ["RULES", "RULES_BY_ID"]


def _rule(rule_id: str, severity: str, lesson: str, explanation: str, evaluate, **kw) -> Rule:
    return Rule(rule_id, severity, lesson, explanation, texts.recommended_action(rule_id), evaluate, **kw)


RULES: tuple[Rule, ...] = (
    _rule("non-mobile-bruising", "critical",
          "Practitioners did not recognise the significance of bruising/injuries in non-mobile babies (half sibling 2's two bruised eyes).",
          "Any injury observed on a child who is not independently mobile: every child under 6 calendar months whatever an "
          "assessment says, and an older child whose latest mobility assessment at or before the injury says not mobile.",
          non_mobile_bruising, configuration=("non_mobile_age_months",)),
    _rule("injury-not-examined", "high",
          "When a child on a child protection plan sustains an injury it was not examined by a suitably qualified doctor (Child S's hand).",
          "An injury on a child on a CP plan with no child protection medical, and no examination naming that injury, "
          "starting within 24 hours of the observation.",
          injury_not_examined, configuration=("examination_window",)),
    _rule("immunisation-overdue", "medium",
          "Missed immunisations were an early sign of the family's non-engagement (half siblings 1 and 2).",
          "Scheduled doses not given by 00:00 on day due + 28 for a child on a CP or CIN plan; none for a dose the "
          "child is now too old to be given.",
          immunisation_overdue, configuration=("immunisation_grace_days", "schedule")),
    _rule("missed-appointments", "high",
          "A pattern of missed appointments continued: ten health appointments missed by eight weeks of age.",
          "The 3rd appointment the child was not brought to within a rolling 90 days, for a child under 1 year or on a plan.",
          missed_appointments, configuration=("missed_count", "missed_window", "missed_age_months")),
    _rule("child-not-seen", "high",
          "A tight visiting plan was agreed but the children were not seen; they were later found home alone.",
          "A child on a CP plan not seen for more than 10 working days after the later of the plan start and the last visit.",
          child_not_seen, configuration=("not_seen_working_days",)),
    _rule("cumulative-risk", "high",
          "Inadequate recognition of interacting risk factors: domestic abuse, alcohol misuse, no antenatal care, parental care history, non-engagement.",
          "3 or more distinct risk-factor codes in the trailing 12 calendar months for the child or its household.",
          cumulative_risk, configuration=("risk_count", "risk_window_months")),
    _rule("unsafe-step-down", "medium",
          "When the case was closed to social care support was still needed and no step-down plan was in place.",
          "A plan ended, closed to social care without a step-down plan, although risk factors were recorded or the child "
          "was not brought to appointments in the 6 months before.",
          unsafe_step_down, configuration=("step_down_lookback_months",)),
    # ---- beyond section 6 (beyond.py) ----
    _rule("serious-incident", "high",
          "Child S and half sibling 2 were found home alone; mother had been cautioned for being drunk in charge of a child.",
          "A child found without adequate supervision (any age), or a parent intoxicated while in charge of a child under 5: "
          "one incident is enough, whatever the plan status.",
          serious_incident, configuration=("serious_incidents",)),
    _rule("was-not-brought", "medium",
          "Appointments kept being missed while the children were on child protection plans, and no one saw the pattern "
          "until there were ten.",
          "Each appointment a child on a CP plan was not brought to (no-show, or cancelled by the family): a notice to the "
          "lead social worker's local authority.",
          was_not_brought, recipients="la", configuration=("was_not_brought_plans",)),
    _rule("parental-history", "high",
          "Mother's own childhood (a CP plan, then care) was recorded but practitioners could not get at her records.",
          "A parent's own care history (parent-care-history, whenever recorded, for the household) with any other risk "
          "factor recorded for the child or household in the trailing 12 months.",
          parental_history, configuration=("parental_history_code", "parental_history_window_months")),
    _rule("relationship-changed", "medium",
          "Frequent moves are themselves a risk signal, and a plan's contacts must follow the child.",
          "A change of registered GP practice (child-registered only) or of household for a child on a CP or CIN plan: a "
          "notice to the lead social worker's local authority.",
          relationship_changed, recipients="la", configuration=("relationship_plans",)),
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
