"""DynamoDBAuditLog under moto: append, concurrency, tampering, queries."""
from __future__ import annotations

import threading

import pytest
from moto import mock_aws

from hub.adapters.dynamodb_audit import AuditWriteError, DynamoDBAuditLog
from hub.core.audit import AuditEntry, AuditFilters, compute_hash
from hub.core.audit.chain import chain_key, link

from audit_fixtures import HMAC_KEY, NHS_A, NHS_B, T0, TABLE, LockedClient, entry, make_aws, make_log, record_key


@pytest.fixture
def aws():
    with mock_aws():
        yield make_aws()


def problems(log) -> list[tuple[str, str, int]]:
    return [(p.kind, p.chain, p.seq) for r in log.verify() for p in r.problems]


def test_audit_log_append_returns_chained_record_without_plain_nhs_number(aws):
    log = make_log(aws.ddb)
    first = log.append(entry(0))
    second = log.append(entry(1))
    assert (first["seq"], second["seq"]) == (1, 2)
    assert second["prev_hash"] == first["hash"] == compute_hash(first, chain_key(HMAC_KEY))
    item = aws.ddb.get_item(TableName=TABLE, Key=record_key("chain#00", 1))["Item"]
    assert NHS_A not in str(item) and item["child"]["S"] == log.child_hash(NHS_A)
    assert log.head("chain#00").seq == 2 and log.verify()[0].ok


def test_audit_log_append_many_batches_past_the_transaction_limit(aws):
    # GIVEN 250 entries (more than one 100-item transaction) over 3 shards
    log = make_log(aws.ddb, shards=3)
    recs = log.append_many([entry(i) for i in range(250)])
    # THEN every record is stored once, in order within its chain, and all chains verify
    assert len(recs) == 250 and all(r is not None for r in recs)
    assert sum(h.seq for h in log.heads()) == 250
    assert problems(log) == []
    assert [r["message_id"] for r in log.iter_records()] != []
    assert len(list(log.iter_records())) == 250


def test_audit_log_records_of_one_message_share_a_chain_in_order(aws):
    log = make_log(aws.ddb, shards=4)
    recs = log.append_many([entry(1, message_id="m-x", action="message.accepted"),
                            entry(2, message_id="m-x", action="message.routed")])
    assert recs[0]["chain"] == recs[1]["chain"] and recs[1]["seq"] == recs[0]["seq"] + 1


