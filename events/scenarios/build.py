"""Generate the replay scenarios (deterministic: uuid5 ids, fixed clocks). Re-run after contract changes:

    .venv/bin/python events/scenarios/build.py [DIR]    # DIR defaults to events/scenarios/

child-s/  the Child S serious case review chronology (Surrey SCB) encoded as hub messages
control/  ordinary children whose records raise no alert
"""
from __future__ import annotations

import json
import sys
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.core.events import event_spec

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:  # run as a script: the repository root, for tests.support
    sys.path.insert(0, str(HERE.parents[1]))

from tests.support.nhs import nhs_number_999 as nhs_number  # noqa: E402  (valid, in the 999 test range)

HUB = "https://safeguarding-hub.example/fhir"
CS = f"{HUB}/CodeSystem/concept"
VAX = f"{HUB}/CodeSystem/vaccine"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
LONDON = ZoneInfo("Europe/London")
NS = uuid.UUID("3c5d0a4e-7c1b-5b7e-9a51-2f0c8f1e6a10")

AGENCIES = {
    "gp": ("A81001", "Riverside Medical Practice"),
    "hospital": ("RX1", "County Hospitals NHS Trust"),
    "health-visiting": ("HV001", "Northshire Health Visiting Service"),
    "police": ("P42", "Northshire Police"),
    "social-care": ("LA123", "Northshire Council Children's Services"),
}


def at(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=LONDON)


def fmt(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def concept(code: str) -> dict:
    return {"coding": [{"system": CS, "code": code}]}


class Kid:
    def __init__(self, label: str, seed: int, birth: str, household: str | None, gp: str = "A81001"):
        self.label, self.nhs, self.birth, self.household, self.gp = label, nhs_number(seed), birth, household, gp

    def patient(self) -> dict:
        p = {"resourceType": "Patient", "id": self.label,
             "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": self.nhs}],
             "birthDate": self.birth,
             "generalPractitioner": [{"identifier": {"system": ODS, "value": self.gp}}]}
        if self.household:
            p["extension"] = [{"url": f"{HUB}/StructureDefinition/household",
                               "valueIdentifier": {"system": "https://safeguarding-hub.example/Id/household",
                                                   "value": self.household}}]
        return p


