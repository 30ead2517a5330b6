"""Issue 12's attacks on ingest, over HTTP on the embedded stack, each with an agency's valid key.

- a relationship hijack dated 9999-12-31T23:59:59-14:00: 422 at Bundle.timestamp (it used to crash the router);
- `9990012008\\n` as an NHS number and `A81001\\n` as an ODS code: 422 (it made a second child);
- a police key posing as a GP through a contained sender (`#o1`): 422 at MessageHeader.sender;
- `child-registered` from a police key: 403;
- a 2.75 MB body of bad entries: a capped OperationOutcome well under 1 MB (it was 22 MB);
- a UTF-8 BOM: a FHIR-worded 400;
- another agency reusing a MessageHeader.id: a distinct message, 202, routed, never a 409 (no oracle);
- ingest order: with the audit write or the enqueue failing once, nothing is routed without its
  `message.accepted` record, the retry is accepted, and there is one accepted record.

Every message gets fresh ids and a fresh child, so the module runs on a shared stack (LocalStack) too.
"""
from __future__ import annotations

import json
import random
import re
import urllib.error
import urllib.request
import uuid

import pytest

from hub.cli.send import post_message
from tests.support.messages import load_valid
from tests.support.nhs import nhs_number_999

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RNG = random.Random()
ONE_MB = 1024 * 1024


def _hub():
    from hub.handlers import composition

    return composition.current()


def fresh(name: str) -> dict:
    """events/valid/<name>.json with new UUIDs and a new child (test-range NHS number, own household)."""
    run = uuid.uuid4()
    text = _UUID.sub(lambda m: str(uuid.uuid5(run, m.group(0))), json.dumps(load_valid(name)))
    bundle = json.loads(text)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = nhs_number_999(_RNG.randrange(10**6))
    for x in patient.get("extension", []):
        if x["url"].endswith("/household"):
            x["valueIdentifier"]["value"] = f"HH-{run.hex[:12]}"
    return bundle


def body(bundle: dict) -> bytes:
    return json.dumps(bundle).encode()


def mid(bundle: dict) -> str:
    return bundle["entry"][0]["resource"]["id"]


def exprs(outcome: dict) -> set[tuple[str, str]]:
    return {(i["code"], e) for i in outcome["issue"] for e in i.get("expression", [])}


def records(action: str, message_id: str) -> list[dict]:
    return [r for r in _hub().audit.iter_records() if r["action"] == action and r.get("message_id") == message_id]


def post_raw(stack, data: bytes, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(f"{stack.api_url}/$process-message", data=data, method="POST",
                                 headers={"Content-Type": "application/fhir+json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ---- contract v1.1 at ingest ---------------------------------------------------------------------
def test_attack_relationship_hijack_dated_9999_is_refused_at_bundle_timestamp(stack, api_keys):
    # GIVEN a police concern naming GP EVIL01, "sent" at the end of time so that it would stay the latest
    b = fresh("concern-recorded")
    b["timestamp"] = "9999-12-31T23:59:59-14:00"
    patient = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["generalPractitioner"] = [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                                      "value": "EVIL01"}}]
    status, outcome = post_message(stack.api_url, body(b), api_keys["P42"])
    # THEN 422 at Bundle.timestamp, and nothing reached the router
    assert status == 422, outcome
    assert ("business-rule", "Bundle.timestamp") in exprs(outcome)
    assert records("message.accepted", mid(b)) == []


@pytest.mark.parametrize("where", ["nhs", "sender-ods"])
def test_attack_identifier_with_a_trailing_line_break_is_a_422(stack, api_keys, where):
    b = fresh("child-registered")
    if where == "nhs":
        target, path = b["entry"][2]["resource"]["identifier"][0], "Bundle.entry[2].resource.identifier[0].value"
    else:
        target, path = b["entry"][1]["resource"]["identifier"][0], "Bundle.entry[1].resource.identifier[0].value"
    target["value"] += "\n"
    status, outcome = post_message(stack.api_url, body(b), api_keys["A81001"])
    assert status == 422 and ("value", path) in exprs(outcome), outcome


def test_attack_contained_sender_cannot_pass_a_police_key_as_a_gp(stack, api_keys):
    b = fresh("concern-recorded")
    header = b["entry"][0]["resource"]
    header["contained"] = [{"resourceType": "Organization", "id": "o1", "identifier": [
        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "A81001"}]}]
    header["sender"] = {"reference": "#o1"}
    status, outcome = post_message(stack.api_url, body(b), api_keys["P42"])
    assert status == 422 and ("invalid", "Bundle.entry[0].resource.sender") in exprs(outcome), outcome
    assert records("message.accepted", mid(b)) == []


def test_attack_child_registered_from_police_is_forbidden(stack, api_keys):
    b = fresh("child-registered")
    b["entry"][1]["resource"]["identifier"][0]["value"] = "P42"  # the police force as the sender it is
    status, outcome = post_message(stack.api_url, body(b), api_keys["P42"])
    assert status == 403 and outcome["issue"][0]["code"] == "forbidden", outcome