@pytest.mark.parametrize("atomic_head", [True, False], ids=["transact", "claim"])
def test_audit_log_concurrent_writers_keep_one_valid_chain(aws, atomic_head):
    # GIVEN 6 writers, each with its own log instance (as separate Lambdas), on one chain
    client = LockedClient(aws.ddb)
    logs = [make_log(client, atomic_head=atomic_head) for _ in range(6)]
    errors: list[Exception] = []

    def write(k: int) -> None:
        try:
            for i in range(15):
                logs[k].append(entry(k * 100 + i, message_id=f"w{k}-{i}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN no write was lost or forked: 90 records, seq 1..90, intact chain
    assert errors == []
    records = list(logs[0].iter_records())
    assert sorted(r["seq"] for r in records) == list(range(1, 91))
    assert {r["message_id"] for r in records} == {f"w{k}-{i}" for k in range(6) for i in range(15)}
    assert problems(logs[0]) == []
    # and the writers did race (some attempts lost and retried)
    attempts = client.calls.get("transact_write_items" if atomic_head else "put_item", 0)
    assert attempts >= 90


def test_audit_log_detects_edit_in_the_table(aws):
    log = make_log(aws.ddb)
    log.append_many([entry(i) for i in range(6)])
    aws.ddb.update_item(TableName=TABLE, Key=record_key("chain#00", 4), UpdateExpression="SET outcome = :o",
                        ExpressionAttributeValues={":o": {"S": "403"}})
    assert problems(log) == [("edited", "chain#00", 4)]


def test_audit_log_detects_deletion_in_the_table(aws):
    log = make_log(aws.ddb)
    log.append_many([entry(i) for i in range(6)])
    aws.ddb.delete_item(TableName=TABLE, Key=record_key("chain#00", 3))
    assert problems(log) == [("deleted", "chain#00", 3)]
    aws.ddb.delete_item(TableName=TABLE, Key=record_key("chain#00", 6))
    assert problems(log) == [("deleted", "chain#00", 3), ("deleted", "chain#00", 6)]


def test_audit_log_detects_insertion_in_the_table(aws):
    # GIVEN an attacker holding the key who appends a well-formed, correctly MAC'd record without moving the head
    log = make_log(aws.ddb)
    recs = log.append_many([entry(i) for i in range(5)])
    forged = link({k: v for k, v in recs[1].items() if k not in ("chain", "seq", "prev_hash", "hash")},
                  chain="chain#00", seq=6, prev_hash=recs[-1]["hash"], key=chain_key(HMAC_KEY))
    from hub.adapters.dynamodb_audit_items import to_item

    aws.ddb.put_item(TableName=TABLE, Item=to_item(forged))
    assert problems(log) == [("inserted", "chain#00", 6)]


def test_audit_log_detects_insertion_between_records(aws):
    log = make_log(aws.ddb)
    recs = log.append_many([entry(i) for i in range(4)])
    from hub.adapters.dynamodb_audit_items import to_item

    item = to_item(recs[1])
    item["sk"] = {"S": "r#000000000002a"}
    aws.ddb.put_item(TableName=TABLE, Item=item)
    found = problems(log)
    assert found and found[0][0] == "inserted"


def test_audit_log_query_filters_pages_and_child_hash(aws):
    log = make_log(aws.ddb, shards=2)
    entries = [entry(i, nhs=NHS_A if i % 3 == 0 else NHS_B, actor_ods="A81001" if i % 2 else "POL01",
                     event="injury-observed" if i % 5 == 0 else "child-seen") for i in range(40)]
    log.append_many(entries)
    # paging collects every match exactly once
    f = AuditFilters(child=log.child_hash(NHS_A))
    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = log.query(f, cursor, 4)
        pages += 1
        assert len(page) <= 4
        seen += page
        if cursor is None:
            break
    expected = {e.message_id for e in entries if e.nhs_number == NHS_A}
    assert [r["message_id"] for r in seen if True] and {r["message_id"] for r in seen} == expected
    assert len(seen) == len(expected) and pages >= 4
    both = log.query(AuditFilters(sender="POL01", event="injury-observed"), None, 100)[0]
    assert {r["message_id"] for r in both} == {e.message_id for e in entries
                                              if e.actor_ods == "POL01" and e.event == "injury-observed"}
    window = log.query(AuditFilters(start=T0.replace(minute=10), end=T0.replace(minute=20)), None, 100)[0]
    assert sorted(r["message_id"] for r in window) == [f"msg-{i:04d}" for i in range(10, 20)]


def test_audit_log_write_failure_is_a_domain_error(aws):
    log = DynamoDBAuditLog("no-such-table", client=aws.ddb, hmac_key=HMAC_KEY)
    with pytest.raises(AuditWriteError):
        log.append(AuditEntry("alert.raised", T0, None, None, rule="non-mobile-bruising", message_id="a1"))


@pytest.mark.parametrize("atomic_head", [True, False], ids=["transact", "claim"])
def test_audit_log_writer_with_stale_head_retries_and_links_to_the_real_head(aws, atomic_head):
    # GIVEN writer A has appended (and cached the head), then writer B appends behind its back
    a = make_log(aws.ddb, atomic_head=atomic_head)
    b = make_log(aws.ddb, atomic_head=atomic_head)
    a.append(entry(0))
    b_rec = b.append(entry(1))
    # WHEN A appends again from its stale head
    a_rec = a.append(entry(2))
    # THEN A lost one race, retried, and chained after B's record
    assert a.conflicts == 1
    assert (a_rec["seq"], a_rec["prev_hash"]) == (3, b_rec["hash"])
    assert problems(a) == []


def test_audit_log_append_many_keeps_input_order_across_chains(aws):
    log = make_log(aws.ddb, shards=3)
    entries = [entry(i, message_id=f"order-{i}") for i in range(30)]
    recs = log.append_many(entries)
    assert [r["message_id"] for r in recs] == [e.message_id for e in entries]
