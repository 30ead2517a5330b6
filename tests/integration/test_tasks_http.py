"""Issue 13, done means (alert lifecycle; police and hospitals), over HTTP on the embedded stack with a simulated
clock and a local authority to police force map (stack parameters):
- an alert makes a Task per recipient; its owner acknowledges, decides and closes it; another agency can
  neither read nor change it (404);
- a Task left alone is escalated once its due_by passes on the simulated clock (the sweep fires at the deadline);
- the police force receives the plan-started copy, and the hospital that writes about a child on a CP plan
  receives the plan flag.

Own stack (its own clock and parameters): every child, message id and household is new."""
from __future__ import annotations

import json
import random
import re
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hub.cli.send import post_message
from tests.support.messages import EVENTS
from tests.support.nhs import nhs_number_999
from tests.support.pipeline import receive_all

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]

LA, HOSPITAL, GP, HV, POLICE = "LA123", "RX1", "A81001", "HV001", "P42"
KINDS = {LA: "social-care", HOSPITAL: "hospital", GP: "gp", HV: "health-visiting", POLICE: "police"}
START = datetime(2026, 7, 14, 10, 40, tzinfo=timezone.utc)  # 11:40 in London, after the injury was reported
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RUN = uuid.uuid4()


@pytest.fixture(scope="module")
def hub():
    from hub.handlers import composition
    from hub.local.clock import SimulatedClock
    from hub.local.stack import local_stack

    clock = SimulatedClock(START)
    params = {"PoliceForceByLa": f"{LA}={POLICE}", "EscalationRecipients": "owner,DSP001"}
    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1, parameters=params, clock=clock) as s:
        yield s, clock
        composition.use(None)


@pytest.fixture(scope="module")
def keys(hub):
    from hub.service.agencies import issue_key

    stack, _ = hub
    now = datetime.now(timezone.utc)
    return {ods: issue_key(stack.ports.agencies, ods, kind, now=now)[1] for ods, kind in KINDS.items()}


def _message(event: str, nhs: str, household: str) -> bytes:
    text = (EVENTS / "valid" / f"{event}.json").read_text()
    text = text.replace("9990012008", nhs).replace("HH-0001", household)
    text = _UUID.sub(lambda m: str(uuid.uuid5(_RUN, f"{nhs}|{event}|{m.group(0)}")), text)
    return text.encode()


def _call(stack, method: str, path: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{stack.api_url.rstrip('/')}{path}", data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.fixture(scope="module")
def child(hub, keys):
    """A baby on a CP plan (LA123), bruised and reported by the hospital RX1: the plan-started from LA123,
    then the injury from RX1. Returns the NHS number and the alerts queue's records about the child."""
    stack, _ = hub
    rng = random.Random(f"{_RUN}")
    nhs, household = nhs_number_999(rng.randrange(10**6)), f"HH-T-{rng.randrange(10**6):06d}"
    for event, sender in (("plan-started", LA), ("injury-observed", HOSPITAL)):
        status, outcome = post_message(stack.api_url, _message(event, nhs, household), keys[sender])
        assert status == 202, outcome
        # the router reads child state the rules stage writes after routing: the plan must be applied before the
        # hospital writes (as it is in practice, weeks before), else the injury is routed as about a child on no plan
        assert stack.runtime.drain(timeout=120)
    ports = stack.ports
    alerts = [json.loads(m["Body"]) for m in receive_all(ports, ports.settings.alerts_queue_url)]
    return nhs, [a for a in alerts if a.get("nhs_number") == nhs]


def _mailbox(stack, key: str, nhs: str) -> list[dict]:
    """The caller's mailbox over HTTP (GET /mailbox, then GET /mailbox/{id}): the Bundles about `nhs`."""
    status, page = _call(stack, "GET", "/mailbox?limit=100", key)
    assert status == 200, page
    out = []
    for m in page["messages"]:
        status, bundle = _call(stack, "GET", f"/mailbox/{m['id']}", key)
        assert status == 200
        if nhs in json.dumps(bundle):
            out.append(bundle)
    return out


def _event(bundle: dict) -> str:
    return bundle["entry"][0]["resource"]["eventCoding"]["code"]


def _my_task(stack, key: str, alert_id: str) -> dict:
    status, bundle = _call(stack, "GET", "/Task?status=requested,accepted,in-progress,completed&_count=200", key)
    assert status == 200 and bundle["type"] == "searchset"
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["identifier"][0]["value"] == alert_id]
    assert len(found) == 1, found
    return found[0]