def test_attack_a_275mb_body_of_bad_entries_gets_a_capped_reply(stack, api_keys):
    b = fresh("injury-observed")
    b["entry"] += [{"fullUrl": "x", "resource": {"resourceType": "Observation", "zz": 1}}] * 40_000
    data = body(b)
    assert len(data) >= 2.75 * 10**6
    status, raw = post_raw(stack, data, api_keys["RX1"])
    assert status == 422
    assert len(raw) < 64 * 1024 and json.loads(raw)["resourceType"] == "OperationOutcome"


def test_attack_many_faults_are_listed_100_then_counted(stack, api_keys):
    b = fresh("injury-observed")
    b["entry"] += [{"fullUrl": f"urn:uuid:{k}", "resource": {"resourceType": "Basic"}} for k in range(300)]
    status, raw = post_raw(stack, body(b), api_keys["RX1"])
    outcome = json.loads(raw)
    assert status == 422 and len(outcome["issue"]) == 101 and len(raw) < ONE_MB
    assert outcome["issue"][-1]["code"] == "too-costly" and "more issue" in outcome["issue"][-1]["diagnostics"]


def test_attack_a_utf8_bom_is_a_fhir_worded_400(stack, api_keys):
    status, raw = post_raw(stack, b"\xef\xbb\xbf" + body(fresh("child-seen")), api_keys["HV001"])
    outcome = json.loads(raw)
    assert status == 400 and "byte order mark" in outcome["issue"][0]["diagnostics"]
    assert "utf-8-sig" not in raw.decode()


# ---- MessageHeader.id is unique per sender only: no cross-agency oracle ---------------------------
def test_attack_another_agency_reusing_a_message_id_learns_nothing_and_both_are_routed(stack, api_keys):
    # GIVEN the hospital's injury report, accepted
    injury = fresh("injury-observed")
    assert post_message(stack.api_url, body(injury), api_keys["RX1"])[0] == 202
    # WHEN a police key sends its own concern under the same MessageHeader.id
    concern = fresh("concern-recorded")
    concern["entry"][0]["resource"]["id"] = mid(injury)
    status, outcome = post_message(stack.api_url, body(concern), api_keys["P42"])
    # THEN no 409 tells it the id is taken: it is a distinct message, accepted and routed like any other
    assert status == 202, outcome
    assert stack.runtime.drain(timeout=120)
    accepted = records("message.accepted", mid(injury))
    assert sorted(r["actor_ods"] for r in accepted) == ["P42", "RX1"]
    assert {r["actor_ods"] for r in records("message.routed", mid(injury))} == {"P42", "RX1"}
    # AND the hospital's own replay is still a replay
    assert post_message(stack.api_url, body(injury), api_keys["RX1"])[0] == 200


# ---- ingest order: no message routed without its accepted record ---------------------------------
class _FailOnce:
    def __init__(self, target, name: str, when):
        self.target, self.name, self.when, self.fired = target, name, when, False
        self.real = getattr(target, name)

    def __enter__(self):
        def once(*a, **kw):
            if not self.fired and self.when(*a, **kw):
                self.fired = True
                from hub.adapters.errors import AdapterError

                raise AdapterError("injected failure")
            return self.real(*a, **kw)
        setattr(self.target, self.name, once)
        return self

    def __exit__(self, *exc):
        setattr(self.target, self.name, self.real)


@pytest.mark.parametrize("failing", ["audit", "enqueue"])
def test_attack_a_failed_step_never_routes_a_message_without_its_accepted_record(stack, api_keys, failing):
    hub = _hub()
    b = fresh("injury-observed")
    if failing == "audit":
        fault = _FailOnce(hub.audit, "append", lambda e, *a, **k: e.action == "message.accepted")
    else:
        fault = _FailOnce(hub.queues, "send_json", lambda url, *a, **k: url == hub.settings.validated_queue_url)
    with fault:
        # WHEN a step of the acceptance fails THEN the agency is told to retry
        status, outcome = post_message(stack.api_url, body(b), api_keys["RX1"])
        assert fault.fired and status == 503, outcome
        # AND whatever the hub does meanwhile, nothing of this message is routed without its accepted record
        assert stack.runtime.drain(timeout=60)
        if not records("message.accepted", mid(b)):
            assert records("message.routed", mid(b)) == []
    # WHEN the agency retries THEN it is accepted, recorded once, and routed
    status, outcome = post_message(stack.api_url, body(b), api_keys["RX1"])
    assert status == 202, outcome
    assert stack.runtime.drain(timeout=120)
    assert len(records("message.accepted", mid(b))) == 1
    routed = records("message.routed", mid(b))
    assert routed
    first_routed = min(r["at"] for r in routed)
    assert records("message.accepted", mid(b))[0]["at"] <= first_routed
