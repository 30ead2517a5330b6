"""TaskStore port: InMemoryTaskStore and DynamoDBTaskStore (moto, TaskTable as template.yaml declares it, with
its owner, alert and due indexes) behave alike."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from hub.adapters.errors import TaskConflictError
from hub.core.tasks import apply, tasks_for_alert, utc_iso
from tests.support.fakes import InMemoryTaskStore

from .conftest import IMPLEMENTATIONS

T0 = datetime(2025, 8, 1, 12, 0, tzinfo=timezone.utc)
ACTOR = ("LA123", "social-care")


def alert(n: int, recipients=("LA123", "A81001"), *, due_hours: int = 4) -> dict:
    detected = T0 + timedelta(minutes=n)
    return {"type": "alert", "alert_id": f"alert-{n}", "rule": "non-mobile-bruising", "severity": "critical",
            "nhs_number": "9912003888", "raised_at": detected.isoformat(), "detected_at": detected.isoformat(),
            "due_by": (detected + timedelta(hours=due_hours)).isoformat(), "summary": "s", "recommended_action": "r",
            "evidence": [f"m-{n}"], "recipients": list(recipients)}


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request):
    if request.param == "fake":
        return InMemoryTaskStore()
    from hub.adapters.dynamodb_tasks import DynamoDBTaskStore

    aws = request.getfixturevalue("moto")
    return DynamoDBTaskStore(aws.table("TaskTable"), client=aws.ddb)


def test_an_unknown_task_is_none(store):
    assert store.get("nope") is None and store.by_alert("nope") == []


def test_create_once_then_read_back_equal(store):
    task = tasks_for_alert(alert(1))[0]
    assert store.create(task) is True
    assert store.create(task) is False  # a retried publish finds it
    assert store.get(task.id) == task


def test_update_needs_the_version_read(store):
    task = tasks_for_alert(alert(2))[0]
    store.create(task)
    acked = apply(task, "acknowledge", {"by": "Sam"}, at=T0 + timedelta(minutes=5), actor=ACTOR)
    store.update(acked, expected_version=1)
    assert store.get(task.id) == acked
    with pytest.raises(TaskConflictError):
        store.update(apply(task, "acknowledge", {"by": "Kim"}, at=T0, actor=ACTOR), expected_version=1)
    with pytest.raises(TaskConflictError):
        store.update(replace(task, id="never-created"), expected_version=1)
    assert store.get(task.id).acknowledged.by == "Sam"


def test_by_alert_finds_every_recipients_task(store):
    for t in tasks_for_alert(alert(3, ("LA123", "A81001", "HV001"))) + tasks_for_alert(alert(4)):
        store.create(t)
    assert sorted(t.owner for t in store.by_alert("alert-3")) == ["A81001", "HV001", "LA123"]


def test_by_owner_pages_newest_first_filters_status_and_last_updated(store):
    for n in range(7):
        for t in tasks_for_alert(alert(10 + n)):
            store.create(t)
    mine = sorted((t for t in (store.get(i.id) for n in range(7) for i in tasks_for_alert(alert(10 + n)))
                   if t.owner == "LA123"), key=lambda t: t.last_updated, reverse=True)
    acked = apply(mine[3], "acknowledge", {"by": "Sam"}, at=T0 + timedelta(hours=1), actor=ACTOR)
    store.update(acked, expected_version=1)
    got, cursor, pages = [], None, 0
    while True:
        page, cursor = store.by_owner("LA123", limit=3, cursor=cursor)
        got += page
        pages += 1
        if cursor is None:
            break
    assert [t.id for t in got] == [acked.id] + [t.id for t in mine if t.id != acked.id]  # newest update first
    assert pages >= 3 and all(t.owner == "LA123" for t in got)
    only, _ = store.by_owner("LA123", statuses=("accepted",), limit=10)
    assert [t.id for t in only] == [acked.id]
    requested, _ = store.by_owner("LA123", statuses=("requested",), limit=50)
    assert len(requested) == 6
    window, _ = store.by_owner("LA123", updated_from=T0 + timedelta(minutes=12),
                               updated_to=T0 + timedelta(minutes=14), limit=50)
    assert sorted(t.alert_id for t in window) == ["alert-12", "alert-14"]  # alert-13's was updated later
    assert store.by_owner("NOBODY", limit=5) == ([], None)


def test_due_lists_only_tasks_whose_next_look_has_come(store):
    early = tasks_for_alert(alert(20, ("LA123",), due_hours=1))[0]
    late = tasks_for_alert(alert(21, ("LA123",), due_hours=10))[0]
    for t in (early, late):
        store.create(t)
    assert store.due(T0) == []
    assert [t.id for t in store.due(T0 + timedelta(hours=2))] == [early.id]
    assert [t.id for t in store.due(T0 + timedelta(days=1))] == [early.id, late.id]
    assert len(store.due(T0 + timedelta(days=1), limit=1)) == 1
    acked = apply(early, "acknowledge", {"by": "Sam"}, at=T0, actor=ACTOR)  # next_due cleared
    store.update(acked, expected_version=1)
    assert [t.id for t in store.due(T0 + timedelta(days=1))] == [late.id]
    assert utc_iso(T0 + timedelta(hours=10, minutes=21)) == late.next_due
