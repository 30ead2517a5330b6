"""Alert Tasks (hub.core.tasks): created from an alert, the state machine, the FHIR R4 view, search parameters."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.core.tasks import (DECISIONS, InvalidSearch, Task, TaskError, apply, complete, parse_query, searchset,
                            task_id, tasks_for_alert, to_fhir)

T0 = datetime(2025, 8, 1, 12, 0, tzinfo=timezone.utc)
ACTOR = ("LA123", "social-care")
ALERT = {
    "type": "alert", "alert_id": "a-1", "rule": "non-mobile-bruising", "severity": "critical",
    "nhs_number": "9912003888", "raised_at": "2025-08-01T10:00:00+00:00", "detected_at": "2025-08-01T12:00:00+00:00",
    "due_by": "2025-08-01T16:00:00+00:00", "summary": "Bruise on a baby who is not independently mobile.",
    "recommended_action": "Arrange a paediatric assessment.", "evidence": ["0b7c3a5e-8c44-4bd1-9d5b-6d8a4f6f1e01",
                                                                         "1c8d4b6f-9d55-4ce2-8e6c-7e9b5a7a2f02"],
    "recipients": ["LA123", "A81001", "HV001", "LA123"], "details": {},
}


def task(owner: str = "LA123") -> Task:
    return next(t for t in tasks_for_alert(ALERT) if t.owner == owner)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# ---- creation -------------------------------------------------------------------------
def test_an_alert_makes_one_requested_task_per_distinct_recipient_with_deterministic_ids():
    tasks = tasks_for_alert(ALERT)
    assert [t.owner for t in tasks] == ["LA123", "A81001", "HV001"]
    assert {t.status for t in tasks} == {"requested"} and {t.version for t in tasks} == {1}
    assert tasks[0].id == task_id("a-1", "LA123") == tasks_for_alert(ALERT)[0].id
    assert len({t.id for t in tasks}) == 3
    t = tasks[0]
    assert (t.due_by, t.next_due) == ("2025-08-01T16:00:00.000000Z", "2025-08-01T16:00:00.000000Z")
    assert t.last_change.action == "task.created"


def test_the_stored_form_reads_back_equal():
    t = apply(task(), "acknowledge", {"by": "Sam Social Worker"}, at=at(5), actor=ACTOR)
    t = apply(t, "decide", {"decision": "s47-enquiry", "by": "Sam", "note": "strategy discussion held"}, at=at(9),
              actor=ACTOR)
    assert Task.from_item(t.to_item()) == t


# ---- the state machine ------------------------------------------------------------------
def test_acknowledge_decide_close_moves_requested_accepted_in_progress_completed():
    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(5), actor=ACTOR)
    assert (t.status, t.acknowledged.by, t.acknowledged.at, t.next_due, t.version) == \
        ("accepted", "Sam", "2025-08-01T12:05:00.000000Z", None, 2)
    t = apply(t, "assign", {"to": "Alex Practitioner", "by": "Sam"}, at=at(6), actor=ACTOR)
    assert (t.status, t.assignee.by) == ("accepted", "Alex Practitioner")
    t = apply(t, "decide", {"decision": "early-help", "by": "Alex"}, at=at(7), actor=ACTOR)
    assert (t.status, t.decision.code) == ("in-progress", "early-help")
    t = apply(t, "close", {"reason": "Early help plan in place", "by": "Alex"}, at=at(8), actor=ACTOR)
    assert (t.status, t.closure.code, t.closure.reason, t.closure.automatic) == \
        ("completed", "closed-by-recipient", "Early help plan in place", False)
    assert t.version == 5 and t.last_change.action == "task.closed" and t.last_change.actor_ods == "LA123"


@pytest.mark.parametrize("operation,body", [
    ("assign", {"to": "Alex", "by": "Sam"}),
    ("decide", {"decision": "no-further-action", "by": "Sam"}),
    ("close", {"reason": "done", "by": "Sam"}),
])
def test_nothing_but_acknowledgement_before_acknowledgement(operation, body):
    with pytest.raises(TaskError) as exc:
        apply(task(), operation, body, at=at(1), actor=ACTOR)
    assert exc.value.kind == "conflict"


def test_closing_needs_a_decision_on_record():
    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(1), actor=ACTOR)
    with pytest.raises(TaskError, match="decision") as exc:
        apply(t, "close", {"reason": "nothing to do", "by": "Sam"}, at=at(2), actor=ACTOR)
    assert exc.value.kind == "conflict"


def test_the_same_request_again_changes_nothing_and_another_persons_acknowledgement_conflicts():
    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(1), actor=ACTOR)
    assert apply(t, "acknowledge", {"by": "Sam"}, at=at(2), actor=ACTOR) is t
    with pytest.raises(TaskError) as exc:
        apply(t, "acknowledge", {"by": "Kim"}, at=at(2), actor=ACTOR)
    assert exc.value.kind == "conflict"
    d = apply(t, "decide", {"decision": "s17-assessment", "by": "Sam"}, at=at(3), actor=ACTOR)
    assert apply(d, "decide", {"decision": "s17-assessment", "by": "Kim"}, at=at(4), actor=ACTOR) is d
    changed = apply(d, "decide", {"decision": "s47-enquiry", "by": "Kim"}, at=at(5), actor=ACTOR)
    assert changed.decision.code == "s47-enquiry" and changed.last_change.details["previous"] == "s17-assessment"


@pytest.mark.parametrize("body,parameter", [
    ({}, "by"), ({"by": "  "}, "by"), ({"by": 7}, "by"), ({"by": "x" * 201}, "by"), ({"by": "Sam\nSmith"}, "by"),
])
def test_bad_values_are_invalid_and_name_their_parameter(body, parameter):
    with pytest.raises(TaskError) as exc:
        apply(task(), "acknowledge", body, at=at(1), actor=ACTOR)
    assert (exc.value.kind, exc.value.parameter) == ("invalid", parameter)


def test_a_decision_outside_the_value_set_is_invalid():
    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(1), actor=ACTOR)
    with pytest.raises(TaskError) as exc:
        apply(t, "decide", {"decision": "section-47", "by": "Sam"}, at=at(2), actor=ACTOR)
    assert (exc.value.kind, exc.value.parameter) == ("invalid", "decision")
    assert set(DECISIONS) == {"no-further-action", "early-help", "s17-assessment", "strategy-discussion",
                              "s47-enquiry", "referred-to-another-agency"}


def test_a_resolution_completes_an_open_task_with_its_reason_and_leaves_a_closed_one_alone():
    done = complete(task(), reason="examined", resolved_at="2025-08-01T13:00:00+00:00", at=at(70))
    assert (done.status, done.closure.code, done.closure.automatic, done.next_due) == \
        ("completed", "examined", True, None)
    assert complete(done, reason="withdrawn", resolved_at=None, at=at(80)) is done
    with pytest.raises(TaskError):
        apply(done, "decide", {"decision": "early-help", "by": "Sam"}, at=at(90), actor=ACTOR)


# ---- FHIR view --------------------------------------------------------------------------
def test_the_fhir_task_carries_for_focus_owner_due_code_status_intent_and_output():
    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(1), actor=ACTOR)
    t = apply(t, "decide", {"decision": "strategy-discussion", "by": "Sam"}, at=at(2), actor=ACTOR)
    r = to_fhir(t)
    assert (r["resourceType"], r["status"], r["intent"], r["priority"]) == ("Task", "in-progress", "order", "stat")
    assert r["for"]["identifier"] == {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9912003888"}
    assert r["owner"]["identifier"] == {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "LA123"}
    assert r["restriction"]["period"]["end"] == "2025-08-01T16:00:00.000000Z"
    assert r["code"]["coding"][0] == {"system": "https://safeguarding-hub.example/fhir/CodeSystem/alert-rule",
                                      "code": "non-mobile-bruising"}
    assert r["focus"]["identifier"]["value"] == f"urn:uuid:{ALERT['evidence'][0]}"
    evidence = [i["valueReference"]["identifier"]["value"] for i in r["input"] if "valueReference" in i]
    assert evidence == [f"urn:uuid:{m}" for m in ALERT["evidence"]]
    assert r["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "strategy-discussion"
    assert r["meta"]["versionId"] == "3" and r["executionPeriod"]["start"] == t.acknowledged.at


def test_the_fhir_task_and_searchset_are_valid_fhir():
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.task import Task as FhirTask

    t = apply(task(), "acknowledge", {"by": "Sam"}, at=at(1), actor=ACTOR)
    t = apply(t, "assign", {"to": "Alex", "by": "Sam"}, at=at(2), actor=ACTOR)
    t = apply(t, "decide", {"decision": "no-further-action", "by": "Alex", "note": "seen by GP"}, at=at(3),
              actor=ACTOR)
    t = apply(t, "close", {"reason": "No concerns", "by": "Alex"}, at=at(4), actor=ACTOR)
    auto = complete(task("A81001"), reason="seen", resolved_at="2025-08-01T13:00:00+00:00", at=at(5))
    for each in (task(), t, auto):
        FhirTask.model_validate(to_fhir(each))
    bundle = searchset([t, auto], self_url="https://hub.example/Task?status=completed", next_url=None,
                       base="https://hub.example")
    assert Bundle.model_validate(bundle).type == "searchset" and len(bundle["entry"]) == 2


# ---- search parameters --------------------------------------------------------------------
def test_search_defaults_to_the_callers_own_tasks_and_refuses_another_owner():
    assert parse_query({}, "LA123").owner == "LA123"
    assert parse_query({"owner": ["https://fhir.nhs.uk/Id/ods-organization-code|LA123"]}, "LA123").owner == "LA123"
    with pytest.raises(InvalidSearch) as exc:
        parse_query({"owner": ["A81001"]}, "LA123")
    assert exc.value.status == 403


def test_search_status_and_last_updated_bounds():
    q = parse_query({"status": ["requested,accepted"], "_lastUpdated": ["ge2025-08-01", "lt2025-08-03"],
                     "_count": ["10"]}, "LA123")
    assert q.statuses == ("requested", "accepted") and q.count == 10
    assert q.updated_from == datetime(2025, 7, 31, 23, 0, tzinfo=timezone.utc)  # London midnight (BST)
    assert q.updated_to == datetime(2025, 8, 2, 22, 59, 59, 999999, tzinfo=timezone.utc)
    day = parse_query({"_lastUpdated": ["2025-01-15"]}, "LA123")
    assert (day.updated_from, day.updated_to) == (datetime(2025, 1, 15, tzinfo=timezone.utc),
                                                  datetime(2025, 1, 15, 23, 59, 59, 999999, tzinfo=timezone.utc))


@pytest.mark.parametrize("params,parameter", [
    ({"status": ["open"]}, "status"), ({"_lastUpdated": ["2025-13-01"]}, "_lastUpdated"),
    ({"_lastUpdated": ["gt2025-08-01T10:00:00"]}, "_lastUpdated"), ({"_count": ["0"]}, "_count"),
    ({"_lastUpdated": ["ge2025-09-01", "le2025-08-01"]}, "_lastUpdated"), ({"subject": ["x"]}, "subject"),
])
def test_bad_search_parameters_are_refused(params, parameter):
    with pytest.raises(InvalidSearch) as exc:
        parse_query(params, "LA123")
    assert (exc.value.status, exc.value.parameter) == (400, parameter)
