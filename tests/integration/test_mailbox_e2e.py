"""Issue 12, "Shared outboxes", over HTTP on the embedded stack: two GP practices each receive a bruise report
about their own patient; each reads its own mailbox with its own key, and no key of another practice, agency
or kind reaches it (another ODS's message id is 404, exactly as an unknown one). Acknowledged messages leave the
mailbox; unacknowledged ones reach the hub's operators after MailboxOperatorAgeHours.

Before mailboxes, every GP practice's consumer role could receive and delete every practice's messages on the
one GP outbox queue; the template now holds no outbox and no consumer policy (tests/unit/test_template_*)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hub.cli.inbox import MailboxHttpError, mailbox_call, read_mailbox
from hub.cli.send import post_message
from tests.support.messages import EVENTS
from tests.support.nhs import nhs_number_999

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
GP_A, GP_B = "A81001", "B82002"
_RUN = uuid.uuid4()


def _hub():
    from hub.handlers import composition

    return composition.current()


@pytest.fixture(scope="module")
def practices(stack, api_keys):
    """A child registered at each practice, then a bruise from the hospital about each: one copy per practice."""
    from hub.service.agencies import issue_key

    keys = {**api_keys, GP_B: issue_key(_hub().agencies, GP_B, "gp", now=datetime.now(timezone.utc))[1]}
    originals = {}
    for n, gp in enumerate((GP_A, GP_B)):
        nhs = nhs_number_999(700_000 + n + (uuid.UUID(str(_RUN)).int % 1000) * 10)
        for event in ("child-registered", "injury-observed"):
            text = (EVENTS / "valid" / f"{event}.json").read_text().replace("9990012008", nhs)
            text = text.replace("HH-0001", f"HH-M{n}-{_RUN.hex[:6]}")
            bundle = json.loads(text)
            for e in bundle["entry"]:
                r = e["resource"]
                if r["resourceType"] == "MessageHeader":
                    r["id"] = str(uuid.uuid5(_RUN, f"{gp}|{event}"))
                    e["fullUrl"] = f"urn:uuid:{r['id']}"
                    bundle["id"] = str(uuid.uuid5(_RUN, f"bundle|{gp}|{event}"))
                if r["resourceType"] == "Patient":
                    r["generalPractitioner"] = [{"identifier": {"system": ODS, "value": gp}}]
                if r["resourceType"] == "Organization" and event == "child-registered":
                    r["identifier"] = [{"system": ODS, "value": gp}]
            sender = GP_A if event == "child-registered" else "RX1"
            if event == "child-registered" and gp == GP_B:
                sender = GP_B
            status, outcome = post_message(stack.api_url, json.dumps(bundle).encode(), keys[sender])
            assert status == 202, (gp, event, outcome)
            assert stack.runtime.drain(timeout=60)
            if event == "injury-observed":
                originals[gp] = bundle["entry"][0]["resource"]["id"]
    return {"keys": keys, "originals": originals}


def _listing(stack, key) -> list[dict]:
    return mailbox_call(stack.api_url, key, "GET", "/mailbox", {"limit": "100"})["messages"]


def _injury_copy(stack, key, original) -> dict:
    [summary] = [m for m in _listing(stack, key) if m["original_message_id"] == original]
    return summary


def test_mailbox_e2e_each_practice_reads_only_its_own_messages(stack, practices):
    keys, originals = practices["keys"], practices["originals"]
    a = _injury_copy(stack, keys[GP_A], originals[GP_A])
    b = _injury_copy(stack, keys[GP_B], originals[GP_B])
    # each practice lists its own copy and never the other's
    assert originals[GP_B] not in {m["original_message_id"] for m in _listing(stack, keys[GP_A])}
    assert originals[GP_A] not in {m["original_message_id"] for m in _listing(stack, keys[GP_B])}
    # and fetches its own, addressed to it
    bundle = mailbox_call(stack.api_url, keys[GP_A], "GET", f"/mailbox/{a['id']}")
    assert bundle["entry"][0]["resource"]["destination"][0]["receiver"]["identifier"]["value"] == GP_A
    # WHEN practice B (or police, or the hospital) asks for practice A's message by its id
    for intruder in (GP_B, "P42", "RX1", "LA123"):
        for method, path in (("GET", f"/mailbox/{a['id']}"), ("POST", f"/mailbox/{a['id']}/$acknowledge")):
            with pytest.raises(MailboxHttpError) as exc:
                mailbox_call(stack.api_url, keys[intruder], method, path)
            # THEN 404, the same answer as for an id that never existed
            assert exc.value.status == 404 and exc.value.outcome["issue"][0]["code"] == "not-found"
    with pytest.raises(MailboxHttpError) as unknown:
        mailbox_call(stack.api_url, keys[GP_B], "GET", f"/mailbox/{uuid.uuid4()}")
    assert unknown.value.status == 404
    # AND practice A's copy is still there, unacknowledged, for practice A
    assert a["id"] in {m["id"] for m in _listing(stack, keys[GP_A])}
    assert b["id"] not in {m["id"] for m in _listing(stack, keys[GP_A])}


def test_mailbox_e2e_needs_a_key_and_refuses_a_commissioners(stack, practices):
    req = urllib.request.Request(f"{stack.api_url}/mailbox", method="GET")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 401
    with pytest.raises(MailboxHttpError) as refused:
        mailbox_call(stack.api_url, practices["keys"]["COMM01"], "GET", "/mailbox")
    assert refused.value.status == 403


def test_mailbox_e2e_reads_are_audited_and_acknowledged_messages_leave(stack, practices):
    keys, originals = practices["keys"], practices["originals"]
    b = _injury_copy(stack, keys[GP_B], originals[GP_B])
    read = [m for m in read_mailbox(stack.api_url, keys[GP_B], acknowledge=True)
            if m["summary"]["original_message_id"] == originals[GP_B]]
    assert [m["summary"]["id"] for m in read] == [b["id"]]
    assert b["id"] not in {m["id"] for m in _listing(stack, keys[GP_B])}
    records = [r for r in _hub().audit.iter_records() if r.get("details", {}).get("disclosure_id") == b["id"]]
    assert {r["action"] for r in records} == {"message.routed", "mailbox.fetched", "mailbox.acknowledged"}
    assert all(r["recipient_ods"] == GP_B for r in records)
    assert [r["actor_ods"] for r in records if r["action"].startswith("mailbox.")] == [GP_B, GP_B]


def test_mailbox_e2e_unacknowledged_messages_reach_the_operators_after_the_configured_age(stack, practices):
    from hub.service.mailbox import MailboxService

    hub, keys, originals = _hub(), practices["keys"], practices["originals"]
    a = _injury_copy(stack, keys[GP_A], originals[GP_A])
    assert hub.settings.mailbox_operator_age_hours == 72  # template.yaml's MailboxOperatorAgeHours default
    now = datetime.now(timezone.utc)

    def operators(at):
        svc = MailboxService(hub.mailboxes, hub.audit, lambda: at, operator_age_hours=hub.settings.mailbox_operator_age_hours)
        return {(s["ods"], s["id"]) for s in svc.stale()}

    assert (GP_A, a["id"]) not in operators(now)  # fresh: the practice's own business
    assert (GP_A, a["id"]) in operators(now + timedelta(hours=73))
    mailbox_call(stack.api_url, keys[GP_A], "POST", f"/mailbox/{a['id']}/$acknowledge")
    assert (GP_A, a["id"]) not in operators(now + timedelta(hours=73))


# ---------------------------------------------------------------- issue 12, "Minimisation leaks", over HTTP
LEAKS = {  # where the police hid narrative in the reproduction, each with its own canary
    "extension": "CANARY-EXT police narrative",
    "code.text": "CANARY-CODE police narrative",
    "contained": "CANARY-CONTAINED police narrative",
    "meta.tag.display": "CANARY-META police narrative",
    "subject.display": "CANARY-SUBJECT police narrative",
    "_status": "CANARY-STATUS police narrative",
}


def _leaky_concern(nhs: str) -> bytes:
    """The police concern example about a new under-5 on no plan, with narrative in every place of the report."""
    text = (EVENTS / "valid" / "concern-recorded.json").read_text().replace("9990012008", nhs)
    bundle = json.loads(text.replace("HH-0001", f"HH-L-{_RUN.hex[:6]}"))
    header = bundle["entry"][0]
    header["resource"]["id"] = str(uuid.uuid5(_RUN, "leaky-concern"))
    header["fullUrl"] = f"urn:uuid:{header['resource']['id']}"
    bundle["id"] = str(uuid.uuid5(_RUN, "leaky-concern-bundle"))
    obs = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    obs["extension"] = [{"url": "https://police.example/fhir/StructureDefinition/narrative",
                         "valueString": LEAKS["extension"]}]
    obs["code"]["text"] = LEAKS["code.text"]
    obs["contained"] = [{"resourceType": "Observation", "id": "n1", "status": "final", "code": {"text": "x"},
                         "text": {"status": "generated",
                                  "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{LEAKS["contained"]}</div>'}}]
    obs["derivedFrom"] = [{"reference": "#n1"}]  # FHIR's dom-3: a contained resource is referred to from its resource
    obs["meta"] = {"tag": [{"system": "https://police.example/tags", "code": "n", "display": LEAKS["meta.tag.display"]}]}
    obs["subject"]["display"] = LEAKS["subject.display"]
    obs["_status"] = {"extension": [{"url": "https://police.example/fhir/StructureDefinition/note",
                                     "valueString": LEAKS["_status"]}]}
    return json.dumps(bundle).encode()


def test_mailbox_e2e_narrative_hidden_in_a_police_concern_never_reaches_health_visiting(stack, practices):
    from hub.service.agencies import issue_key

    keys = practices["keys"]
    front_door = issue_key(_hub().agencies, "LAFD001", "social-care", now=datetime.now(timezone.utc))[1]
    # GIVEN a police concern about a baby on no plan, narrative hidden in six places the erase-lists missed
    body = _leaky_concern(nhs_number_999(760_000 + uuid.UUID(str(_RUN)).int % 1000))
    original = json.loads(body)["entry"][0]["resource"]["id"]
    # WHEN the police send it over HTTP and it is routed
    status, outcome = post_message(stack.api_url, body, keys["P42"])
    assert status == 202, outcome
    assert stack.runtime.drain(timeout=60)
    # THEN health visiting reads its copy from its own mailbox, and none of the narrative is in it
    [hv] = [m for m in read_mailbox(stack.api_url, keys["HV001"]) if m["summary"]["original_message_id"] == original]
    hv_text = json.dumps(hv["bundle"])
    assert [where for where, canary in LEAKS.items() if canary in hv_text] == []
    obs = next(e["resource"] for e in hv["bundle"]["entry"] if e["resource"]["resourceType"] == "Observation")
    assert obs["code"]["coding"][0]["code"] == "domestic-abuse"  # the risk factor itself does arrive
    # AND children's social care (the front door), who keep the police's words, get the code's text only:
    # the other five places never leave the hub for anyone
    [sc] = [m for m in read_mailbox(stack.api_url, front_door) if m["summary"]["original_message_id"] == original]
    sc_text = json.dumps(sc["bundle"])
    assert [where for where, canary in LEAKS.items() if canary in sc_text] == ["code.text"]