class Scenario:
    def __init__(self, name: str):
        self.name = name
        self.msgs: list[tuple[datetime, int, str, dict]] = []
        self.counter = 0

    def u(self, *parts: str) -> str:
        return str(uuid.uuid5(NS, "/".join((self.name, *parts))))

    def ident(self, kind: str, value: str) -> list[dict]:
        return [{"system": f"https://{AGENCIES[kind][0].lower()}.agency.example/Id/records", "value": value}]

    def add(self, desc: str, event: str, kind: str, sent: datetime, kid: Kid, focus: list[dict],
            extra: list[dict] = (), event_type: str = "new") -> None:
        spec = event_spec(event)
        if spec is None or (spec.accepted_from is not None and kind not in spec.accepted_from):
            raise ValueError(f"{event} from {kind}: not a registered event, or not accepted from that kind")
        focus_is_patient = spec.patient_element is None
        self.counter += 1
        tag = f"{self.counter:04d}"
        ods, org_name = AGENCIES[kind]
        urls = {k: f"urn:uuid:{self.u(tag, k)}" for k in ("header", "sender", "patient")}
        focus_urls = [f"urn:uuid:{self.u(tag, 'focus', str(i))}" for i in range(len(focus))]
        extra_urls = [f"urn:uuid:{self.u(tag, 'extra', str(i))}" for i in range(len(extra))]
        refs = {"PATIENT": focus_urls[0] if focus_is_patient else urls["patient"], "SENDER": urls["sender"],
                **{f"EXTRA{i}": x for i, x in enumerate(extra_urls)}}

        def fix(node):
            if isinstance(node, dict):
                return {k: (refs.get(v, v) if k == "reference" else fix(v)) for k, v in node.items()}
            if isinstance(node, list):
                return [fix(v) for v in node]
            return node

        header = {
            "resourceType": "MessageHeader", "id": self.u(tag, "message-id"),
            "extension": [{"url": f"{HUB}/StructureDefinition/message-event-type", "valueCode": event_type}],
            "eventCoding": {"system": f"{HUB}/CodeSystem/message-event", "code": event},
            "source": {"name": org_name, "endpoint": f"https://{ods.lower()}.agency.example/fhir",
                       "contact": {"system": "email", "value": f"safeguarding.{ods.lower()}@agency.example"}},
            "sender": {"reference": urls["sender"], "display": org_name},
            "focus": [{"reference": x} for x in focus_urls],
        }
        org = {"resourceType": "Organization", "id": f"org-{ods.lower()}",
               "identifier": [{"system": ODS, "value": ods}], "name": org_name}
        entries = [{"fullUrl": urls["header"], "resource": header}, {"fullUrl": urls["sender"], "resource": org}]
        if not focus_is_patient:
            entries.append({"fullUrl": urls["patient"], "resource": kid.patient()})
        entries += [{"fullUrl": x, "resource": fix(r)} for x, r in zip(focus_urls, focus)]
        entries += [{"fullUrl": x, "resource": fix(r)} for x, r in zip(extra_urls, extra)]
        bundle = {"resourceType": "Bundle", "id": self.u(tag, "bundle"), "type": "message",
                  "timestamp": fmt(sent), "entry": entries}
        self.msgs.append((sent, self.counter, f"{kid.label}-{desc}", bundle))

    # ---- events ----------------------------------------------------------------
    def registered(self, kid: Kid, sent: datetime) -> None:
        self.add("registered", "child-registered", "gp", sent, kid, [kid.patient()])

    def plan_started(self, kid: Kid, ref: str, start: datetime, plan_type: str, category: str | None,
                     delay: timedelta = timedelta(hours=3)) -> None:
        types = [{"system": CS, "code": plan_type}] + ([{"system": CS, "code": category}] if category else [])
        self.add(f"{plan_type}-started", "plan-started", "social-care", start + delay, kid, [{
            "resourceType": "EpisodeOfCare", "id": ref.lower(), "identifier": self.ident("social-care", ref),
            "status": "active", "type": [{"coding": types}], "patient": {"reference": "PATIENT"},
            "managingOrganization": {"reference": "SENDER"}, "period": {"start": fmt(start)},
            "careManager": {"reference": "EXTRA0", "display": "Lead social worker"},
        }], extra=[{"resourceType": "Practitioner", "id": "sw-1",
                    "identifier": [{"system": "https://la123.agency.example/Id/staff", "value": "SW-17"}]}])

    def plan_ended(self, kid: Kid, ref: str, start: datetime, end: datetime, plan_type: str, closed: bool,
                   step_down: str | None) -> None:
        closure = [{"url": "closedToSocialCare", "valueBoolean": closed},
                   {"url": "stepDownPlan", "valueBoolean": step_down is not None}]
        if step_down:
            closure += [{"url": "stepDownPlanType", "valueCode": step_down},
                        {"url": "stepDownTo", "valueReference": {"identifier": {"system": ODS, "value": "HV001"}}}]
        self.add(f"{plan_type}-ended", "plan-ended", "social-care", end + timedelta(hours=2), kid, [{
            "resourceType": "EpisodeOfCare", "id": ref.lower(), "identifier": self.ident("social-care", ref),
            "status": "finished", "extension": [{"url": f"{HUB}/StructureDefinition/case-closure", "extension": closure}],
            "type": [concept(plan_type)], "patient": {"reference": "PATIENT"},
            "managingOrganization": {"reference": "SENDER"}, "period": {"start": fmt(start), "end": fmt(end)},
        }])

    def concern(self, kid: Kid, kind: str, ref: str, code: str, when: datetime, delay=timedelta(hours=6)) -> None:
        self.add(code, "concern-recorded", kind, when + delay, kid, [{
            "resourceType": "Observation", "id": ref.lower(), "identifier": self.ident(kind, ref), "status": "final",
            "code": concept(code), "subject": {"reference": "PATIENT"}, "effectiveDateTime": fmt(when),
        }])

    def mobility(self, kid: Kid, ref: str, mobile: bool, when: datetime) -> None:
        self.add("mobility", "mobility-assessed", "health-visiting", when + timedelta(hours=4), kid, [{
            "resourceType": "Observation", "id": ref.lower(), "identifier": self.ident("health-visiting", ref),
            "status": "final", "code": concept("independently-mobile"), "subject": {"reference": "PATIENT"},
            "effectiveDateTime": fmt(when), "valueBoolean": mobile,
        }])

    def injury(self, kid: Kid, kind: str, ref: str, code: str, site: str, when: datetime, note: str,
               delay=timedelta(hours=3)) -> None:
        self.add(f"injury-{code}", "injury-observed", kind, when + delay, kid, [{
            "resourceType": "Observation", "id": ref.lower(), "identifier": self.ident(kind, ref), "status": "final",
            "code": concept(code), "subject": {"reference": "PATIENT"}, "effectiveDateTime": fmt(when),
            "bodySite": {"text": site},
            "performer": [{"identifier": {"system": ODS, "value": AGENCIES[kind][0]}, "display": AGENCIES[kind][1]}],
            "note": [{"text": note}],
        }])

    def examination(self, kid: Kid, kind: str, ref: str, when: datetime, injury: tuple[str, str] | None,
                    exam_type: str = "cp-medical") -> None:
        enc = {"resourceType": "Encounter", "id": ref.lower(), "identifier": self.ident(kind, ref), "status": "finished",
               "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
               "type": [concept(exam_type)], "subject": {"reference": "PATIENT"},
               "period": {"start": fmt(when), "end": fmt(when + timedelta(hours=1))}}
        if injury:
            enc["reasonReference"] = [{"identifier": self.ident(injury[0], injury[1])[0]}]
        self.add("examination", "medical-examination", kind, when + timedelta(hours=3), kid, [enc])

    def seen(self, kid: Kid, kind: str, ref: str, when: datetime, was_seen: bool = True, alone: bool = False) -> None:
        self.add("seen" if was_seen else "visit-not-seen", "child-seen", kind, when + timedelta(hours=4), kid, [{
            "resourceType": "Encounter", "id": ref.lower(), "identifier": self.ident(kind, ref),
            "extension": [{"url": f"{HUB}/StructureDefinition/child-seen", "valueBoolean": was_seen},
                          {"url": f"{HUB}/StructureDefinition/child-seen-alone", "valueBoolean": alone}],
            "status": "finished", "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "HH"},
            "type": [concept("home-visit")], "subject": {"reference": "PATIENT"}, "period": {"start": fmt(when)},
        }])

    def appointment(self, kid: Kid, kind: str, ref: str, service: str, when: datetime, status: str) -> None:
        appt = {"resourceType": "Appointment", "id": ref.lower(), "identifier": self.ident(kind, ref), "status": status,
                "serviceType": [concept(service)], "start": fmt(when), "end": fmt(when + timedelta(minutes=30)),
                "participant": [{"actor": {"reference": "PATIENT"},
                                 "status": "declined" if status != "fulfilled" else "accepted"}]}
        if status == "cancelled":
            appt["cancelationReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason",
                                                     "code": "pat"}]}
        self.add(f"appointment-{service}-{status}", "appointment-outcome", kind, when + timedelta(hours=5), kid, [appt])

    def immunisations(self, kid: Kid, ref: str, when: datetime, doses: list[tuple[str, int]]) -> None:
        focus = [{
            "resourceType": "Immunization", "id": f"{ref.lower()}-{i}", "identifier": self.ident("gp", f"{ref}-{i}"),
            "status": "completed", "vaccineCode": {"coding": [{"system": VAX, "code": v}]},
            "patient": {"reference": "PATIENT"}, "occurrenceDateTime": fmt(when),
            "protocolApplied": [{"doseNumberPositiveInt": d}],
        } for i, (v, d) in enumerate(doses)]
        self.add("immunisations", "immunisation-recorded", "gp", when + timedelta(hours=2), kid, focus)

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("[0-9]*.json"):
            old.unlink()
        for i, (_, _, desc, bundle) in enumerate(sorted(self.msgs, key=lambda m: (m[0], m[1])), start=1):
            (directory / f"{i:03d}-{desc}.json").write_text(json.dumps(bundle, indent=1) + "\n")
        agencies = [{"ods": ods, "kind": kind} for kind, (ods, _) in AGENCIES.items()]
        (directory / "agencies.json").write_text(json.dumps(agencies, indent=1) + "\n")


