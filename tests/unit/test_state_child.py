"""Child state: order independence, updates, cancels, patient data, serialisation, the in-memory repository."""
import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.rules import ChildState, InMemoryStateRepository
from tests.support.rule_builders import Child, Hub, at, concern, imm, injury, nhs_number, plan_end, plan_start, seen

C = Child(nhs_number(41), "2011-06-01", household="H-41")


def _messages():
    return [
        C.registered("2011-06-10T09:00"),
        C.msg(plan_start("p1", "2011-08-01T10:00"), ts="2011-08-01T12:00"),
        C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-05T12:00"),
        C.msg(injury("i1", "2011-08-05T11:00", code="burn"), ts="2011-08-06T12:00", event_type="update"),
        C.msg(concern("c1", "domestic-abuse", "2011-08-07T10:00"), ts="2011-08-07T12:00"),
        C.msg(concern("c1", "domestic-abuse", "2011-08-07T10:00"), ts="2011-08-08T12:00", event_type="cancel"),
        C.msg(imm("v1", "5-in-1", 1, "2011-08-09T10:00"), ts="2011-08-09T12:00"),
        C.msg(seen("s1", "2011-08-10T10:00"), ts="2011-08-10T12:00"),
        C.msg(plan_end("p1", "2011-09-01T10:00", closed=False, step_down=True), ts="2011-09-01T12:00"),
        C.msg(concern("c2", "non-engagement", "2011-08-11T10:00"), ts="2011-09-05T12:00", household="H-99", gp_ods="B82002"),
    ]


def _state(msgs) -> dict:
    s = ChildState(nhs_number=C.nhs_number)
    for m in msgs:
        s.apply(m)
    item = s.to_item()
    item.pop("version")
    return item


MSGS = _messages()


@settings(max_examples=60, deadline=None)
@given(st.permutations(MSGS))
def test_state_any_arrival_order_gives_same_state(perm):
    assert _state(perm) == _state(MSGS)


def test_state_update_replaces_and_cancel_withdraws():
    view = ChildState.from_item(_state(MSGS) | {"version": 0}).view()
    [inj] = view.injuries
    assert inj.fact.code == "burn" and inj.fact.effective == at("2011-08-05T11:00") and len(inj.evidence) == 2
    assert [c.fact.code for c in view.concerns] == ["non-engagement"]
    [plan] = view.plans
    assert plan.fact.plan_type == "child-protection-plan" and plan.fact.end == at("2011-09-01T10:00")
    assert plan.fact.start == at("2011-08-01T10:00") and plan.fact.step_down_plan is True


def test_state_latest_patient_data_by_bundle_timestamp():
    s = ChildState(nhs_number=C.nhs_number)
    for m in reversed(MSGS):
        s.apply(m)
    assert s.household == "H-99"  # the message with the latest timestamp
    # v1.1: the registered GP comes only from child-registered, never from another message's Patient
    assert s.gp_ods == "A81001"
    assert s.birth_date.isoformat() == "2011-06-01"


def test_state_registered_gp_only_from_child_registered_latest_by_timestamp():
    # GIVEN a registration, then a police concern whose Patient names another GP with a later timestamp
    s = ChildState(nhs_number=C.nhs_number)
    s.apply(C.registered("2011-06-10T09:00"))
    s.apply(C.msg(concern("c9", "domestic-abuse", "2011-07-01T10:00"), ts="2011-07-01T12:00", gp_ods="EVIL01",
                  sender="P42", kind="police"))
    # THEN the registered GP is unchanged
    assert s.gp_ods == "A81001"
    # WHEN registrations arrive out of order THEN the latest by Bundle.timestamp wins
    s.apply(C.registered("2011-09-01T09:00", gp_ods="B82002"))
    s.apply(C.registered("2011-08-01T09:00", gp_ods="C83003"))
    assert s.gp_ods == "B82002"
    assert [p[0] for p in s.relations["gp"]] == ["A81001", "C83003", "B82002"]


