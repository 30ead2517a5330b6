"""AuditLog port: InMemoryAuditLog and DynamoDBAuditLog (moto) write the same hash-chained records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.core.audit import AuditEntry
from hub.core.audit.chain import GENESIS, Head, chain_key, verify_chain
from hub.core.audit.model import InvalidAuditEntry, child_hash
from hub.core.audit.query import AuditFilters
from tests.support.fakes import HMAC_KEY, InMemoryAuditLog
from tests.support.nhs import nhs_number

from .conftest import IMPLEMENTATIONS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NHS = nhs_number(1)


def entry(i: int, *, message_id: str | None = None, action: str = "message.accepted", **kw) -> AuditEntry:
    return AuditEntry(action=action, at=T0 + timedelta(minutes=i), actor_ods="A81001", actor_kind="gp",
                      event="injury-observed", message_id=message_id or f"m-{i}", nhs_number=NHS, outcome="202",
                      details={"summary": f"record {i}", "n": i, "nested": {"ok": True}}, **kw)


@pytest.fixture(params=IMPLEMENTATIONS)
def make_log(request):
    if request.param == "fake":
        return lambda shards=1: InMemoryAuditLog(HMAC_KEY, shards=shards)
    from hub.adapters.dynamodb_audit import DynamoDBAuditLog

    aws = request.getfixturevalue("moto")
    return lambda shards=1: DynamoDBAuditLog(aws.table("AuditTable"), client=aws.ddb, hmac_key=HMAC_KEY,
                                             shards=shards, sleep=lambda s: None)


def test_append_returns_the_first_record_of_the_chain_with_only_a_keyed_child_hash(make_log):
    rec = make_log().append(entry(0))
    assert (rec["chain"], rec["seq"], rec["prev_hash"]) == ("chain#00", 1, GENESIS)
    assert rec["child"] == child_hash(HMAC_KEY, NHS) and NHS not in str(rec)
    assert rec["details"] == {"summary": "record 0", "n": 0, "nested": {"ok": True}}
    assert len(rec["hash"]) == 64


def test_records_read_back_equal_what_append_returned_and_the_chain_verifies(make_log):
    log = make_log()
    written = [log.append(entry(0))] + log.append_many([entry(i) for i in range(1, 5)])
    read = list(log.iter_records())
    assert read == written
    assert [r["seq"] for r in read] == [1, 2, 3, 4, 5]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(read, read[1:]))
    head = Head("chain#00", 5, read[-1]["hash"])
    assert verify_chain("chain#00", read, head_before=head, head_after=head, key=chain_key(HMAC_KEY)).ok
    assert all(r.ok and r.checked == 5 for r in log.verify())


def test_iter_records_filters_by_time(make_log):
    log = make_log()
    log.append_many([entry(i) for i in range(6)])
    got = list(log.iter_records(start=T0 + timedelta(minutes=2), end=T0 + timedelta(minutes=4)))
    assert [r["message_id"] for r in got] == ["m-2", "m-3"]


def test_shards_keep_one_messages_records_on_one_chain_in_order(make_log):
    log = make_log(shards=4)
    recs = log.append_many([entry(i, message_id=f"m-{i % 3}", action=a)
                            for i, a in enumerate(("message.accepted", "message.routed") * 3)])
    by_message = {}
    for r in recs:
        by_message.setdefault(r["message_id"], set()).add(r["chain"])
    assert all(len(chains) == 1 for chains in by_message.values())
    for chain in {r["chain"] for r in recs}:
        mine = list(log.iter_records(chain=chain))
        assert mine == [r for r in recs if r["chain"] == chain]
        assert [r["seq"] for r in mine] == list(range(1, len(mine) + 1))
    assert sorted(log.iter_records(), key=lambda r: r["hash"]) == sorted(recs, key=lambda r: r["hash"])


def test_child_hash_ignores_spaces_in_the_nhs_number(make_log):
    log = make_log()
    assert log.child_hash(f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}") == log.child_hash(NHS) == child_hash(HMAC_KEY, NHS)


def test_an_invalid_entry_appends_nothing(make_log):
    log = make_log()
    with pytest.raises(InvalidAuditEntry):
        log.append_many([entry(0), entry(1, action="message.invented")])
    assert list(log.iter_records()) == []


def test_query_pages_through_every_matching_record_once(make_log):
    log = make_log(shards=2)
    log.append_many([entry(i) for i in range(7)] + [entry(9, action="message.rejected")])
    seen, cursor = [], None
    while True:
        page, cursor = log.query(AuditFilters(action="message.accepted"), cursor, limit=2)
        seen += page
        if cursor is None:
            break
    assert sorted(r["message_id"] for r in seen) == [f"m-{i}" for i in range(7)]


def test_heads_name_the_last_record_of_each_chain(make_log):
    log = make_log(shards=2)
    recs = log.append_many([entry(i) for i in range(5)])
    last = {r["chain"]: r for r in recs}
    heads = {h.chain: h for h in log.heads()}
    assert set(heads) == {"chain#00", "chain#01"}
    for chain, h in heads.items():
        assert (h.seq, h.hash) == ((last[chain]["seq"], last[chain]["hash"]) if chain in last else (0, GENESIS))
