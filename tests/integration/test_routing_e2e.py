"""Issue 5, done means: one message of every event code over HTTP, for a child on a CP plan and a child on no
plan; every agency's mailbox read back over the mailbox API with its own key and checked against the policy
(through `decide` and, independently, against what the issue says), for forbidden elements per minimisation
profile, and for exactly one delivery per recipient when a delivery fails once.

Runs on whatever stack the `stack` fixture gives (moto server, or LocalStack under `make test-localstack`,
where modules share one deployed stack): every child is new (random test-range NHS number, own household),
every message id is new, and only mailbox messages whose original message id is ours are counted."""
from __future__ import annotations

import copy
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from hub.cli.send import post_message
from hub.core.messages import EVENT_CODES, Caller
from hub.core.routing import ChildContext, decide, default_policy, minimise
from hub.core.validation import validate_message
from tests.support.agencies import AGENCY_KINDS
from tests.support.messages import EVENTS
from tests.support.nhs import nhs_number_999

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]

HUB = "https://safeguarding-hub.example/fhir"
HUB_VACCINE = f"{HUB}/CodeSystem/vaccine"
HUB_CONCEPT = f"{HUB}/CodeSystem/concept"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
ORIGINAL_ID_EXT = f"{HUB}/StructureDefinition/original-message-id"
GP, HV, LA, FRONT_DOOR, HOSPITAL, POLICE = "A81001", "HV001", "LA123", "LAFD001", "RX1", "P42"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RUN = uuid.uuid4()  # new ids on every run, so a shared LocalStack stack never replays them


def _hub():
    from hub.handlers import composition

    return composition.current()


# ---------------------------------------------------------------- test children and their messages
def _nhs_number(rng: random.Random) -> str:
    """A synthetic NHS number in the 999 test range with a valid Modulus 11 check digit."""
    return nhs_number_999(rng.randrange(10**6))


@dataclass
class Child:
    label: str
    nhs: str
    household: str
    sent: dict[str, dict] = field(default_factory=dict)  # event -> {"body", "msg", "sender"}


def _child(label: str) -> Child:
    rng = random.Random(f"{_RUN}|{label}")
    return Child(label, _nhs_number(rng), f"HH-{label.upper()}-{rng.randrange(10**6):06d}")


def _sender_org(bundle: dict) -> dict:
    ref = bundle["entry"][0]["resource"]["sender"]["reference"]
    return next(e["resource"] for e in bundle["entry"] if e["fullUrl"] == ref)


