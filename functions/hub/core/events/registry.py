"""The event registry: each of the hub's events (spec §4) declared once, as an ``EventSpec``.

Readers: validation (accepted kinds, focus type, where the focus names the child, the focus checks),
child state (the fact, its slot and view), routing (the code the policy's rules name, and the fact
fields that give the clinical time for age conditions), summaries, the JSON Schema export and the
example builders. Adding an event is one entry here, one focus module under
``hub.core.validation.events`` and the routing policy data (README, "Adding an event").

Import-light on purpose (``hub.core.messages`` imports it): the focus modules are imported on first
use, by dotted name, so this module never imports validation.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator

from hub.core.facts import (
    AppointmentFact,
    ConcernFact,
    ExaminationFact,
    ImmunisationFact,
    InjuryFact,
    MobilityFact,
    PlanFact,
    RegistrationFact,
    SeenFact,
)

FOCUS_MODULES = "hub.core.validation.events"


@dataclass(frozen=True)
class EventSpec:
    code: str  # MessageHeader.eventCoding.code
    focus_type: str  # the FHIR resource type of every MessageHeader.focus
    patient_element: str | None  # where the focus names the child ("participant.actor": one of a list); None: it is the Patient
    fact: type  # the fact (hub.core.facts) its focus check builds
    state_slot: str  # child state keeps each fact under "<slot>|<business key>"; unique per event
    summary: Callable[[Any], str]  # one non-identifying line per fact, for audit and chronologies
    accepted_from: frozenset[str] | None = None  # agency kinds that may send it; None: every kind
    clinical_time: tuple[str, ...] = ()  # fact fields giving its clinical time, first one set wins
    view: str | None = None  # the ChildView field listing its current facts for the rules; None: kept, not read
    fact_status: str | None = None  # the fact status it implies, telling apart events that share a fact class
    checks: str = ""  # dotted name of its focus module (check, focus_schema); default FOCUS_MODULES.<code>

    def __post_init__(self) -> None:
        if not self.checks:
            object.__setattr__(self, "checks", f"{FOCUS_MODULES}.{self.code.replace('-', '_')}")

    def focus_module(self) -> ModuleType:
        """The module with ``check(checker, resource, path, key, rid) -> fact`` and ``focus_schema(base) -> dict``."""
        return importlib.import_module(self.checks)


class EventRegistry:
    """An immutable, ordered set of events with the lookups its readers need."""

    def __init__(self, specs: Iterable[EventSpec]):
        self._specs = tuple(specs)
        self._by_code = {s.code: s for s in self._specs}
        self._by_slot = {s.state_slot: s for s in self._specs}
        if len(self._by_code) != len(self._specs) or len(self._by_slot) != len(self._specs):
            raise ValueError("every event needs its own code and its own child-state slot")
        self._by_fact: dict[type, tuple[EventSpec, ...]] = {}
        for s in self._specs:
            self._by_fact[s.fact] = self._by_fact.get(s.fact, ()) + (s,)

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def codes(self) -> tuple[str, ...]:
        return tuple(self._by_code)

    def get(self, code: object) -> EventSpec | None:
        return self._by_code.get(code) if isinstance(code, str) else None

    def for_slot(self, slot: str) -> EventSpec:
        return self._by_slot[slot]

    def for_fact(self, fact: object) -> EventSpec | None:
        """The event a fact belongs to; events sharing a fact class are told apart by ``fact_status``."""
        found = self._by_fact.get(type(fact), ())
        if len(found) > 1:
            status = getattr(fact, "status", None)
            return next((s for s in found if s.fact_status == status), found[0])
        return found[0] if found else None

    def with_spec(self, spec: EventSpec) -> "EventRegistry":
        """A new registry with one more event (to try an event out in a test)."""
        return EventRegistry((*self._specs, spec))


def _plan_summary(f: PlanFact) -> str:
    cat = f" ({f.cp_category})" if f.cp_category else ""
    return f"{f.plan_type or 'plan'}{cat} {f.status}"


def _registration_summary(f: RegistrationFact) -> str:
    return "registered" + (f" with GP {f.patient.gp_ods}" if f.patient and f.patient.gp_ods else "")


def _injury_summary(f: InjuryFact) -> str:
    site = f" ({f.body_site})" if f.body_site else ""
    return f"{f.code}{site}, status {f.status}"


def _seen_summary(f: SeenFact) -> str:
    return f"{f.type}: child {'seen' if f.seen else 'not seen'}{' alone' if f.seen_alone else ''}"


SOCIAL_CARE = frozenset({"social-care"})
# v1.1: the registered GP comes only from child-registered, so police (who hold no registration) may not send it
NOT_POLICE = frozenset({"gp", "health-visiting", "social-care", "hospital"})

REGISTRY = EventRegistry([
    EventSpec("child-registered", "Patient", None, RegistrationFact, "reg", _registration_summary,
              accepted_from=NOT_POLICE),
    EventSpec("plan-started", "EpisodeOfCare", "patient", PlanFact, "plan-start", _plan_summary,
              accepted_from=SOCIAL_CARE, clinical_time=("start", "end"), view="plans", fact_status="active"),
    EventSpec("plan-ended", "EpisodeOfCare", "patient", PlanFact, "plan-end", _plan_summary,
              accepted_from=SOCIAL_CARE, clinical_time=("start", "end"), view="plan_ends", fact_status="finished"),
    EventSpec("injury-observed", "Observation", "subject", InjuryFact, "injury", _injury_summary,
              clinical_time=("effective",), view="injuries"),
    EventSpec("medical-examination", "Encounter", "subject", ExaminationFact, "exam",
              lambda f: f"{f.type} started {f.start.isoformat()}",
              accepted_from=frozenset({"gp", "hospital"}), clinical_time=("start",), view="exams"),
    EventSpec("immunisation-recorded", "Immunization", "patient", ImmunisationFact, "imm",
              lambda f: f"{f.vaccine} dose {f.dose} {f.status}", clinical_time=("occurrence",), view="immunisations"),
    EventSpec("appointment-outcome", "Appointment", "participant.actor", AppointmentFact, "appt",
              lambda f: f"{f.service_type} appointment {'missed' if f.missed else f.status}",
              clinical_time=("start",), view="appointments"),
    EventSpec("child-seen", "Encounter", "subject", SeenFact, "seen", _seen_summary,
              clinical_time=("start",), view="seen"),
    EventSpec("concern-recorded", "Observation", "subject", ConcernFact, "concern", lambda f: f"concern: {f.code}",
              clinical_time=("effective",), view="concerns"),
    EventSpec("mobility-assessed", "Observation", "subject", MobilityFact, "mobility",
              lambda f: "independently mobile" if f.mobile else "not independently mobile",
              clinical_time=("effective",), view="mobility"),
])

# the ten codes of the contract; code that must also see an event a test adds reads event_specs()
EVENT_CODES: tuple[str, ...] = REGISTRY.codes()


# Readers go through these, so a test can try an event out by patching REGISTRY alone.
def event_spec(code: object) -> EventSpec | None:
    return REGISTRY.get(code)


def event_specs() -> tuple[EventSpec, ...]:
    return tuple(REGISTRY)


def spec_for_fact(fact: object) -> EventSpec | None:
    return REGISTRY.for_fact(fact)


def spec_for_slot(slot: str) -> EventSpec:
    return REGISTRY.for_slot(slot)
