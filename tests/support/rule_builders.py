"""Builders of ``Message`` objects and facts for the rules engine, and an in-memory hub with a hand-driven clock.

For tests and benchmarks (no validator needed); the event a fact belongs to comes from the event registry.
"""
from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.core.events import spec_for_fact
from hub.core.messages import (
    AppointmentFact,
    ConcernFact,
    ExaminationFact,
    ImmunisationFact,
    InjuryFact,
    Message,
    MobilityFact,
    PatientInfo,
    PlanFact,
    RegistrationFact,
    SeenFact,
)
from tests.support.nhs import nhs_number

__all__ = ["Child", "Hub", "appt", "at", "concern", "exam", "imm", "injury", "key", "mobility", "nhs_number",
           "plan_end", "plan_start", "seen"]

LONDON = ZoneInfo("Europe/London")
_NS = uuid.UUID("6f1c9c9e-0d7b-4d55-9a8e-1f1ad3a7b001")
_counter = itertools.count()
SYS = "https://agency.example/Id/record"


def at(s: str) -> datetime:
    """'2011-08-01T10:00' (London wall clock) or a string with an offset -> aware datetime."""
    dt = datetime.fromisoformat(s)
    return dt if dt.tzinfo else dt.replace(tzinfo=LONDON)


def key(v: str) -> str:
    return f"{SYS}|{v}"


def plan_start(k: str, start: str, plan_type: str = "child-protection-plan", category: str | None = "neglect",
               la: str = "LA123", care_manager: str = "SW1") -> PlanFact:
    return PlanFact(key=key(k), resource_id=k, status="active", plan_type=plan_type,
                    cp_category=category if plan_type == "child-protection-plan" else None,
                    start=at(start), la_ods=la, care_manager=care_manager)


def plan_end(k: str, end: str, closed: bool = True, step_down: bool = False, **kw) -> PlanFact:
    return PlanFact(key=key(k), resource_id=k, status="finished", end=at(end),
                    closed_to_social_care=closed, step_down_plan=step_down, **kw)


def injury(k: str, when: str, code: str = "bruise", status: str = "final") -> InjuryFact:
    return InjuryFact(key=key(k), resource_id=k, status=status, code=code, effective=at(when), body_site="face")


def exam(k: str, when: str, kind: str = "cp-medical", reasons: tuple[str, ...] = ()) -> ExaminationFact:
    return ExaminationFact(key=key(k), resource_id=k, type=kind, start=at(when), reason_keys=tuple(key(r) for r in reasons))


def imm(k: str, vaccine: str, dose: int, when: str, status: str = "completed") -> ImmunisationFact:
    return ImmunisationFact(key=key(k), resource_id=k, status=status, vaccine=vaccine, dose=dose, occurrence=at(when))


def appt(k: str, when: str, status: str = "noshow", service: str = "health-visiting", reason: str | None = None) -> AppointmentFact:
    return AppointmentFact(key=key(k), resource_id=k, status=status, cancel_reason=reason, service_type=service, start=at(when))


def seen(k: str, when: str, was_seen: bool = True, alone: bool = False) -> SeenFact:
    return SeenFact(key=key(k), resource_id=k, type="home-visit", start=at(when), seen=was_seen, seen_alone=alone)


def concern(k: str, code: str, when: str, status: str = "final") -> ConcernFact:
    return ConcernFact(key=key(k), resource_id=k, code=code, effective=at(when), status=status)


def mobility(k: str, mobile: bool, when: str) -> MobilityFact:
    return MobilityFact(key=key(k), resource_id=k, mobile=mobile, effective=at(when))


class Child:
    def __init__(self, nhs_number: str, birth: str, gp: str | None = "A81001", household: str | None = None):
        self.nhs_number = nhs_number
        self.birth = date.fromisoformat(birth)
        self.gp = gp
        self.household = household

    def patient(self, **over) -> PatientInfo:
        kw = {"nhs_number": self.nhs_number, "birth_date": self.birth, "gp_ods": self.gp, "household": self.household}
        kw.update(over)
        return PatientInfo(**kw)

    def msg(self, *facts, ts: str, event: str | None = None, event_type: str = "new", sender: str = "RX1",
            kind: str | None = None, mid: str | None = None, **patient_over) -> Message:
        if event is None:
            spec = spec_for_fact(facts[0])
            if spec is None:
                raise KeyError(type(facts[0]))
            event = spec.code
        mid = mid or str(uuid.uuid5(_NS, f"{self.nhs_number}-{next(_counter)}"))
        return Message(message_id=mid, bundle_id=mid, timestamp=at(ts), event=event, event_type=event_type,
                       sender_ods=sender, patient=self.patient(**patient_over), facts=tuple(facts), sender_kind=kind)

    def registered(self, ts: str, **kw) -> Message:
        p = self.patient(**{k: v for k, v in kw.items() if k in ("birth_date", "gp_ods", "household")})
        return self.msg(RegistrationFact(key=f"https://fhir.nhs.uk/Id/nhs-number|{self.nhs_number}",
                                         resource_id=self.nhs_number, patient=p), ts=ts, event="child-registered", **kw)


class Hub:
    """An in-memory rules engine with a hand-driven clock, for tests."""

    def __init__(self, config=None):
        from hub.core.rules import InMemoryStateRepository, RulesConfig

        self.repo = InMemoryStateRepository()
        self.config = config or RulesConfig()
        self.records: list[dict] = []

    def _take(self, decision) -> list[dict]:
        for s in decision.states:
            self.repo.put(s)
        self.records.extend(decision.records)
        return decision.records

    def send(self, msg: Message, now: datetime | str | None = None) -> list[dict]:
        from hub.core.rules import on_message

        now = at(now) if isinstance(now, str) else (now or msg.timestamp)
        return self._take(on_message(self.repo, msg, config=self.config, now=now))

    def tick(self, now: datetime | str) -> list[dict]:
        from hub.core.rules import on_tick

        now = at(now) if isinstance(now, str) else now
        return self._take(on_tick(self.repo, config=self.config, now=now))

    def advance(self, until: datetime | str) -> list[dict]:
        until = at(until) if isinstance(until, str) else until
        out: list[dict] = []
        while (due := self.repo.next_due()) is not None and due <= until:
            out += self.tick(due)
        return out

    def alerts(self, rule: str | None = None, nhs: str | None = None) -> list[dict]:
        return [r for r in self.records if r["type"] == "alert" and (rule is None or r["rule"] == rule)
                and (nhs is None or r["nhs_number"] == nhs)]

    def resolutions(self, rule: str | None = None) -> list[dict]:
        return [r for r in self.records if r["type"] == "resolved" and (rule is None or r["rule"] == rule)]