def _resources(bundle: dict, rtype: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _enrich_immunisation(bundle: dict) -> None:
    """Vaccine product detail that only health recipients may see (the published example carries none)."""
    imm = _resources(bundle, "Immunization")[0]
    imm["vaccineCode"]["coding"].append({"system": "https://dmd.nhs.uk", "code": "34765811000001105",
                                         "display": "Infanrix hexa vaccine suspension for injection"})
    imm["vaccineCode"]["text"] = "Infanrix hexa"
    imm.update({
        "lotNumber": "AB1234X", "expirationDate": "2027-01-31",
        "manufacturer": {"identifier": {"system": ODS, "value": "VM001"}, "display": "Vaccine Maker Ltd"},
        "site": {"coding": [{"system": "http://snomed.info/sct", "code": "368208006", "display": "Left upper arm"}]},
        "route": {"coding": [{"system": "http://snomed.info/sct", "code": "78421000", "display": "Intramuscular"}]},
        "doseQuantity": {"value": 0.5, "unit": "ml", "system": "http://unitsofmeasure.org", "code": "ml"},
        "note": [{"text": "Given in clinic room 2."}],
    })


def _enrich_concern(bundle: dict) -> None:
    _resources(bundle, "Observation")[0]["note"] = [{"text": "Officers attended a reported incident at the home."}]


def _early_help(bundle: dict) -> None:
    """Turn the example CP plan into an early-help plan: the child stays on no (CP or CIN) plan."""
    eoc = _resources(bundle, "EpisodeOfCare")[0]
    eoc["type"] = [{"coding": [{"system": HUB_CONCEPT, "code": "early-help"}]}]


# For the child on a CP plan (from 2026-06-01T10:00+01:00 to 2026-10-02T12:00+01:00), the examples dated
# before the plan are moved inside it, so everything about the child happens while it is on the plan.
_ON_PLAN_TIMES = {
    "child-registered": {"timestamp": "2026-06-02T09:15:00+01:00"},
    "mobility-assessed": {"timestamp": "2026-06-03T13:00:00+01:00",
                          "Observation.effectiveDateTime": "2026-06-03T10:00:00+01:00"},
    "immunisation-recorded": {"timestamp": "2026-06-05T12:00:00+01:00",
                              "Immunization.occurrenceDateTime": "2026-06-05T10:20:00+01:00"},
}


def _message(child: Child, event: str, *, on_plan: bool, sender: str | None = None) -> bytes:
    """The published example of `event`, made the child's own: new ids, NHS number and household."""
    text = (EVENTS / "valid" / f"{event}.json").read_text()
    text = text.replace("9990012008", child.nhs).replace("HH-0001", child.household)
    text = _UUID.sub(lambda m: str(uuid.uuid5(_RUN, f"{child.label}|{event}|{m.group(0)}")), text)
    bundle = json.loads(text)
    if sender:  # the same content from another agency
        org = _sender_org(bundle)
        org["identifier"] = [{"system": ODS, "value": sender}]
        org["name"] = f"Agency {sender}"
    if event == "immunisation-recorded":
        _enrich_immunisation(bundle)
    if event == "concern-recorded":
        _enrich_concern(bundle)
    if event in ("plan-started", "plan-ended") and not on_plan:
        _early_help(bundle)
    for path, value in (_ON_PLAN_TIMES.get(event, {}) if on_plan else {}).items():
        if path == "timestamp":
            bundle["timestamp"] = value
            continue
        rtype, element = path.split(".")
        for r in _resources(bundle, rtype):
            r[element] = value
    return json.dumps(bundle).encode()


def _validated(body: bytes):
    bundle = json.loads(body)
    ods = _sender_org(bundle)["identifier"][0]["value"]
    verdict = validate_message(body, content_type="application/fhir+json", caller=Caller(ods, AGENCY_KINDS[ods]),
                               now=datetime.now(timezone.utc))
    assert verdict.message is not None, (verdict.status, verdict.outcome)
    return verdict.message


def _send(stack, api_keys, child: Child, event: str, body: bytes) -> None:
    msg = _validated(body)
    status, outcome = post_message(stack.api_url, body, api_keys[msg.sender_ods])
    assert status == 202, (event, status, outcome)
    child.sent[event] = {"body": json.loads(body), "msg": msg, "sender": msg.sender_ods}


# ---------------------------------------------------------------- reading the mailboxes
NOTIFICATIONS = ("plan-flag", "unscheduled-care")  # what the hub itself writes (CP-IS): counted apart from copies


def _copies(disclosures) -> list:
    """The disclosures that are copies of the message, not notifications the hub writes."""
    return [d for d in disclosures if d.content == "message"]


_FRONT_DOOR_KEY: dict[str, str] = {}


def _key(api_keys: dict, ods: str, kind: str) -> str:
    """The agency's key; the LA front door (a recipient, never a scenario sender) gets one on first use."""
    if ods in api_keys:
        return api_keys[ods]
    if ods not in _FRONT_DOOR_KEY:
        from hub.service.agencies import issue_key

        _FRONT_DOOR_KEY[ods] = issue_key(_hub().agencies, ods, kind, now=datetime.now(timezone.utc))[1]
    return _FRONT_DOOR_KEY[ods]


def _read_mailboxes(stack, api_keys: dict, ours: set[str]) -> list[dict]:
    """Every delivered copy of one of `ours` (original message ids), read by each agency from its own mailbox
    over the mailbox API with its own key, and acknowledged."""
    from hub.cli.inbox import read_mailbox

    out = []
    for ods, kind in {**AGENCY_KINDS, FRONT_DOOR: "social-care"}.items():
        for m in read_mailbox(stack.api_url, _key(api_keys, ods, kind), acknowledge=True):
            s = m["summary"]
            if s["original_message_id"] in ours:
                assert s["kind"] == kind, (ods, s)
                out.append({"kind": s["kind"], "ods": ods, "event": s["event"], "original": s["original_message_id"],
                            "bundle": m["bundle"], "notification": s["event"] in NOTIFICATIONS})
    return out


# ---------------------------------------------------------------- forbidden elements per profile
_POLICE_ALLOWED = {
    "Patient": {"id", "identifier", "birthDate"},
    "Observation": {"id", "identifier", "status", "category", "code", "subject", "focus", "effectiveDateTime",
                    "effectivePeriod", "effectiveInstant", "effectiveTiming", "issued", "performer"},
    "Encounter": {"id", "identifier", "status", "class", "type", "subject", "period", "serviceProvider", "extension"},
    "Immunization": {"id", "identifier", "status", "vaccineCode", "patient", "occurrenceDateTime",
                     "occurrenceString"},
    "EpisodeOfCare": {"id", "identifier", "status", "type", "patient", "managingOrganization", "period",
                      "careManager", "extension"},
    "Appointment": {"id", "identifier", "status", "cancelationReason", "serviceType", "start", "end", "participant"},
    "RelatedPerson": {"id", "identifier", "patient", "relationship"},
    "Organization": {"id", "identifier", "active", "type", "name"},
    "*": {"id", "identifier"},
}
_SOCIAL_CARE_FORBIDDEN = ("lotNumber", "manufacturer", "expirationDate", "site", "route", "doseQuantity", "note",
                          "text")


def forbidden_elements(bundle: dict, profile: str) -> list[str]:
    """Elements the profile must not disclose, found in a delivered copy (written from docs/routing.md,
    not from the policy file, so a policy that leaks fails here)."""
    found = []
    for i, entry in enumerate(bundle.get("entry", [])):
        r, where = entry["resource"], f"entry[{i}].{entry['resource']['resourceType']}"
        rtype = r["resourceType"]
        if profile == "social-care" and rtype == "Immunization":
            found += [f"{where}.{el}" for el in _SOCIAL_CARE_FORBIDDEN if el in r or f"_{el}" in r]
            code = r.get("vaccineCode", {})
            found += [f"{where}.vaccineCode.text"] * ("text" in code)
            found += [f"{where}.vaccineCode.coding({c.get('system')})" for c in code.get("coding", [])
                      if c.get("system") != HUB_VACCINE]
        elif profile == "health-no-police-narrative" and rtype == "Observation":
            found += [f"{where}.{el}" for el in ("note", "text") if el in r]
        elif profile == "police" and rtype != "MessageHeader":
            allowed = _POLICE_ALLOWED.get(rtype, _POLICE_ALLOWED["*"]) | {"resourceType"}
            found += [f"{where}.{el}" for el in r if el.lstrip("_") not in allowed]
            for el in ("code", "type", "serviceType", "vaccineCode"):
                for cc in (r.get(el) if isinstance(r.get(el), list) else [r.get(el)]):
                    found += [f"{where}.{el}.coding({c.get('system')})" for c in (cc or {}).get("coding", [])
                              if c.get("system") not in (HUB_CONCEPT, HUB_VACCINE)]
        elif profile not in ("health", "social-care", "health-no-police-narrative", "police"):
            found.append(f"unknown profile {profile}")
    return found


# ---------------------------------------------------------------- the expectations the issue states
def _expected_by_issue(child: str, event: str, sender: str) -> set[tuple[str, str]]:
    """(kind, ODS) recipients, written from issue 5 and docs/routing.md, independently of decide()."""
    core = {("social-care", LA), ("gp", GP), ("health-visiting", HV)}
    if child == "cp":  # everything about a child on a CP plan goes to the lead LA, the GP and health visiting
        want = core
    else:
        want = {
            "child-registered": {("health-visiting", HV), ("gp", GP)},
            "plan-started": {("gp", GP), ("health-visiting", HV)},
            "plan-ended": {("gp", GP), ("health-visiting", HV)},
            # an injury to a baby under 1 goes to social care (the front door: no plan), the GP and HV
            "injury-observed": {("social-care", FRONT_DOOR), ("gp", GP), ("health-visiting", HV)},
            "medical-examination": {("social-care", FRONT_DOOR), ("gp", GP), ("health-visiting", HV)},
            # a police concern about an under-5 goes to social care and health visiting, not the GP
            "concern-recorded": {("social-care", FRONT_DOOR), ("health-visiting", HV)},
            # immunisations and appointments go to HV and the GP, to social care only while on a plan
            "immunisation-recorded": {("health-visiting", HV), ("gp", GP)},
            "appointment-outcome": {("health-visiting", HV), ("gp", GP)},
            "mobility-assessed": {("health-visiting", HV), ("gp", GP)},
            "child-seen": {("health-visiting", HV)},
        }[event]
    return {(k, o) for k, o in want if o != sender}  # never back to the sender


# The senders: each example's own, except the appointment outcome, sent by the hospital so that both the
# GP and health visiting are recipients (from HV001 the HV would be skipped as the sender).
_SENDER_OVERRIDE = {"appointment-outcome": HOSPITAL}


@pytest.fixture(scope="module")
def routed(stack, api_keys):
    """Both children's messages sent over HTTP and processed; their deliveries read from every mailbox."""
    cp, none = _child("cp"), _child("none")
    # the CP plan first, processed, so the child's state has it before anything else is routed
    _send(stack, api_keys, cp, "plan-started", _message(cp, "plan-started", on_plan=True))
    assert stack.runtime.drain(timeout=60)
    rest = [e for e in EVENT_CODES if e not in ("plan-started", "plan-ended")]
    for event in rest + ["plan-ended"]:
        _send(stack, api_keys, cp, event, _message(cp, event, on_plan=True, sender=_SENDER_OVERRIDE.get(event)))
    for event in ["child-registered", "plan-started"] + [e for e in rest if e != "child-registered"] + ["plan-ended"]:
        _send(stack, api_keys, none, event, _message(none, event, on_plan=False, sender=_SENDER_OVERRIDE.get(event)))
    assert stack.runtime.drain(timeout=120)
    ours = {s["msg"].message_id for c in (cp, none) for s in c.sent.values()}
    read = _read_mailboxes(stack, api_keys, ours)
    return {"cp": cp, "none": none, "deliveries": [d for d in read if not d["notification"]],
            "notifications": [d for d in read if d["notification"]]}


def _contexts(child: Child) -> ChildContext:
    if child.label == "cp":
        return ChildContext(on_cp_plan=True, on_plan=True, la_ods=LA, gp_ods=GP, hv_ods=HV, age_days=None)
    return ChildContext(on_cp_plan=False, on_plan=False, la_ods=None, gp_ods=GP, hv_ods=HV, age_days=None)


def test_routing_e2e_every_event_code_was_sent_for_both_children(routed):
    for label in ("cp", "none"):
        assert sorted(routed[label].sent) == sorted(EVENT_CODES)


@pytest.mark.parametrize("label", ["cp", "none"])
def test_routing_e2e_each_mailbox_holds_what_the_policy_says(routed, label):
    hub, child = _hub(), routed[label]
    for event, sent in child.sent.items():
        msg = sent["msg"]
        got = sorted((d["kind"], d["ods"]) for d in routed["deliveries"] if d["original"] == msg.message_id)
        # exactly one copy per recipient
        assert len(got) == len(set(got)), (event, got)
        # what decide() says for the child's situation (a hand-built context: plan, LA, GP, HV) ...
        expected = _copies(decide(msg, _contexts(child), hub.routing_policy, hub.routing_config))
        assert got == sorted((d.recipient_kind, d.recipient_ods) for d in expected), (label, event)
        # ... what it says from the state the hub actually kept ...
        from hub.service.context import routing_context

        stored = _copies(decide(msg, routing_context(hub.state, msg), hub.routing_policy, hub.routing_config))
        assert got == sorted((d.recipient_kind, d.recipient_ods) for d in stored), (label, event)
        # ... and what issue 5 says, written out by hand
        assert set(got) == _expected_by_issue(label, event, sent["sender"]), (label, event)
        # never back to the sender, never to police (the shipped policy has no police recipient)
        assert all(ods != sent["sender"] for _, ods in got)
        assert all(kind != "police" for kind, _ in got)


def test_routing_e2e_issue_examples_hold(routed):
    def recipients(label: str, event: str) -> set[str]:
        mid = routed[label].sent[event]["msg"].message_id
        return {d["ods"] for d in routed["deliveries"] if d["original"] == mid}

    # everything about the CP-plan child reaches the LA, the GP and HV (except whichever of them sent it)
    for event, sent in routed["cp"].sent.items():
        assert recipients("cp", event) == {LA, GP, HV} - {sent["sender"]}, event
    # a police concern about an under-5 goes to social care and health visiting
    assert recipients("none", "concern-recorded") == {FRONT_DOOR, HV}
    assert recipients("cp", "concern-recorded") >= {LA, HV}
    # an injury to a child under 1 goes to social care and the GP whatever the plan status
    assert recipients("none", "injury-observed") >= {FRONT_DOOR, GP}
    assert recipients("cp", "injury-observed") >= {LA, GP}
    # immunisations and appointments go to HV; to social care only while on a plan
    for event in ("immunisation-recorded", "appointment-outcome"):
        assert HV in recipients("none", event) and HV in recipients("cp", event)
        assert not recipients("none", event) & {LA, FRONT_DOOR}
        assert LA in recipients("cp", event)


@pytest.mark.parametrize("label", ["cp", "none"])
def test_routing_e2e_delivered_copies_are_minimised_and_readdressed(routed, label):
    hub, child = _hub(), routed[label]
    profiles_seen = set()
    for event, sent in child.sent.items():
        msg = sent["msg"]
        decided = {(d.recipient_kind, d.recipient_ods): d.profile
                   for d in _copies(decide(msg, _contexts(child), hub.routing_policy, hub.routing_config))}
        for d in (d for d in routed["deliveries"] if d["original"] == msg.message_id):
            bundle, profile = d["bundle"], decided[(d["kind"], d["ods"])]
            profiles_seen.add(profile)
            # no element the recipient's profile forbids
            assert forbidden_elements(bundle, profile) == [], (label, event, d["kind"])
            # social care never sees vaccine product detail, whatever profile the policy picked
            if d["kind"] == "social-care":
                assert forbidden_elements(bundle, "social-care") == [], (label, event)
            # re-addressed: a new MessageHeader id naming the original, the recipient as destination
            header = bundle["entry"][0]["resource"]
            assert header["id"] != msg.message_id
            assert {"url": ORIGINAL_ID_EXT, "valueId": msg.message_id} in header.get("extension", [])
            assert header["destination"][0]["receiver"]["identifier"]["value"] == d["ods"]
            assert "signature" not in bundle
            # and still a valid contract message
            verdict = validate_message(json.dumps(bundle).encode(), content_type="application/fhir+json",
                                       caller=None, now=datetime.now(timezone.utc))
            assert verdict.message is not None, (label, event, d["kind"], verdict.outcome)
    assert "social-care" in profiles_seen


def test_routing_e2e_minimisation_removes_what_the_original_had(routed):
    def copy_for(label: str, event: str, kind: str) -> dict:
        mid = routed[label].sent[event]["msg"].message_id
        [d] = [d for d in routed["deliveries"] if d["original"] == mid and d["kind"] == kind]
        return d["bundle"]

    # the originals carry the detail, so the checks above could fail
    imm_original = routed["cp"].sent["immunisation-recorded"]["body"]
    assert forbidden_elements(imm_original, "social-care")
    concern_original = routed["none"].sent["concern-recorded"]["body"]
    assert forbidden_elements(concern_original, "health-no-police-narrative")
    # social care gets the immunisation without product detail; the child's HV gets it all
    assert forbidden_elements(copy_for("cp", "immunisation-recorded", "social-care"), "social-care") == []
    hv_imm = _resources(copy_for("cp", "immunisation-recorded", "health-visiting"), "Immunization")[0]
    assert hv_imm["lotNumber"] == "AB1234X" and len(hv_imm["vaccineCode"]["coding"]) == 2
    # the police narrative reaches HV only when the child is on a plan (then the HV is in the core group)
    hv_none = _resources(copy_for("none", "concern-recorded", "health-visiting"), "Observation")[0]
    assert "note" not in hv_none and hv_none["code"]["coding"][0]["code"] == "domestic-abuse"
    hv_cp = _resources(copy_for("cp", "concern-recorded", "health-visiting"), "Observation")[0]
    assert hv_cp["note"] == _resources(routed["cp"].sent["concern-recorded"]["body"], "Observation")[0]["note"]
    sc_none = _resources(copy_for("none", "concern-recorded", "social-care"), "Observation")[0]
    assert "note" in sc_none  # children's social care keeps the narrative


def test_routing_e2e_every_disclosure_is_audited_once_with_its_basis(routed):
    ours = {s["msg"].message_id: label for label in ("cp", "none") for s in routed[label].sent.values()}
    audited = [r for r in _hub().audit.iter_records()
               if r["action"] == "message.routed" and r.get("message_id") in ours
               and r["details"].get("content", "message") == "message"]
    pairs = sorted((r["message_id"], r["recipient_kind"], r["recipient_ods"]) for r in audited)
    delivered = sorted((d["original"], d["kind"], d["ods"]) for d in routed["deliveries"])
    assert pairs == delivered
    assert all(r["legal_basis"] and r["details"]["profile"] for r in audited)
    nhs = {routed["cp"].nhs, routed["none"].nhs}
    assert not any(n in json.dumps(r) for r in audited for n in nhs)


def test_routing_e2e_police_profile_leaves_no_clinical_detail(routed):
    # No shipped rule routes to police; the profile is still applied to every message here, as a future
    # rule would, and must leave none of the clinical detail the originals carry.
    policy, leaked_in_originals = default_policy(), 0
    for label in ("cp", "none"):
        for event, sent in routed[label].sent.items():
            original = sent["body"]
            leaked_in_originals += bool(forbidden_elements(original, "police"))
            police_copy = minimise(copy.deepcopy(original), "police", policy)
            assert forbidden_elements(police_copy, "police") == [], (label, event)
            text = json.dumps(police_copy)
            for detail in ("lotNumber", "bodySite", "Bruise about 2 cm", "Officers attended", "Infanrix", "125667009"):
                assert detail not in text, (label, event, detail)
    assert leaked_in_originals >= 5  # the checker does find clinical detail in the originals


def test_routing_e2e_a_failed_delivery_still_delivers_exactly_once_per_recipient(stack, api_keys, monkeypatch):
    from hub.adapters.errors import MailboxError

    hub = _hub()
    # GIVEN a new baby, registered, and a bruise reported by the hospital
    child = _child("fault")
    _send(stack, api_keys, child, "child-registered", _message(child, "child-registered", on_plan=False))
    assert stack.runtime.drain(timeout=60)
    body = _message(child, "injury-observed", on_plan=False)
    injury_id = _validated(body).message_id
    # AND the router's delivery of the second copy of that message fails once
    real_deliver, sends = hub.mailboxes.deliver, []

    def flaky_deliver(message):
        if message.original_message_id == injury_id:
            sends.append(message.ods)
            if len(sends) == 2:
                raise MailboxError("injected delivery failure")
        return real_deliver(message)

    monkeypatch.setattr(hub.mailboxes, "deliver", flaky_deliver)
    # WHEN it is sent over HTTP and the stack retries the failed record
    _send(stack, api_keys, child, "injury-observed", body)
    assert stack.runtime.drain(timeout=120)
    monkeypatch.undo()
    # THEN the failure happened, and the record was retried
    assert len(sends) >= 3 and len(sends) - 1 == len(set(sends)), sends
    failed_recipient = sends[1]
    assert sends.count(failed_recipient) == 2
    # AND every recipient holds exactly one copy: social care (front door), the GP and health visiting
    delivered = [d for d in _read_mailboxes(stack, api_keys, {injury_id}) if not d["notification"]]
    got = sorted((d["kind"], d["ods"]) for d in delivered)
    assert got == sorted(_expected_by_issue("none", "injury-observed", HOSPITAL))
    msg = child.sent["injury-observed"]["msg"]
    assert got == sorted((d.recipient_kind, d.recipient_ods)
                         for d in _copies(decide(msg, _contexts(child), hub.routing_policy, hub.routing_config)))
    # AND each disclosure is audited once, and nothing was lost on the way to the rules function
    audited = [r for r in hub.audit.iter_records() if r["action"] == "message.routed" and r["message_id"] == injury_id
               and r["details"].get("content", "message") == "message"]
    assert sorted((r["recipient_kind"], r["recipient_ods"]) for r in audited) == got
    alerts = []
    while batch := hub.queues.receive(hub.settings.alerts_queue_url, max_messages=10):
        for m in batch:
            alerts.append(json.loads(m["Body"]))
            hub.queues.delete(hub.settings.alerts_queue_url, m["ReceiptHandle"])
    mine = [a for a in alerts if a.get("nhs_number") == child.nhs and a["type"] == "alert"]
    assert [(a["rule"], a["evidence"]) for a in mine] == [("non-mobile-bruising", [injury_id])]
