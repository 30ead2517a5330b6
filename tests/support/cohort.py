"""A deterministic synthetic cohort of valid contract messages, for benchmarks and the reliability suite.

    from tests.support.cohort import synthetic_cohort

Built with the scenario builder of events/scenarios/build.py. mix="stateless" leaves out plans and
health-visiting senders, so the routing decision for each message depends on the message alone (the
reliability suite compares deliveries with `decide()`); mix="full" is a realistic blend including plans
and health visiting.
"""
from __future__ import annotations

import importlib.util
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tests.support.messages import EVENTS
from tests.support.nhs import nhs_number

RISKS = ("domestic-abuse", "parental-alcohol-misuse", "parental-substance-misuse", "parental-mental-ill-health",
         "non-engagement", "child-found-unsupervised", "parent-intoxicated-in-charge")
INJURIES = ("bruise", "injury", "burn", "fracture", "bite-mark", "head-injury")
VACCINES = (("6-in-1", 1), ("6-in-1", 2), ("6-in-1", 3), ("rotavirus", 1), ("menb", 1), ("pcv", 1), ("mmr", 1))
END = date(2025, 10, 31)  # every clinical time sits before this, so messages stay valid whatever today is


def scenario_builder():
    """events/scenarios/build.py as a module (Scenario, Kid, AGENCIES, ...); it is a script, not a package."""
    spec = importlib.util.spec_from_file_location("hub_scenario_build", EVENTS / "scenarios/build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@dataclass
class Cohort:
    bodies: list[bytes]
    nhs_numbers: list[str]
    birth_dates: list[str]
    agencies: list[dict]  # [{ods, kind}] for provisioning keys
    message_ids: list[str] = field(default_factory=list)


def synthetic_cohort(messages: int, children: int = 1000, *, seed: int = 0, mix: str = "full") -> Cohort:
    """`messages` valid messages about `children` children (at least one registration each when
    messages >= children), interleaved round-robin across children so neighbours concern different
    households. Same arguments, same bytes."""
    b = scenario_builder()
    rng = random.Random(seed)
    sc = b.Scenario(f"synthetic-{seed}-{mix}")
    children = max(1, min(children, messages))
    per_child = [messages // children + (1 if i < messages % children else 0) for i in range(children)]
    kids, births = [], []
    for i in range(children):
        birth = date(2023, 6, 1) + timedelta(days=rng.randrange(0, 700))
        kid = b.Kid(f"k{i}", i, birth.isoformat(), f"HH-SYN-{seed}-{i // 2}")  # two children per household
        kid.nhs = nhs_number(7_000_000 + seed * 10_000 + i)
        kids.append(kid)
        births.append(birth.isoformat())
    kinds_stateless = ("imm", "appt", "concern", "injury", "exam", "seen")
    kinds_full = kinds_stateless + ("hv-appt", "hv-concern", "mobility", "plan")
    per_kid_msgs: list[list[int]] = []
    for i, kid in enumerate(kids):
        start = datetime.combine(date.fromisoformat(kid.birth) + timedelta(days=9), datetime.min.time(),
                                 b.LONDON) + timedelta(hours=9)
        span = (datetime.combine(END, datetime.min.time(), b.LONDON) - start).total_seconds()
        n = per_child[i]
        times = sorted(start + timedelta(seconds=rng.uniform(3600, span)) for _ in range(max(0, n - 1)))
        first = len(sc.msgs)
        if n:
            sc.registered(kid, start)
        plan_open = None
        for k, when in enumerate(times):
            ref = f"{kid.label.upper()}-{k}"
            kind = rng.choice(kinds_full if mix == "full" else kinds_stateless)
            if kind == "imm":
                sc.immunisations(kid, f"IMM-{ref}", when, [rng.choice(VACCINES)])
            elif kind == "appt":
                sender = rng.choice(("gp", "hospital"))
                service = {"gp": "gp", "hospital": "hospital-outpatient"}[sender]
                sc.appointment(kid, sender, f"APT-{ref}", service, when, rng.choice(("fulfilled", "noshow")))
            elif kind == "concern":
                sc.concern(kid, rng.choice(("police", "social-care")), f"C-{ref}", rng.choice(RISKS), when)
            elif kind == "injury":
                sc.injury(kid, rng.choice(("gp", "hospital", "police")), f"INJ-{ref}", rng.choice(INJURIES),
                          "left arm", when, "Observed at a visit.")
            elif kind == "exam":
                sc.examination(kid, "hospital", f"EX-{ref}", when, None, rng.choice(("cp-medical", "doctor-examination")))
            elif kind == "seen":
                sc.seen(kid, "social-care", f"V-{ref}", when, was_seen=rng.random() < 0.8)
            elif kind == "hv-appt":
                sc.appointment(kid, "health-visiting", f"HVA-{ref}", "health-visiting", when,
                               rng.choice(("fulfilled", "noshow")))
            elif kind == "hv-concern":
                sc.concern(kid, "health-visiting", f"HVC-{ref}", rng.choice(RISKS), when)
            elif kind == "mobility":
                sc.mobility(kid, f"MOB-{ref}", rng.random() < 0.5, when)
            elif kind == "plan":
                if plan_open is None:
                    plan_open = (f"CPP-{ref}", when)
                    sc.plan_started(kid, plan_open[0], when, "child-protection-plan", "neglect")
                else:
                    sc.plan_ended(kid, plan_open[0], plan_open[1], when, "child-protection-plan", closed=False,
                                  step_down="child-in-need-plan")
                    plan_open = None
        per_kid_msgs.append(list(range(first, len(sc.msgs))))
    order: list[int] = []
    for k in range(max(per_child)):
        order += [idx[k] for idx in per_kid_msgs if k < len(idx)]
    bundles = [sc.msgs[i][3] for i in order]
    bodies = [json.dumps(bd, separators=(",", ":")).encode() for bd in bundles]
    return Cohort(bodies=bodies, nhs_numbers=[k.nhs for k in kids], birth_dates=births,
                  agencies=[{"ods": ods, "kind": kind} for kind, (ods, _) in b.AGENCIES.items()],
                  message_ids=[bd["entry"][0]["resource"]["id"] for bd in bundles])
