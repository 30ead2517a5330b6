"""The audit table is append-only and unforgeable without the key; each business fact is recorded once.

Attacks and faults from issue 12: a table writer without the audit key re-linking records written since
the last digest; a retried step appending a second record for the same fact.
"""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from hub.adapters.dynamodb_audit_items import once_item, to_item
from hub.core.audit import AuditFilters
from hub.core.audit.chain import chain_key, link

from audit_fixtures import HMAC_KEY, TABLE, entry, make_aws, make_log

MODES = pytest.mark.parametrize("atomic_head", [True, False], ids=["transact", "claim"])


@pytest.fixture
def aws():
    with mock_aws():
        yield make_aws()


class Recorder:
    """Passes calls through, keeping (operation, params); `crash` raises once after or before a chosen call."""

    def __init__(self, client: Any):
        self._client = client
        self.calls: list[tuple[str, dict]] = []
        self.crash: tuple[str, Any, bool] | None = None  # (operation, predicate(params), after the call)

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith(("get_paginator", "exceptions")):
            return attr

        def call(**params):
            self.calls.append((name, params))
            crash = self.crash
            if crash and crash[0] == name and crash[1](params) and not crash[2]:
                self.crash = None
                raise RuntimeError("injected crash before the call")
            out = attr(**params)
            if crash and crash[0] == name and crash[1](params) and crash[2]:
                self.crash = None
                raise RuntimeError("injected crash after the call")
            return out

        return call


def problems(log) -> list[tuple[str, str, int]]:
    return [(p.kind, p.chain, p.seq) for r in log.verify() for p in r.problems]


def records(log) -> list[dict]:
    return list(log.iter_records())


@MODES
def test_audit_append_only_writer_never_updates_or_deletes_and_every_put_is_conditional(aws, atomic_head):
    # GIVEN a writer whose every DynamoDB call is recorded
    rec = Recorder(aws.ddb)
    log = make_log(rec, atomic_head=atomic_head)
    # WHEN it appends, appends a duplicate business fact, races a second writer and verifies
    log.append_many([entry(i) for i in range(5)])
    log.append(entry(2))
    make_log(aws.ddb, atomic_head=atomic_head).append(entry(9))
    log.append(entry(10))
    log.verify()
    # THEN it only ever put (conditionally), got and queried: no UpdateItem, DeleteItem or BatchWriteItem
    ops = {op for op, _ in rec.calls}
    assert ops <= {"put_item", "get_item", "query", "transact_write_items"}, ops
    for op, params in rec.calls:
        if op == "put_item":
            assert params.get("ConditionExpression"), params["Item"]["sk"]
        if op == "transact_write_items":
            for item in params["TransactItems"]:
                assert set(item) == {"Put"} and item["Put"].get("ConditionExpression"), item
    record_puts = [p for op, p in rec.calls if op == "put_item" and p["Item"]["sk"]["S"].startswith("r#")]
    record_puts += [i["Put"] for op, p in rec.calls if op == "transact_write_items" for i in p["TransactItems"]
                    if i["Put"]["Item"]["sk"]["S"].startswith("r#")]
    assert record_puts and all(p["ConditionExpression"] == "attribute_not_exists(sk)" for p in record_puts)


def test_audit_append_only_records_rewritten_without_the_key_are_caught_without_a_digest(aws):
    # GIVEN 6 records and no digest yet; an attacker with table write access but not the audit secret
    log = make_log(aws.ddb)
    recs = log.append_many([entry(i) for i in range(6)])
    for forging_key in (None, b"a key the attacker made up"):
        # WHEN the attacker changes record 4, re-links records 4..6 consistently and moves the head
        prev = recs[2]["hash"]
        forged = []
        for r in recs[3:]:
            body = {k: v for k, v in r.items() if k not in ("chain", "seq", "prev_hash", "hash")}
            if r["seq"] == 4:
                body["outcome"] = "422"
            f = link(body, chain="chain#00", seq=r["seq"], prev_hash=prev, key=forging_key)
            forged.append(f)
            prev = f["hash"]
        for f in forged:
            aws.ddb.put_item(TableName=TABLE, Item=to_item(f))
        aws.ddb.put_item(TableName=TABLE, Item={"pk": {"S": "chain#00"}, "sk": {"S": "head"}, "seq": {"N": "6"},
                                                "hash": {"S": prev}, "at": {"S": forged[-1]["at"]}})
        # THEN verify names the first forged record: its MAC is not the hub's
        found = problems(log)
        assert found and found[0] == ("edited", "chain#00", 4), found