# ---- Child S ----------------------------------------------------------------------
HOUSEHOLD_S = "HH-SCR-S"
HS1 = Kid("hs1", 101, "2007-09-14", HOUSEHOLD_S)
HS2 = Kid("hs2", 202, "2010-06-12", HOUSEHOLD_S)
S = Kid("s", 303, "2011-08-01", HOUSEHOLD_S)
CRITICAL_INCIDENT = at("2011-10-12T10:00")


def child_s() -> Scenario:
    sc = Scenario("child-s")
    # 2007: domestic abuse (alleged in pregnancy, continuing after the birth); mother's own care history;
    # late health checks. The pregnancy allegations are not sent: a message cannot name an unborn child.
    sc.registered(HS1, at("2007-09-24T10:00"))
    sc.concern(HS1, "police", "INC-07-1015", "domestic-abuse", at("2007-10-15T22:30"))
    sc.concern(HS1, "social-care", "REF-07-1120", "parent-care-history", at("2007-11-20T11:00"))
    sc.appointment(HS1, "health-visiting", "HV-07-1126", "developmental-review", at("2007-11-26T10:00"), "noshow")
    sc.concern(HS1, "health-visiting", "HV-07-1205", "non-engagement", at("2007-12-05T15:00"))
    sc.immunisations(HS1, "IMM-HS1-1", at("2007-12-20T10:30"), [("5-in-1", 1), ("pcv", 1)])
    # 2008: caution for drunkenness in charge of a child; CP plan (neglect) Feb 2008; further domestic abuse
    sc.concern(HS1, "police", "INC-08-0118A", "parent-intoxicated-in-charge", at("2008-01-18T21:00"))
    sc.concern(HS1, "police", "INC-08-0118B", "parental-alcohol-misuse", at("2008-01-18T21:05"))
    cp1_start = at("2008-02-12T14:00")
    sc.plan_started(HS1, "CPP-HS1-1", cp1_start, "child-protection-plan", "neglect")
    for k in range(1, 27):  # fortnightly social work visits while on the CP plan
        sc.seen(HS1, "social-care", f"VIS-HS1-{k:02d}", cp1_start + timedelta(days=14 * k, hours=-3))
    sc.immunisations(HS1, "IMM-HS1-2", at("2008-03-04T10:30"), [("5-in-1", 2), ("menc", 1)])
    sc.immunisations(HS1, "IMM-HS1-3", at("2008-04-08T10:30"), [("5-in-1", 3), ("pcv", 2), ("menc", 2)])
    sc.concern(HS1, "police", "INC-08-0607", "domestic-abuse", at("2008-06-07T23:10"))
    sc.immunisations(HS1, "IMM-HS1-4", at("2008-10-01T10:30"), [("hib-menc", 1)])
    sc.concern(HS1, "police", "INC-08-1011", "parental-alcohol-misuse", at("2008-10-11T20:40"))
    sc.immunisations(HS1, "IMM-HS1-5", at("2008-11-05T10:30"), [("pcv", 3), ("mmr", 1)])
    # Feb 2009: no further domestic abuse; CP plan ends, stepped down to a child in need plan
    cp1_end = at("2009-02-17T12:00")
    sc.plan_ended(HS1, "CPP-HS1-1", cp1_start, cp1_end, "child-protection-plan", closed=False, step_down="child-in-need-plan")
    cin_start = at("2009-02-17T12:30")
    sc.plan_started(HS1, "CIN-HS1-1", cin_start, "child-in-need-plan", None)
    # May 2009: mother drunk in charge of half sibling 1 (found face down on a mattress, soiled nappy)
    sc.concern(HS1, "police", "INC-09-0516A", "parent-intoxicated-in-charge", at("2009-05-16T13:20"))
    sc.concern(HS1, "police", "INC-09-0516B", "parental-alcohol-misuse", at("2009-05-16T19:45"))
    sc.concern(HS1, "health-visiting", "HV-09-0930", "non-engagement", at("2009-09-30T16:00"))
    # June 2010: half sibling 2 born, no antenatal care; GP registration delayed; immunisations missed
    sc.concern(HS2, "hospital", "MAT-10-0612", "no-antenatal-care", at("2010-06-12T08:30"))
    sc.appointment(HS2, "gp", "APT-HS2-0810", "immunisation", at("2010-08-10T10:00"), "noshow")
    sc.concern(HS2, "health-visiting", "HV-10-0820", "non-engagement", at("2010-08-20T14:00"))
    sc.registered(HS2, at("2010-09-01T09:30"))
    sc.appointment(HS2, "gp", "APT-HS2-0914", "immunisation", at("2010-09-14T10:00"), "noshow")
    sc.concern(HS2, "police", "INC-10-0925", "domestic-abuse", at("2010-09-25T23:50"))
    sc.appointment(HS2, "gp", "APT-HS2-1012", "immunisation", at("2010-10-12T10:00"), "cancelled")
    sc.concern(HS2, "health-visiting", "HV-10-1115", "failure-to-thrive", at("2010-11-15T11:00"))
    sc.concern(HS2, "health-visiting", "HV-11-0110", "developmental-delay", at("2011-01-10T11:00"))
    # early 2011: half sibling 2 not mobile (developmental delay); two bruised eyes at the point of closure
    sc.mobility(HS2, "HV-MOB-11-0208", False, at("2011-02-08T10:30"))
    sc.injury(HS2, "health-visiting", "HV-INJ-11-0218", "bruise", "both eyes", at("2011-02-18T11:00"),
              "Two bruised eyes; mother said she fell from a sofa.", delay=timedelta(hours=4))
    sc.plan_ended(HS1, "CIN-HS1-1", cin_start, at("2011-02-22T12:00"), "child-in-need-plan", closed=True, step_down=None)
    sc.concern(HS2, "police", "INC-11-0305", "domestic-abuse", at("2011-03-05T22:15"))
    # August 2011: Child S born; all three children on CP plans (neglect / emotional abuse)
    sc.registered(S, at("2011-08-10T09:00"))
    cp_start = at("2011-08-24T15:00")
    for kid, cat in ((HS1, "emotional-abuse"), (HS2, "neglect"), (S, "neglect")):
        sc.plan_started(kid, f"CPP-{kid.label.upper()}-2", cp_start, "child-protection-plan", cat)
    sc.concern(S, "social-care", "CPC-11-0824", "parent-care-history", at("2011-08-24T15:30"))
    # the tight visiting plan: seen on 26 Aug, then no reply until 20 Sep, then not seen again before 12 Oct
    for kid in (HS1, HS2, S):
        up = kid.label.upper()
        sc.seen(kid, "social-care", f"VIS-{up}-0826", at("2011-08-26T11:00"))
        sc.seen(kid, "social-care", f"VIS-{up}-0907", at("2011-09-07T11:00"), was_seen=False)
        sc.seen(kid, "social-care", f"VIS-{up}-0920", at("2011-09-20T11:00"))
        sc.seen(kid, "social-care", f"VIS-{up}-1004", at("2011-10-04T15:00"), was_seen=False)
    # Child S: ten health appointments missed by eight weeks of age
    missed = [("hospital", "hospital-outpatient", "2011-08-08T09:30"), ("health-visiting", "health-visiting", "2011-08-12T10:00"),
              ("health-visiting", "health-visiting", "2011-08-19T10:00"), ("gp", "gp", "2011-08-23T11:00"),
              ("health-visiting", "health-visiting", "2011-08-30T10:00"), ("hospital", "hospital-outpatient", "2011-09-02T09:30"),
              ("health-visiting", "health-visiting", "2011-09-06T10:00"), ("gp", "gp", "2011-09-13T11:00"),
              ("health-visiting", "health-visiting", "2011-09-16T10:00"), ("health-visiting", "developmental-review", "2011-09-23T10:00")]
    for i, (kind, service, when) in enumerate(missed, start=1):
        sc.appointment(S, kind, f"APT-S-{i:02d}", service, at(when), "noshow")
    # injury to Child S's hand; mother encouraged to take him to the GP; that appointment not kept
    sc.injury(S, "health-visiting", "HV-INJ-11-1003", "injury", "right hand", at("2011-10-03T14:00"),
              "Swelling to the right hand; mother advised to see the GP.", delay=timedelta(hours=5))
    sc.appointment(S, "gp", "APT-S-11", "gp", at("2011-10-05T16:00"), "noshow")
    # 12 Oct 2011: unannounced visit; Child S and half sibling 2 found home alone; hospital examination
    for kid in (HS2, S):
        up = kid.label.upper()
        sc.seen(kid, "social-care", f"VIS-{up}-1012", CRITICAL_INCIDENT)
        sc.concern(kid, "social-care", f"FSW-{up}-1012", "child-found-unsupervised", CRITICAL_INCIDENT + timedelta(minutes=5),
                   delay=timedelta(hours=2))
    sc.injury(S, "hospital", "ED-11-1012", "bruise", "forehead", at("2011-10-12T12:30"),
              "Bruise to the forehead on arrival.", delay=timedelta(hours=2))
    sc.examination(S, "hospital", "CPM-11-1012", at("2011-10-12T15:00"), ("hospital", "ED-11-1012"))
    return sc


