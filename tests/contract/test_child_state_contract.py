"""ChildStateStore port: InMemoryChildStateStore and DynamoDBStateRepository (moto, with its household
and due indexes) behave alike."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from hub.core.rules import ChildState
from tests.support.fakes import InMemoryChildStateStore
from tests.support.nhs import nhs_number

from .conftest import IMPLEMENTATIONS


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def child(seed: int, household: str | None = None, next_due: str | None = None) -> ChildState:
    s = ChildState(nhs_number=nhs_number(seed), next_due=next_due)
    if household:
        s.patient["household"] = [household, "2025-01-01T00:00:00+00:00", f"m{seed}"]
    return s


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request):
    if request.param == "fake":
        return InMemoryChildStateStore()
    from hub.adapters.dynamodb_state import DynamoDBStateRepository

    aws = request.getfixturevalue("moto")
    return DynamoDBStateRepository(aws.table("ChildStateTable"), client=aws.ddb)


def test_an_unknown_child_has_no_state(store):
    assert store.get(nhs_number(1)) is None


def test_a_state_reads_back_equal_including_facts_and_the_alert_ledger(store):
    from tests.support.rule_builders import Child, injury

    kid = Child(nhs_number(2), "2025-06-01", household="H-2")
    s = ChildState(nhs_number=kid.nhs_number)
    s.apply(kid.registered("2025-06-10T09:00"))
    s.apply(kid.msg(injury("inj-1", "2025-08-01T10:00"), ts="2025-08-01T11:00"))
    s.ledger["a-1"] = {"rule": "r", "state": "open"}
    store.put(s)
    assert store.get(kid.nhs_number).to_item() == s.to_item()


def test_put_after_get_replaces_the_state(store):
    store.put(child(3, next_due="2025-01-05T00:00:00+00:00"))
    s = store.get(nhs_number(3))
    s.next_due = "2025-02-01T00:00:00+00:00"
    store.put(s)
    assert store.get(nhs_number(3)).next_due == "2025-02-01T00:00:00+00:00"


def test_by_household_finds_siblings_and_follows_a_move(store):
    for seed in (10, 11, 12):
        store.put(child(seed, household="H-A" if seed < 12 else "H-B"))
    assert sorted(s.nhs_number for s in store.by_household("H-A")) == [nhs_number(10), nhs_number(11)]
    moved = store.get(nhs_number(11))
    moved.patient["household"] = ["H-B", "2025-02-01T00:00:00+00:00", "m-move"]
    store.put(moved)
    assert [s.nhs_number for s in store.by_household("H-A")] == [nhs_number(10)]
    assert sorted(s.nhs_number for s in store.by_household("H-B")) == [nhs_number(11), nhs_number(12)]
    assert store.by_household("H-none") == []


def test_due_returns_children_whose_deadline_has_passed_earliest_first(store):
    dues = {20: "2025-01-03T00:00:00+00:00", 21: "2025-01-01T00:00:00+00:00", 22: "2025-01-02T12:00:00+00:00",
            23: "2025-01-09T00:00:00+00:00", 24: None}
    for seed, due in dues.items():
        store.put(child(seed, next_due=due))
    until = at("2025-01-03T00:00:00+00:00")  # inclusive
    assert [s.nhs_number for s in store.due(until)] == [nhs_number(21), nhs_number(22), nhs_number(20)]
    assert [s.nhs_number for s in store.due(until, limit=2)] == [nhs_number(21), nhs_number(22)]
    assert store.due(at("2024-12-31T23:59:59+00:00")) == []


def test_a_deadline_given_in_another_offset_is_compared_as_utc(store):
    store.put(child(30, next_due="2025-06-01T09:00:00+01:00"))  # 08:00 UTC
    assert store.due(at("2025-06-01T07:59:59+00:00")) == []
    assert [s.nhs_number for s in store.due(at("2025-06-01T08:00:00+00:00"))] == [nhs_number(30)]


def test_a_child_whose_deadline_is_cleared_is_no_longer_due(store):
    store.put(child(40, next_due="2025-01-01T00:00:00+00:00"))
    s = store.get(nhs_number(40))
    s.next_due = None
    store.put(s)
    assert store.due(at("2026-01-01T00:00:00+00:00")) == []