def test_audit_append_only_a_record_the_key_holder_made_verifies(aws):
    log = make_log(aws.ddb)
    recs = log.append_many([entry(i) for i in range(3)])
    assert all(r["v"] == 2 and len(r["hash"]) == 64 for r in recs)
    again = link({k: v for k, v in recs[1].items() if k not in ("chain", "seq", "prev_hash", "hash")},
                 chain="chain#00", seq=2, prev_hash=recs[0]["hash"], key=chain_key(HMAC_KEY))
    assert again["hash"] == recs[1]["hash"] and problems(log) == []


@MODES
def test_audit_once_a_retried_step_gets_the_first_record_back(aws, atomic_head):
    log = make_log(aws.ddb, atomic_head=atomic_head)
    accepted = log.append(entry(1, message_id="m-1"))
    routed = log.append(entry(2, message_id="m-1", action="message.routed", recipient_ods="A81001", recipient_kind="gp"))
    # WHEN each step is retried, at a later time (a retry re-reads the clock)
    assert log.append(entry(7, message_id="m-1")) == accepted
    assert log.append(entry(8, message_id="m-1", action="message.routed", recipient_ods="A81001",
                            recipient_kind="gp")) == routed
    # THEN each fact has one record; a different recipient or a rejection is a new fact
    log.append(entry(3, message_id="m-1", action="message.routed", recipient_ods="HV001", recipient_kind="health-visiting"))
    log.append_many([entry(4, action="message.rejected", message_id=None, outcome="422")] * 2)
    by_action = {}
    for r in records(log):
        by_action[r["action"]] = by_action.get(r["action"], 0) + 1
    assert by_action == {"message.accepted": 1, "message.routed": 2, "message.rejected": 2}
    assert problems(log) == []


@MODES
def test_audit_once_the_same_fact_twice_in_one_batch_is_one_record(aws, atomic_head):
    log = make_log(aws.ddb, atomic_head=atomic_head)
    out = log.append_many([entry(1, message_id="m-1"), entry(2, message_id="m-2"), entry(3, message_id="m-1")])
    assert out[0] == out[2] and out[1]["seq"] == out[0]["seq"] + 1
    assert [r["message_id"] for r in records(log)] == ["m-1", "m-2"]


@MODES
def test_audit_once_survives_a_crash_after_the_write(aws, atomic_head):
    # GIVEN a writer that dies right after its record reached the table (before the caller heard back)
    rec = Recorder(aws.ddb)
    log = make_log(rec, atomic_head=atomic_head)
    log.append(entry(0, message_id="m-0"))
    op = "transact_write_items" if atomic_head else "put_item"
    rec.crash = (op, lambda p: op == "transact_write_items" or p["Item"]["sk"]["S"].startswith("r#"), True)
    with pytest.raises(RuntimeError):
        log.append(entry(1, message_id="m-1"))
    # WHEN the step is retried by a fresh container
    again = make_log(aws.ddb, atomic_head=atomic_head).append(entry(5, message_id="m-1"))
    # THEN the first record is returned and the chain holds one record for m-1
    assert [r["message_id"] for r in records(log)] == ["m-0", "m-1"]
    assert again["at"] == entry(1).at.strftime("%Y-%m-%dT%H:%M:%S.%fZ") and problems(log) == []


def test_audit_once_claim_mode_recovers_a_claim_whose_record_never_came(aws):
    # GIVEN a claim-mode writer that claimed the business key, then died before writing the record
    rec = Recorder(aws.ddb)
    log = make_log(rec, atomic_head=False)
    rec.crash = ("put_item", lambda p: p["Item"]["sk"]["S"].startswith("r#"), False)
    with pytest.raises(RuntimeError):
        log.append(entry(1, message_id="m-1"))
    assert records(log) == []
    # WHEN retried, THEN the record is written once
    make_log(aws.ddb, atomic_head=False).append(entry(2, message_id="m-1"))
    assert [r["message_id"] for r in records(log)] == ["m-1"] and problems(log) == []


@MODES
def test_audit_once_a_forged_marker_cannot_suppress_a_record(aws, atomic_head):
    # GIVEN markers forged for a fact not yet recorded: one naming a record of another fact, one naming nothing
    log = make_log(aws.ddb, atomic_head=atomic_head)
    other = log.append(entry(0, message_id="m-0"))
    from hub.core.audit import build_body

    for i, message_id in ((1, "m-1"), (2, "m-2")):
        token = build_body(entry(i, message_id=message_id), HMAC_KEY)["once"]
        forged = once_item(token, "chain#00", seq=other["seq"]) if i == 1 else once_item(token, "chain#00", seq=99)
        aws.ddb.put_item(TableName=TABLE, Item=forged)
    # WHEN the facts happen, THEN they are recorded all the same
    log.append(entry(1, message_id="m-1"))
    log.append(entry(2, message_id="m-2"))
    assert [r["message_id"] for r in log.query(AuditFilters(action="message.accepted"), None, 10)[0]] == ["m-0", "m-1", "m-2"]
    assert problems(log) == []
