"""Shared by the benchmarks and tests/reliability: a synthetic cohort, an HTTP load driver, subprocess timing.

    from bench.common import synthetic_cohort, send_all, provision_keys

`synthetic_cohort` builds valid contract messages with the scenario builder of events/scenarios/build.py
(deterministic for a seed). mix="stateless" leaves out plans and health-visiting senders, so the routing
decision for each message depends on the message alone (the reliability suite compares deliveries with
`decide()`); mix="full" is a realistic blend including plans and health visiting.
"""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RISKS = ("domestic-abuse", "parental-alcohol-misuse", "parental-substance-misuse", "parental-mental-ill-health",
         "non-engagement", "child-found-unsupervised", "parent-intoxicated-in-charge")
INJURIES = ("bruise", "injury", "burn", "fracture", "bite-mark", "head-injury")
VACCINES = (("6-in-1", 1), ("6-in-1", 2), ("6-in-1", 3), ("rotavirus", 1), ("menb", 1), ("pcv", 1), ("mmr", 1))
END = date(2025, 10, 31)  # every clinical time sits before this, so messages stay valid whatever today is


def _builder():
    spec = importlib.util.spec_from_file_location("hub_scenario_build", ROOT / "events/scenarios/build.py")
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
    from hub.core.rules.testing import nhs_number

    b = _builder()
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


def sender_ods(body: bytes) -> str | None:
    from hub.cli.send import sender_ods as _sender_ods

    try:
        return _sender_ods(json.loads(body))
    except ValueError:
        return None


def provision_keys(agencies: list[dict], hub=None) -> dict[str, str]:
    """Issue one API key per agency on the running stack; returns {ods: bearer token}."""
    from hub.handlers import composition
    from hub.service.agencies import issue_key

    hub = hub or composition.current()
    now = datetime.now(timezone.utc)
    return {a["ods"]: issue_key(hub.agencies, a["ods"], a["kind"], now=now)[1] for a in agencies}


# ------------------------------------------------------------------------------------- HTTP load
@dataclass
class SendResult:
    index: int
    status: int | None  # final status (None: gave up on connection errors)
    attempts: int
    transient: list[int | str] = field(default_factory=list)  # statuses / errors that were retried
    body: dict | None = None


def post(api_url: str, body: bytes, token: str | None, *, content_type: str = "application/fhir+json",
         headers: dict | None = None, timeout: float = 60) -> tuple[int, dict]:
    h = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    req = urllib.request.Request(f"{api_url.rstrip('/')}/$process-message", data=body, method="POST", headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {"raw": raw.decode("utf-8", "replace")}


def _retryable(status: int, outcome: dict) -> bool:
    if status >= 500 or status == 429:
        return True
    # 409 "being processed; retry shortly" (idempotency record in progress), not 409 "different content"
    if status == 409:
        text = " ".join(i.get("diagnostics", "") for i in (outcome or {}).get("issue", []))
        return "retry" in text
    return False


def send_one(api_url: str, index: int, body: bytes, token: str | None, *, retry_for: float = 0.0) -> SendResult:
    """POST once, or, with retry_for > 0, retry 5xx/429/in-progress 409/connection errors with backoff
    (as an agency honouring Retry-After would) for up to that many seconds."""
    deadline = time.monotonic() + retry_for
    transient: list[int | str] = []
    attempt, delay = 0, 0.2
    while True:
        attempt += 1
        try:
            status, outcome = post(api_url, body, token)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            status, outcome = None, {"error": type(exc).__name__}
        if status is not None and not (retry_for and _retryable(status, outcome)):
            return SendResult(index, status, attempt, transient, outcome)
        transient.append(status if status is not None else outcome["error"])
        if time.monotonic() + delay > deadline:
            return SendResult(index, status, attempt, transient, outcome)
        time.sleep(delay)
        delay = min(delay * 2, 3.0)


def send_all(api_url: str, bodies: list[bytes], tokens: dict[str, str], *, workers: int = 4,
             retry_for: float = 0.0, copies: int = 1) -> list[SendResult]:
    """Send every body (each `copies` times, concurrently) as its sender; one result per POST."""
    jobs = [(i, b) for i, b in enumerate(bodies) for _ in range(copies)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: send_one(api_url, j[0], j[1], tokens.get(sender_ods(j[1]) or ""),
                                                 retry_for=retry_for), jobs))


# ------------------------------------------------------------------------------------- measurement
def fresh_python(code: str, *, env: dict | None = None, args: tuple[str, ...] = (), cwd: Path | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    return subprocess.run([PYTHON, *args, "-c", code], env=e, cwd=cwd or ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def median(xs) -> float:
    return statistics.median(list(xs))


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}",
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def table(headers: list[str], rows: list[list], *, title: str | None = None) -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda r: " | ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
    out = [f"### {title}"] if title else []
    out += [line(headers), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]
    return "\n".join(out)


class Quiet:
    """Keep the functions' JSON logs and metrics off the benchmark output."""

    def __enter__(self):
        self._old = {k: os.environ.get(k) for k in ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED",
                                                    "POWERTOOLS_TRACE_DISABLED")}
        os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_TRACE_DISABLED="true")
        return self

    def __exit__(self, *exc):
        for k, v in self._old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