def test_police_receive_the_plan_started_copy(hub, keys, child):
    nhs, _ = child
    copies = _mailbox(hub[0], keys[POLICE], nhs)
    assert [_event(b) for b in copies if _event(b) == "plan-started"] == ["plan-started"]
    patient = next(e["resource"] for b in copies for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    assert "name" not in patient and "address" not in patient  # the police allow-list profile


def test_the_hospital_receives_the_plan_flag(hub, keys, child):
    nhs, _ = child
    flags = [b for b in _mailbox(hub[0], keys[HOSPITAL], nhs) if _event(b) == "cp-plan-flag"]
    assert len(flags) == 1
    eoc = next(e["resource"] for e in flags[0]["entry"] if e["resource"]["resourceType"] == "EpisodeOfCare")
    assert "child-protection-plan" in json.dumps(eoc["type"]) and eoc["period"]["start"].startswith("2026-06-01")
    notices = [b for b in _mailbox(hub[0], keys[LA], nhs) if _event(b) == "attended-unscheduled-care"]
    assert len(notices) == 1


def test_the_alert_lifecycle_over_http(hub, keys, child):
    stack, _ = hub
    nhs, alerts = child
    [alert] = [a for a in alerts if a["type"] == "alert" and a["rule"] == "non-mobile-bruising"]
    assert LA in alert["recipients"]
    task = _my_task(stack, keys[LA], alert["alert_id"])
    assert (task["status"], task["intent"], task["owner"]["identifier"]["value"]) == ("requested", "order", LA)
    assert task["for"]["identifier"]["value"] == nhs and task["code"]["coding"][0]["code"] == "non-mobile-bruising"
    assert task["restriction"]["period"]["end"].startswith(alert["due_by"][:16])
    tid = task["id"]
    # another agency: the Task does not exist for it
    assert _call(stack, "GET", f"/Task/{tid}", keys[GP])[0] == 404
    assert _call(stack, "POST", f"/Task/{tid}/$acknowledge", keys[GP], {"by": "Dr Intruder"})[0] == 404
    assert _call(stack, "GET", f"/Task?owner={LA}", keys[GP])[0] == 403
    # its owner works it
    status, acked = _call(stack, "POST", f"/Task/{tid}/$acknowledge", keys[LA], {"by": "Sam Social Worker"})
    assert status == 200 and acked["status"] == "accepted"
    assert _call(stack, "POST", f"/Task/{tid}/$close", keys[LA], {"by": "Sam", "reason": "x"})[0] == 409  # no decision
    assert _call(stack, "POST", f"/Task/{tid}/$decide", keys[LA], {"by": "Sam", "decision": "s48"})[0] == 422
    status, decided = _call(stack, "POST", f"/Task/{tid}/$decide", keys[LA],
                            {"by": "Sam Social Worker", "decision": "strategy-discussion"})
    assert status == 200 and decided["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "strategy-discussion"
    status, closed = _call(stack, "POST", f"/Task/{tid}/$close", keys[LA],
                           {"by": "Sam Social Worker", "reason": "Strategy discussion held; s47 enquiry opened"})
    assert status == 200 and closed["status"] == "completed"
    assert closed["statusReason"]["coding"][0]["code"] == "closed-by-recipient"
    status, read = _call(stack, "GET", f"/Task/{tid}", keys[LA])
    assert status == 200 and read == closed
    actions = [r["action"] for r in stack.ports.audit.iter_records()
               if (r.get("details") or {}).get("task_id") == tid]
    assert actions == ["task.created", "task.acknowledged", "task.decided", "task.closed"]


def test_a_task_left_alone_escalates_once_due_by_passes(hub, keys, child):
    stack, clock = hub
    _, alerts = child
    # the child's other alert (immunisation-overdue: its doses were overdue when the plan began) is left alone
    alert = min((a for a in alerts if a["type"] == "alert" and a["rule"] == "immunisation-overdue"),
                key=lambda a: a["due_by"])
    owner = alert["recipients"][0]
    task = _my_task(stack, keys[owner], alert["alert_id"])
    assert task["status"] == "requested"
    due = datetime.fromisoformat(task["restriction"]["period"]["end"].replace("Z", "+00:00"))
    ports = stack.ports

    def escalations() -> list[dict]:
        found = [json.loads(r["Body"]) for r in receive_all(ports, ports.settings.alerts_queue_url)]
        return [e for e in found if e.get("type") == "escalated" and e["task_id"] == task["id"]]

    stack.runtime.advance_clock(due - timedelta(minutes=1))
    assert escalations() == []
    fired = stack.runtime.advance_clock(due + timedelta(minutes=1))
    assert any(fn == "SweepFunction" and at == due for at, fn, _ in fired)  # the sweep ran at the deadline
    assert [(e["level"], e["recipients"], e["owner"]) for e in escalations()] == [(1, [owner], owner)]
    status, after = _call(stack, "GET", f"/Task/{task['id']}", keys[owner])
    assert status == 200 and after["status"] == "requested" and "escalated (level 1)" in after["businessStatus"]["text"]
    assert clock() == due + timedelta(minutes=1)
    levels = [r["details"]["level"] for r in ports.audit.iter_records()
              if r["action"] == "task.escalated" and r["details"]["task_id"] == task["id"]]
    assert levels == [1]
