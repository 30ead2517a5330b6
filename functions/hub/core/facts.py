"""What an accepted message says about the child: one fact per focus resource, plus the child's Patient data.

Pure data, shared by validation (which builds facts), child state (which keeps them by business
identifier) and the rules. Which event yields which fact is declared in ``hub.core.events.registry``.

Fact keys: an ``update`` or ``cancel`` carries the same focus resource id and business identifier as
the original, so every fact is keyed by ``identifier_key`` ("<system>|<value>" of the focus resource's
first identifier). A later fact with the same key replaces the earlier one (``event_type == "update"``)
or withdraws it (``event_type == "cancel"``, or an Observation with status ``entered-in-error``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Union


@dataclass(frozen=True)
class PatientInfo:
    nhs_number: str
    birth_date: date | None = None
    gp_ods: str | None = None  # registered GP (ODS code), if sent
    household: str | None = None  # household identifier value, if sent


# ---- facts: one per focus resource --------------------------------------------
@dataclass(frozen=True)
class FactBase:
    key: str  # identifier_key: "<system>|<value>" of the focus resource's business identifier
    resource_id: str  # the focus resource's id


@dataclass(frozen=True)
class RegistrationFact(FactBase):
    patient: PatientInfo = None  # type: ignore[assignment]


@dataclass(frozen=True)
class PlanFact(FactBase):
    status: str = "active"  # EpisodeOfCare.status: active (plan-started) / finished (plan-ended)
    plan_type: str | None = None  # child-protection-plan | child-in-need-plan | early-help
    cp_category: str | None = None  # neglect | emotional-abuse | physical-abuse | sexual-abuse | multiple
    start: datetime | None = None
    end: datetime | None = None
    la_ods: str | None = None  # managingOrganization ODS code (local authority)
    care_manager: str | None = None  # lead social worker (display or identifier value)
    closed_to_social_care: bool | None = None
    step_down_plan: bool | None = None
    step_down_plan_type: str | None = None
    step_down_to_ods: str | None = None


@dataclass(frozen=True)
class InjuryFact(FactBase):
    status: str = "final"  # final | amended | entered-in-error
    code: str = "injury"  # hub injury concept code
    effective: datetime = None  # type: ignore[assignment]
    body_site: str | None = None


@dataclass(frozen=True)
class ExaminationFact(FactBase):
    type: str = "doctor-examination"  # cp-medical | doctor-examination
    start: datetime = None  # type: ignore[assignment]
    reason_keys: tuple[str, ...] = ()  # identifier_keys of the injuries examined, where known


@dataclass(frozen=True)
class ImmunisationFact(FactBase):
    status: str = "completed"  # completed | not-done
    vaccine: str = ""  # hub vaccine code
    dose: int = 1
    occurrence: datetime = None  # type: ignore[assignment]


@dataclass(frozen=True)
class AppointmentFact(FactBase):
    status: str = "fulfilled"  # fulfilled | noshow | cancelled
    cancel_reason: str | None = None  # "pat" counts as missed
    service_type: str = ""
    start: datetime = None  # type: ignore[assignment]

    @property
    def missed(self) -> bool:
        return self.status == "noshow" or (self.status == "cancelled" and self.cancel_reason == "pat")


@dataclass(frozen=True)
class SeenFact(FactBase):
    type: str = "home-visit"  # home-visit | clinic-contact
    start: datetime = None  # type: ignore[assignment]
    seen: bool = False
    seen_alone: bool = False


@dataclass(frozen=True)
class ConcernFact(FactBase):
    code: str = ""  # hub risk-factor code
    effective: datetime = None  # type: ignore[assignment]
    status: str = "final"


@dataclass(frozen=True)
class MobilityFact(FactBase):
    mobile: bool = False
    effective: datetime = None  # type: ignore[assignment]
    status: str = "final"


Fact = Union[
    RegistrationFact,
    PlanFact,
    InjuryFact,
    ExaminationFact,
    ImmunisationFact,
    AppointmentFact,
    SeenFact,
    ConcernFact,
    MobilityFact,
]
