"""Property: every message ingest accepts can be routed and evaluated. Accepted messages (the published
examples, mutations that stay within the contract's bounds, the wrapped UK Core examples) go through the
routing core (decide, minimise, readdress) and the rules core (on_message, on_tick now and years later), and
nothing raises: no value the router or the rules read can poison a queue (issue 12, "never a 5xx").

Default 150 examples (CI); FUZZ_EXAMPLES raises it for a long run.
"""
from __future__ import annotations

import copy
import json
import os
import string
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hub.core.identity import HUB_NAMESPACE, disclosure_id, sender_message_id
from hub.core.messages import Caller
from hub.core.routing import content_bundle, decide, minimise, readdress
from hub.core.rules import on_message, on_tick
from hub.core.validation import validate_message
from hub.core.validation.limits import EARLIEST_DATE, MAX_IDENTIFIER, MAX_TEXT
from hub.service.context import child_context
from tests.support.fakes import InMemoryChildStateStore
from tests.support.messages import VALIDATION_NOW, load_valid, sender_of, valid_example_paths
from tests.support.nhs import nhs_number
from tests.support.ukcore import ukcore_paths, wrap_ukcore
from tests.support.wiring import in_memory_ports

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = [p.name[: -len(".json")] for p in valid_example_paths()]
UKCORE = [json.loads(p.read_text()) for p in ukcore_paths()]
KIND_BY_ODS = {"A81001": "gp", "RX1": "hospital", "HV001": "health-visiting", "P42": "police", "LA123": "social-care"}
LATEST = VALIDATION_NOW + timedelta(minutes=5)
# beyond the bounds too: ingest must refuse what the router and the rules could not take
FIRST, LAST = datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
DAY = timedelta(hours=14)  # the widest zone offset: a wall time this far inside a bound stays inside in UTC
CLINICAL = ("effectiveDateTime", "occurrenceDateTime", "start")  # and period.start / period.end
HUB_PORTS = in_memory_ports()
POLICY, ROUTING, RULES = HUB_PORTS.routing_policy, HUB_PORTS.routing_config, HUB_PORTS.rules_config


# ---- strategies: values inside the contract's bounds, at their edges as often as not ----------------
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def instants(draw, lo: datetime, hi: datetime) -> str:
    """A full dateTime: a wall-clock time in [lo, hi] in any zone FHIR allows (so up to 14 hours either side
    of [lo, hi] in UTC, which is how 9999-12-31T23:59:59-14:00 reaches past the representable range)."""
    tz = draw(offsets)
    lo, hi = lo.replace(tzinfo=None), hi.replace(tzinfo=None)
    span = int((hi - lo).total_seconds())
    at = lo + timedelta(seconds=draw(st.one_of(st.just(0), st.just(span), st.integers(0, max(span, 0)))))
    return at.replace(tzinfo=tz).isoformat()


tokens = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-._/:|é字 ", min_size=1,
            max_size=MAX_IDENTIFIER).map(str.strip).filter(bool),
    st.text(max_size=MAX_IDENTIFIER * 2))  # anything: edge whitespace, line breaks, too long
free_text = st.text(min_size=1, max_size=MAX_TEXT).filter(lambda s: s.strip())


def _focus(bundle: dict) -> list[dict]:
    urls = {f["reference"] for f in bundle["entry"][0]["resource"]["focus"]}
    return [e["resource"] for e in bundle["entry"] if e["fullUrl"] in urls]


def _patient(bundle: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


@st.composite
def accepted_candidates(draw) -> dict:
    """An example (or a wrapped UK Core one) with any of its bounded values redrawn within the bounds."""
    if draw(st.booleans()):
        bundle = load_valid(draw(st.sampled_from(NAMES)))
    else:
        bundle = wrap_ukcore(copy.deepcopy(draw(st.sampled_from(UKCORE))))
    patient = _patient(bundle)
    wide = draw(st.integers(0, 3)) == 0  # a quarter of the messages may break the bounds
    if draw(st.booleans()):
        lo = FIRST if wide else datetime.combine(EARLIEST_DATE, datetime.min.time(), timezone.utc) + DAY
        bundle["timestamp"] = draw(instants(lo, LAST if wide else LATEST - DAY))
    if draw(st.booleans()):
        birth = draw(st.one_of(st.just(EARLIEST_DATE), st.just(VALIDATION_NOW.date()),
                               st.dates(EARLIEST_DATE, VALIDATION_NOW.date()),
                               st.dates(FIRST.date(), LAST.date()) if wide else st.nothing()))
        patient["birthDate"] = birth.isoformat()
        floor = max(date(max(birth.year - 1, 1), birth.month, min(birth.day, 28)), EARLIEST_DATE)
        lo = FIRST if wide else datetime.combine(floor, datetime.min.time(), timezone.utc) + timedelta(days=1)
        hi = LAST if wide else LATEST - DAY
        for res in _focus(bundle):
            for key in CLINICAL:
                if key in res:
                    res[key] = draw(instants(lo, hi))
            for key in ("start", "end"):
                if key in res.get("period", {}):
                    res["period"][key] = draw(instants(lo, hi))
    if draw(st.booleans()):
        patient["identifier"] = [{"system": "https://fhir.nhs.uk/Id/nhs-number",
                                  "value": nhs_number(draw(st.integers(0, 8_999_999)))}]
    if draw(st.booleans()):
        for x in patient.get("extension", []):
            if x["url"].endswith("/household"):
                x["valueIdentifier"]["value"] = draw(tokens)
    for res in _focus(bundle):
        if res["resourceType"] != "Patient" and res.get("identifier") and draw(st.booleans()):
            res["identifier"][0]["value"] = draw(tokens)
        if "bodySite" in res and draw(st.booleans()):
            res["bodySite"] = {"text": draw(free_text)}
        if res["resourceType"] == "Observation" and draw(st.booleans()):
            res["status"] = draw(st.sampled_from(["final", "amended", "entered-in-error"]))
    header = bundle["entry"][0]["resource"]
    kind = draw(st.sampled_from(["new", "new", "update", "cancel"]))
    if all(res.get("id") for res in _focus(bundle)):
        header["extension"][0]["valueCode"] = kind
    header["id"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4))
    return bundle