# ---- control cohort -----------------------------------------------------------------
def _on_time(sc: Scenario, kid: Kid, doses: list[tuple[str, int, int | None, int | None]], until: date) -> None:
    """Give every dose due before ``until`` one week after its due date, grouped by visit."""
    birth = date.fromisoformat(kid.birth)
    visits: dict[date, list[tuple[str, int]]] = {}
    for vaccine, dose, weeks, months in doses:
        if weeks is not None:
            due = birth + timedelta(weeks=weeks)
        else:
            y, m = divmod(birth.month - 1 + months, 12)
            due = date(birth.year + y, m + 1, min(birth.day, 28))
        given = due + timedelta(days=7)
        if given < until:
            visits.setdefault(given, []).append((vaccine, dose))
    for i, (day, group) in enumerate(sorted(visits.items())):
        sc.immunisations(kid, f"IMM-{kid.label.upper()}-{i}", datetime.combine(day, datetime.min.time(), LONDON) + timedelta(hours=10), group)


def schedule_of(kid: Kid) -> list[tuple[str, int, int | None, int | None]]:
    """The kid's cohort's doses, from the hub's schedule data (hub/data/immunisation-schedule.json)."""
    from hub.core.rules import default_schedule

    return [(d.vaccine, d.dose, d.weeks, d.months) for d in default_schedule().doses_for(date.fromisoformat(kid.birth))]


