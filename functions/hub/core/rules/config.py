"""Typed rule thresholds. Defaults are the values in spec section 6 (and, for the rules beyond it, README)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from .schedule import Schedule, default_schedule

# The key of alert ids (HMAC-SHA256) when none is given: public, so only for `safeguard replay` and tests,
# whose ids must be the same on every machine. The rules service always replaces it with the hub's secret
# HMAC key, so a deployed hub's alert ids cannot be reversed to an NHS number by trying numbers.
REPLAY_ALERT_KEY = b"safeguarding-hub/replay/alert-id/v1"


@dataclass(frozen=True)
class RulesConfig:
    la_front_door_ods: str = "LAFD001"
    # non-mobile-bruising: younger than this many calendar months counts as not independently mobile
    non_mobile_age_months: int = 6
    # injury-not-examined: an examination must start within [observation, observation + window]
    examination_window: timedelta = timedelta(hours=24)
    # immunisation-overdue: a dose is overdue at 00:00 on day (due + grace_days)
    immunisation_grace_days: int = 28
    # missed-appointments: the n-th miss within a rolling window, for children under age_months or on a plan
    missed_count: int = 3
    missed_window: timedelta = timedelta(days=90)
    missed_age_months: int = 12
    # child-not-seen: working days without a seen visit on a CP plan
    not_seen_working_days: int = 10
    # cumulative-risk: distinct risk-factor codes in the trailing calendar months (child or household)
    risk_count: int = 3
    risk_window_months: int = 12
    # unsafe-step-down: look-back before period.end, calendar months
    step_down_lookback_months: int = 6
    # serious-incident: risk-factor code -> the child must be younger than this many calendar months
    # (None: any age)
    serious_incidents: dict = field(
        default_factory=lambda: {"child-found-unsupervised": None, "parent-intoxicated-in-charge": 60})
    # was-not-brought: the plan types on which each appointment the child was not brought to is a notice
    was_not_brought_plans: tuple[str, ...] = ("child-protection-plan",)
    # parental-history: the lasting code, and the window other risk factors must fall in (calendar months)
    parental_history_code: str = "parent-care-history"
    parental_history_window_months: int = 12
    # relationship-changed: the plan types on which a change of registered GP or household is a notice
    relationship_plans: tuple[str, ...] = ("child-protection-plan", "child-in-need-plan")
    # the legal basis (a routing-policy legal_bases id) recorded on the audit record of each alert
    alert_legal_basis: str = "safeguarding-alert"
    # HMAC key of alert ids (see REPLAY_ALERT_KEY)
    alert_key: bytes = field(default=REPLAY_ALERT_KEY, repr=False)
    # due_by = detected_at + delay by severity
    due_by: dict = field(
        default_factory=lambda: {
            "critical": timedelta(hours=4),
            "high": timedelta(hours=24),
            "medium": timedelta(days=5),
        }
    )
    schedule: Schedule = field(default_factory=default_schedule)

    def due_delay(self, severity: str) -> timedelta:
        return self.due_by[severity]
