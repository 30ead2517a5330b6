"""The hub's normalised view of an accepted message, and the contract's names (URIs, agency kinds).

Validation (``hub.core.validation``) turns a FHIR message Bundle into a ``Message``; routing, rules
and audit work only on this shape plus the raw bundle. Pure data: no I/O, no clock. The facts a
message carries are in ``hub.core.facts`` (re-exported here); the events in ``hub.core.events``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from hub.core.events.registry import EVENT_CODES
from hub.core.facts import (
    AppointmentFact,
    ConcernFact,
    ExaminationFact,
    Fact,
    FactBase,
    ImmunisationFact,
    InjuryFact,
    MobilityFact,
    PatientInfo,
    PlanFact,
    RegistrationFact,
    SeenFact,
)

__all__ = [
    "AGENCY_KINDS", "AgencyKind", "AppointmentFact", "CS_CONCEPT", "CS_MESSAGE_EVENT", "CS_VACCINE", "Caller",
    "ConcernFact", "EVENT_CODES", "EXT_CASE_CLOSURE", "EXT_CHILD_SEEN", "EXT_CHILD_SEEN_ALONE", "EXT_EVENT_TYPE",
    "EXT_HOUSEHOLD", "EXT_ORIGINAL_MESSAGE", "EventType", "ExaminationFact", "Fact", "FactBase", "HUB",
    "ImmunisationFact", "InjuryFact", "Message", "MobilityFact", "NS_HOUSEHOLD", "NS_NHS_NUMBER", "NS_ODS",
    "PatientInfo", "PlanFact", "RegistrationFact", "SeenFact",
]

HUB = "https://safeguarding-hub.example/fhir"
CS_MESSAGE_EVENT = f"{HUB}/CodeSystem/message-event"
CS_CONCEPT = f"{HUB}/CodeSystem/concept"
CS_VACCINE = f"{HUB}/CodeSystem/vaccine"
EXT_EVENT_TYPE = f"{HUB}/StructureDefinition/message-event-type"
EXT_HOUSEHOLD = f"{HUB}/StructureDefinition/household"
EXT_CASE_CLOSURE = f"{HUB}/StructureDefinition/case-closure"
EXT_CHILD_SEEN = f"{HUB}/StructureDefinition/child-seen"
EXT_CHILD_SEEN_ALONE = f"{HUB}/StructureDefinition/child-seen-alone"
EXT_ORIGINAL_MESSAGE = f"{HUB}/StructureDefinition/original-message-id"
NS_NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
NS_ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NS_HOUSEHOLD = "https://safeguarding-hub.example/Id/household"

AgencyKind = Literal["gp", "health-visiting", "police", "social-care", "hospital"]
AGENCY_KINDS: tuple[str, ...] = ("gp", "health-visiting", "police", "social-care", "hospital")
EventType = Literal["new", "update", "cancel"]


@dataclass(frozen=True)
class Caller:
    """The authenticated sender, from the authorizer context (never the body)."""

    ods: str
    kind: str  # one of AGENCY_KINDS, or "commissioner" for audit readers


@dataclass(frozen=True)
class Message:
    """An accepted hub message, normalised."""

    message_id: str  # MessageHeader.id (idempotency key, evidence id)
    bundle_id: str
    timestamp: datetime  # Bundle.timestamp (aware)
    event: str  # an event code of hub.core.events.registry
    event_type: str  # new | update | cancel
    sender_ods: str
    patient: PatientInfo  # the child
    facts: tuple[Fact, ...] = ()
    sender_kind: str | None = None  # authenticated agency kind (None when validated without a caller)
    raw: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