CONTROL_UNTIL = date(2026, 6, 30)


def control() -> Scenario:
    sc = Scenario("control")
    c1 = Kid("c1", 1001, "2025-02-10", "HH-C-1")
    c2 = Kid("c2", 1002, "2024-09-05", "HH-C-2")
    c3 = Kid("c3", 1003, "2025-01-20", "HH-C-3")
    c4 = Kid("c4", 1008, "2025-06-15", "HH-C-4")  # not 1004: nhs_number_999 gives 1003 and 1004 one number
    c5 = Kid("c5", 1005, "2025-03-03", "HH-C-5")
    c6 = Kid("c6", 1006, "2023-05-01", "HH-C-5")
    c7 = Kid("c7", 1007, "2025-03-01", "HH-C-7")
    c8 = Kid("c8", 1009, "2024-11-03", "HH-C-8")
    kids = (c1, c2, c3, c4, c5, c6, c7, c8)
    if len({k.nhs for k in kids}) != len(kids):
        raise ValueError("two control children share an NHS number")
    for kid in (c1, c2, c3, c4, c5, c7, c8):
        birth = date.fromisoformat(kid.birth)
        sc.registered(kid, datetime.combine(birth + timedelta(days=9), datetime.min.time(), LONDON) + timedelta(hours=9))
        _on_time(sc, kid, schedule_of(kid), CONTROL_UNTIL)
    sc.registered(c6, at("2023-05-12T09:00"))
    # c1: appointments kept
    for i, when in enumerate(("2025-04-07T10:00", "2025-05-05T10:00", "2026-02-16T10:00")):
        sc.appointment(c1, "health-visiting", f"APT-C1-{i}", "developmental-review", at(when), "fulfilled")
    # c2: a bruise at 11 months on a child assessed as independently mobile
    sc.mobility(c2, "HV-MOB-C2", True, at("2025-07-20T10:00"))
    sc.injury(c2, "gp", "GP-INJ-C2", "bruise", "left shin", at("2025-08-12T16:00"), "Bruise after a fall while cruising.")
    # c3: child in need plan, visits kept, closed with an early help step-down plan
    cin_start, cin_end = at("2025-04-01T10:00"), at("2025-09-30T12:00")
    sc.plan_started(c3, "CIN-C3", cin_start, "child-in-need-plan", None)
    sc.concern(c3, "health-visiting", "HV-C3-1", "parental-mental-ill-health", at("2025-03-20T11:00"))
    sc.appointment(c3, "health-visiting", "APT-C3-1", "health-visiting", at("2025-06-02T10:00"), "noshow")
    sc.plan_ended(c3, "CIN-C3", cin_start, cin_end, "child-in-need-plan", closed=True, step_down="early-help")
    # c4: two missed appointments in 90 days, the third more than 90 days after the first
    sc.appointment(c4, "health-visiting", "APT-C4-1", "health-visiting", at("2025-07-01T10:00"), "noshow")
    sc.appointment(c4, "gp", "APT-C4-2", "gp", at("2025-08-10T10:00"), "cancelled")
    sc.appointment(c4, "health-visiting", "APT-C4-3", "health-visiting", at("2025-09-29T10:01"), "noshow")
    # c5 and c6: one household, two distinct risk factors in 12 months
    sc.concern(c6, "police", "INC-C6-1", "domestic-abuse", at("2025-05-01T22:00"))
    sc.concern(c5, "health-visiting", "HV-C5-1", "parental-mental-ill-health", at("2025-06-01T11:00"))
    sc.concern(c6, "police", "INC-C6-2", "domestic-abuse", at("2025-10-01T22:00"))
    # c8: an ordinary child, not brought to one GP appointment, no concerns (MMR at 12 months, MMRV at 18)
    sc.appointment(c8, "gp", "APT-C8-1", "gp", at("2025-03-10T11:00"), "noshow")
    # c7: CP plan with weekly visits; an injury at 10 months examined the same day; assessed mobile
    cp_start = at("2025-12-01T10:00")
    sc.plan_started(c7, "CPP-C7", cp_start, "child-protection-plan", "physical-abuse")
    k = 1
    while (visit := cp_start + timedelta(days=7 * k, hours=1)).date() <= CONTROL_UNTIL - timedelta(days=2):
        sc.seen(c7, "social-care", f"VIS-C7-{k:02d}", visit)
        k += 1
    sc.mobility(c7, "HV-MOB-C7", True, at("2026-01-05T10:00"))
    sc.injury(c7, "hospital", "ED-C7", "burn", "right palm", at("2026-01-10T09:00"), "Small burn from a radiator.",
              delay=timedelta(hours=1))
    sc.examination(c7, "hospital", "CPM-C7", at("2026-01-10T13:00"), ("hospital", "ED-C7"))
    return sc