def test_state_relations_keep_the_ends_of_each_run_in_any_order():
    msgs = [C.msg(seen(f"s{i}", f"2011-08-{10 + i}T10:00"), ts=f"2011-08-{10 + i}T12:00", household=hh)
            for i, hh in enumerate(["H-1", "H-1", "H-1", "H-2", "H-2", "H-1"])]
    states = []
    for order in (msgs, list(reversed(msgs)), msgs[3:] + msgs[:3]):
        s = ChildState(nhs_number=C.nhs_number)
        for m in order:
            s.apply(m)
        states.append(s.relations["household"])
    assert states[0] == states[1] == states[2]
    # the middle of the first run is dropped; every change point is kept
    assert [(v, ts[:10]) for v, ts, _ in states[0]] == [
        ("H-1", "2011-08-10"), ("H-1", "2011-08-12"), ("H-2", "2011-08-13"), ("H-2", "2011-08-14"), ("H-1", "2011-08-15")]


def test_state_cancel_before_original_keeps_tombstone():
    s = ChildState(nhs_number=C.nhs_number)
    s.apply(C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-06T12:00", event_type="cancel"))
    s.apply(C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-05T12:00"))
    assert s.view().injuries == ()


def test_state_health_visiting_org_from_authenticated_sender():
    s = ChildState(nhs_number=C.nhs_number)
    s.apply(C.msg(seen("s1", "2011-08-10T10:00"), ts="2011-08-10T12:00", sender="HV001", kind="health-visiting"))
    s.apply(C.msg(seen("s2", "2011-08-11T10:00"), ts="2011-08-11T12:00", sender="RX1", kind="hospital"))
    s.apply(C.msg(seen("s0", "2011-08-09T10:00"), ts="2011-08-09T12:00", sender="HV002", kind="health-visiting"))
    assert s.hv_ods == "HV001"


def test_state_item_is_json_safe_and_round_trips():
    hub = Hub()
    for m in MSGS:
        hub.send(m)
    s = hub.repo.get(C.nhs_number)
    item = s.to_item()
    text = json.dumps(item)
    assert ChildState.from_item(json.loads(text)).to_item() == item
    assert s.ledger  # the alert ledger travels with the state
    assert item["household"] == "H-99"


def test_repository_due_and_household_index():
    repo = InMemoryStateRepository()
    states = []
    for i in range(5):
        s = ChildState(nhs_number=nhs_number(100 + i), next_due=f"2025-01-0{i + 1}T00:00:00+00:00")
        s.patient["household"] = ["H", "2025-01-01T00:00:00+00:00", "m"]
        repo.put(s)
        states.append(s)
    assert [s.nhs_number for s in repo.due(at("2025-01-03T00:00:00+00:00"))] == [s.nhs_number for s in states[:3]]
    assert len(repo.due(at("2025-01-03T00:00:00+00:00"), limit=2)) == 2
    states[0].next_due = "2025-02-01T00:00:00+00:00"
    states[1].patient["household"] = ["H2", "2025-01-02T00:00:00+00:00", "m2"]
    repo.put(states[0])
    repo.put(states[1])
    assert [s.nhs_number for s in repo.due(at("2025-01-03T00:00:00+00:00"))] == [s.nhs_number for s in states[1:3]]
    assert len(repo.by_household("H")) == 4 and [s.nhs_number for s in repo.by_household("H2")] == [states[1].nhs_number]
    assert repo.next_due() == at("2025-01-02T00:00:00+00:00")


def test_engine_arrival_order_gives_same_records():
    base = MSGS
    outs = []
    for perm in itertools.islice(itertools.permutations(base), 0, 720, 97):
        hub = Hub()
        for m in perm:
            hub.send(m, now="2011-09-02T00:00")
        # an alert that a later-arriving fact withdraws (the household changes on 5 Sep; a plan end sent
        # after that message shows the plan had already ended) may appear in some orders: what stands is the same
        withdrawn = {r["alert_id"] for r in hub.resolutions() if r["reason"] == "withdrawn"}
        outs.append(sorted((r["type"], r["rule"], r["alert_id"], r.get("raised_at")) for r in hub.alerts()
                           if r["alert_id"] not in withdrawn))
    assert all(o == outs[0] for o in outs) and outs[0]


def _one_letter_keys(entry: dict) -> dict:
    """A ledger entry as format 1 stored it."""
    names = {"rule": "r", "raised_at": "at", "withdrawn": "w", "resolution": "res"}
    out = {names.get(k, k): v for k, v in entry.items()}
    if "res" in out:
        out["res"] = {("at" if k == "resolved_at" else k): v for k, v in out["res"].items()}
    return out


def test_state_reads_a_ledger_stored_with_one_letter_keys():
    # GIVEN a format 1 item: ledger entries keyed "r", "at", "w", "res"
    item = {"fmt": 1, "nhs_number": C.nhs_number, "facts": [], "patient": {}, "version": 3, "ledger": [
        {"id": "a1", "r": "injury-not-examined", "at": "2011-08-06T10:00:00+00:00",
         "res": {"at": "2011-08-06T12:00:00+00:00", "reason": "examined"}},
        {"id": "a2", "r": "immunisation-overdue", "at": "2011-08-23T23:00:00+00:00", "doses": [["pcv", 1]], "w": True,
         "res": {"at": "2011-08-24T09:00:00+00:00", "reason": "withdrawn"}},
    ]}
    # WHEN read THEN the entries carry the named keys, and are written back that way
    s = ChildState.from_item(item)
    assert s.ledger == {
        "a1": {"rule": "injury-not-examined", "raised_at": "2011-08-06T10:00:00+00:00",
               "resolution": {"resolved_at": "2011-08-06T12:00:00+00:00", "reason": "examined"}},
        "a2": {"rule": "immunisation-overdue", "raised_at": "2011-08-23T23:00:00+00:00", "doses": [["pcv", 1]],
               "withdrawn": True, "resolution": {"resolved_at": "2011-08-24T09:00:00+00:00", "reason": "withdrawn"}},
    }
    assert s.to_item()["fmt"] == 3 and ChildState.from_item(s.to_item()).ledger == s.ledger


def test_state_an_alert_in_a_format_1_ledger_does_not_alert_again():
    # GIVEN a child whose alerts were saved in format 1
    hub = Hub()
    for m in MSGS[:4]:
        hub.send(m)
    raised = {r["alert_id"] for r in hub.alerts()}
    assert raised
    item = hub.repo.get(C.nhs_number).to_item()
    hub.repo.put(ChildState.from_item(dict(item, fmt=1, ledger=[_one_letter_keys(e) for e in item["ledger"]])))
    # WHEN the rest of the chronology arrives THEN none of those alerts is raised a second time
    for m in MSGS[4:]:
        hub.send(m)
    ids = [r["alert_id"] for r in hub.alerts()]
    assert raised <= set(ids) and len(ids) == len(set(ids))


def test_state_only_the_agency_that_stated_a_fact_can_update_or_withdraw_it():
    # a police key reusing the hospital's injury identifier: its "cancel" and its "update" are facts of its own
    s = ChildState(nhs_number=C.nhs_number)
    s.apply(C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-05T12:00", sender="RX1"))
    s.apply(C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-06T12:00", event_type="cancel", sender="P42",
                  kind="police"))
    s.apply(C.msg(injury("i1", "2011-08-05T11:00", code="burn"), ts="2011-08-07T12:00", event_type="update",
                  sender="P42", kind="police"))
    injuries = {i.key: i.fact.code for i in s.view().injuries}
    assert injuries[injury("i1", "2011-08-05T10:00").key] == "bruise"  # the hospital's fact stands
    assert len(injuries) == 2 and any(k.endswith("@P42") for k in injuries)
    # and the owner's own cancel still withdraws it, across a round trip of the stored item
    s = ChildState.from_item(s.to_item())
    s.apply(C.msg(injury("i1", "2011-08-05T10:00"), ts="2011-08-08T12:00", event_type="cancel", sender="RX1"))
    assert [i.key for i in s.view().injuries] == [k for k in injuries if k.endswith("@P42")]
