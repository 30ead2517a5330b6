"""Typed rule thresholds. Defaults are the values in spec section 6."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from .schedule import Schedule, default_schedule


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
