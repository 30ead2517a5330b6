"""One-line, non-identifying descriptions of a message for chronologies and audit."""
from __future__ import annotations

from hub.core.messages import (
    AppointmentFact, ConcernFact, ExaminationFact, ImmunisationFact, InjuryFact, Message, MobilityFact,
    PlanFact, RegistrationFact, SeenFact,
)


def _fact_summary(f) -> str:
    if isinstance(f, InjuryFact):
        site = f" ({f.body_site})" if f.body_site else ""
        return f"{f.code}{site}, status {f.status}"
    if isinstance(f, ExaminationFact):
        return f"{f.type} started {f.start.isoformat()}"
    if isinstance(f, ImmunisationFact):
        return f"{f.vaccine} dose {f.dose} {f.status}"
    if isinstance(f, AppointmentFact):
        return f"{f.service_type} appointment {'missed' if f.missed else f.status}"
    if isinstance(f, SeenFact):
        return f"{f.type}: child {'seen' if f.seen else 'not seen'}{' alone' if f.seen_alone else ''}"
    if isinstance(f, ConcernFact):
        return f"concern: {f.code}"
    if isinstance(f, MobilityFact):
        return "independently mobile" if f.mobile else "not independently mobile"
    if isinstance(f, PlanFact):
        cat = f" ({f.cp_category})" if f.cp_category else ""
        return f"{f.plan_type or 'plan'}{cat} {f.status}"
    if isinstance(f, RegistrationFact):
        return "registered" + (f" with GP {f.patient.gp_ods}" if f.patient and f.patient.gp_ods else "")
    return type(f).__name__


def summarise(msg: Message) -> str:
    """A one-line, non-identifying description for chronologies and audit."""
    parts = "; ".join(_fact_summary(f) for f in msg.facts[:5])
    prefix = f"{msg.event}" + ("" if msg.event_type == "new" else f" ({msg.event_type})")
    return f"{prefix}: {parts}" if parts else prefix