# ---- the flow a message takes after ingest, without I/O ------------------------------------------
def _ingest(bundle: dict):
    ods = sender_of(bundle)
    verdict = validate_message(json.dumps(bundle).encode(), content_type="application/fhir+json",
                               caller=Caller(ods, KIND_BY_ODS.get(ods, "gp")), now=VALIDATION_NOW)
    return verdict


def _route_and_evaluate(repo: InMemoryChildStateStore, msg, bundle: dict) -> int:
    ctx = child_context(repo.get(msg.patient.nhs_number), msg)
    copies = 0
    for d in decide(msg, ctx, POLICY, ROUTING):
        did = disclosure_id(d.basis or sender_message_id(msg.sender_ods, msg.message_id), d.recipient_kind,
                            d.recipient_ods)
        out = readdress(minimise(content_bundle(d, bundle, msg, ctx), d.profile, POLICY), d, new_message_id=did,
                        new_bundle_id=str(uuid.uuid5(HUB_NAMESPACE, f"bundle|{did}")))
        json.dumps(out)  # the copy must serialise, as the mailbox stores it
        copies += 1
    decision = on_message(repo, msg, config=RULES, now=VALIDATION_NOW)
    for state in decision.states:
        repo.put(state)  # encoded as the DynamoDB store keeps it: a state it cannot store is a poison message
    json.dumps(decision.records)
    return copies


def _sweep(repo: InMemoryChildStateStore) -> None:
    for later in (timedelta(0), timedelta(days=40), timedelta(days=3 * 366), timedelta(days=30 * 366)):
        decision = on_tick(repo, config=RULES, now=VALIDATION_NOW + later)
        for state in decision.states:
            repo.put(state)
        json.dumps(decision.records)


@FUZZ
@given(st.lists(accepted_candidates(), min_size=1, max_size=4))
def test_every_accepted_message_can_be_routed_and_evaluated(bundles):
    repo = InMemoryChildStateStore()
    verdicts = [(_ingest(b), b) for b in bundles]
    accepted = [(v.message, b) for v, b in verdicts if v.status == 202]  # only these reach the router
    assume(accepted)  # hypothesis fails the test if its messages were mostly rejected: never vacuous
    for msg, bundle in accepted:
        _route_and_evaluate(repo, msg, bundle)
    _sweep(repo)


@pytest.mark.parametrize("stamp,birth,clinical", [
    # the edges of every bound at once: the earliest birth and time the hub accepts, the latest sending time
    ((LATEST.astimezone(timezone(timedelta(hours=14)))).isoformat(), EARLIEST_DATE.isoformat(),
     "1900-01-01T00:00:00-14:00"),
    ("1900-01-01T00:00:00-14:00", EARLIEST_DATE.isoformat(), LATEST.astimezone(timezone(timedelta(hours=-14))).isoformat()),
    (LATEST.isoformat(), VALIDATION_NOW.date().isoformat(), LATEST.astimezone(timezone(timedelta(hours=14))).isoformat()),
])
@pytest.mark.parametrize("name", NAMES)
def test_messages_at_the_edges_of_the_bounds_are_accepted_routed_and_evaluated(name, stamp, birth, clinical):
    bundle = load_valid(name)
    bundle["timestamp"] = stamp
    _patient(bundle)["birthDate"] = birth
    for res in _focus(bundle):
        for key in CLINICAL:
            if key in res:
                res[key] = clinical
        for key in ("start", "end"):
            if key in res.get("period", {}):
                res["period"][key] = clinical
    verdict = _ingest(bundle)
    assert verdict.status == 202, verdict.outcome
    repo = InMemoryChildStateStore()
    _route_and_evaluate(repo, verdict.message, bundle)
    _sweep(repo)