CHILD_S_UNTIL = "2011-10-14T00:00:00+01:00"
CONTROL_UNTIL_ISO = "2026-06-30T00:00:00+01:00"


def child_s_readme(d: Path = HERE / "child-s") -> str:
    """The README for child-s/, with the alert table computed by replaying the generated messages in ``d``."""
    from hub.core.replay import message_files, replay
    from hub.core.rules import RULES_BY_ID, RulesConfig
    from hub.core.rules.texts import dose

    agencies = json.loads((d / "agencies.json").read_text())
    result = replay(message_files(d), datetime.fromisoformat(CHILD_S_UNTIL), agencies, RulesConfig())
    if result.rejected:
        raise SystemExit(f"rejected: {[str(p) for p, _ in result.rejected]}")
    who = {HS1.nhs: "half sibling 1", HS2.nhs: "half sibling 2", S.nhs: "Child S"}
    rows = []
    for r in result.records:
        if r["type"] != "alert":
            continue
        raised = datetime.fromisoformat(r["raised_at"])
        days = (CRITICAL_INCIDENT - raised).total_seconds() / 86400
        extra = ", ".join(dose(x["vaccine"], x["dose"]) for x in r["details"].get("doses", []))
        rows.append(f"| {raised.astimezone(LONDON):%Y-%m-%d %H:%M} | {datetime.fromisoformat(r['detected_at']).astimezone(LONDON):%Y-%m-%d %H:%M} "
                    f"| {who[r['nhs_number']]} | `{r['rule']}` | {r['severity']} | {days:.1f} | {extra} |")
    resolved = [f"| {datetime.fromisoformat(r['resolved_at']).astimezone(LONDON):%Y-%m-%d %H:%M} | {who[r['nhs_number']]} | `{r['rule']}` | {r['reason']} |"
                for r in result.records if r["type"] == "resolved"]
    alerts = [r for r in result.records if r["type"] == "alert"]
    before = sum(1 for r in alerts if datetime.fromisoformat(r["raised_at"]) < CRITICAL_INCIDENT)
    first: dict[str, datetime] = {}
    for r in alerts:
        first.setdefault(r["rule"], datetime.fromisoformat(r["raised_at"]))
    beyond = ["serious-incident", "was-not-brought", "parental-history", "relationship-changed"]
    beyond_rows = [f"| `{rid}` | {RULES_BY_ID[rid].severity} | {sum(r['rule'] == rid for r in alerts)} | "
                   + (f"{first[rid].astimezone(LONDON):%Y-%m-%d %H:%M} |" if rid in first else "none |")
                   for rid in beyond]
    return "\n".join([
        "# Scenario: Child S",
        "",
        "Our encoding, as hub messages, of the chronology in the Surrey SCB serious case review *Learning from a serious case review: Child S*",
        "(`/work/shared/reference/child-s-scr.txt`). Dates the review gives only as a month or year are placed on plausible days;",
        "the children and all identifiers are synthetic. Generated by `events/scenarios/build.py` (do not edit the files by hand).",
        "",
        f"- Half sibling 1: born {HS1.birth}, NHS number {HS1.nhs}; CP plan Feb 2008 - Feb 2009, CIN plan Feb 2009 - Feb 2011 (closed with no step-down), CP plan Aug 2011.",
        f"- Half sibling 2: born {HS2.birth} (no antenatal care), NHS number {HS2.nhs}; GP registration late, immunisations missed, failure to thrive,",
        "  developmental delay, not mobile; two bruised eyes in Feb 2011; CP plan Aug 2011.",
        f"- Child S: born {S.birth}, NHS number {S.nhs}; CP plan 24 Aug 2011; ten appointments missed by eight weeks; hand injury 3 Oct 2011 never examined.",
        f"- Critical incident: {CRITICAL_INCIDENT:%Y-%m-%d %H:%M} (Europe/London), unannounced visit finds Child S and half sibling 2 home alone.",
        "",
        "Replay (agencies from `agencies.json`):",
        "",
        "```",
        f".venv/bin/safeguard replay events/scenarios/child-s --until {CHILD_S_UNTIL} --agencies events/scenarios/child-s/agencies.json",
        "```",
        "",
        f"## Alerts the hub raises ({before} before the critical incident)",
        "",
        "Times are Europe/London. *Days before* is from `raised_at` to the critical incident (negative: after it).",
        "",
        "| raised_at | detected_at | child | rule | severity | days before | doses |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## Rules beyond section 6 in this scenario",
        "",
        "Alert ids (not shown) are keyed: replay uses the public replay key, so its ids are the same on every machine",
        "but differ from a deployed or local stack's (compare those by rule, child and `raised_at`).",
        "",
        "| rule | severity | alerts | first raised |",
        "|---|---|---|---|",
        *beyond_rows,
        "",
        "- `serious-incident`: mother cautioned for being drunk in charge of half sibling 1 (Jan 2008), and drunk in charge",
        "  of half sibling 1 again (May 2009), both under 5; Child S and half sibling 2 found home alone (the critical incident).",
        "- `was-not-brought`: each appointment Child S was not brought to once on his CP plan (24 Aug 2011).",
        "- `parental-history`: mother's own CP plan and care as a child, recorded at the 2007 referral, with the",
        "  household's other risk factors; each child from birth. The review found her records could not be reached.",
        "- `relationship-changed`: none; the children's GP and household do not change in the review.",
        "",
        "## Resolutions",
        "",
        "| resolved_at | child | rule | reason |",
        "|---|---|---|---|",
        *resolved,
        "",
        "## Notes",
        "",
        "- `cumulative-risk` alerts once per episode: the household's distinct risk factors fall below three in some 12-month windows",
        "  (e.g. early 2009), so a later rise is a new episode. Child S is alerted from 00:00 on his birth date, the later of that and",
        "  the time the household count reached three.",
        "- Half sibling 2's immunisations were already overdue when she went onto the plan: one alert at the plan start lists them all.",
        "- Mother's own care history as a child (`parent-care-history`) is recorded by social care at the 2007 referral and again at",
        "  the 2011 conference: the review found practitioners could not get at it.",
        "",
    ])


def main(argv: list[str] | None = None) -> None:
    """``build.py [DIR]``: write the scenarios under DIR (default: next to this file)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else HERE
    child_s().write(root / "child-s")
    control().write(root / "control")
    (root / "child-s" / "README.md").write_text(child_s_readme(root / "child-s"))


if __name__ == "__main__":
    main()
