"""Hash chain: canonical hashing, linking and tamper diagnosis (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.core.audit import AuditEntry, build_body
from hub.core.audit.chain import (GENESIS, Head, canonical, chain_key, chain_name, compute_hash, link, link_many, record_sk,
                                  shard_for, verify_chain)
from hub.core.audit.model import InvalidAuditEntry, child_hash

KEY = b"k" * 32
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
CHAIN = "chain#00"


def bodies(n: int) -> list[dict]:
    return [build_body(AuditEntry("message.accepted", T0 + timedelta(hours=i), "A81001", "gp", event="child-seen",
                                  message_id=f"m{i}", nhs_number="9912003888", outcome="202",
                                  details={"summary": f"visit {i}", "score": 1.5}), KEY) for i in range(n)]


def stored(records: list[dict]) -> list[dict]:
    """As the adapter yields them: with storage keys."""
    return [{**r, "pk": r["chain"], "sk": record_sk(r["seq"])} for r in records]


def head_of(records: list[dict]) -> Head:
    return Head(CHAIN, records[-1]["seq"], records[-1]["hash"])


def test_chain_links_records_to_their_predecessor():
    recs = link_many(bodies(3), chain=CHAIN, seq=0, prev_hash=GENESIS)
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert recs[0]["prev_hash"] == GENESIS
    assert recs[1]["prev_hash"] == recs[0]["hash"] and recs[2]["prev_hash"] == recs[1]["hash"]
    assert all(compute_hash(r) == r["hash"] for r in recs)


def test_chain_canonical_form_is_sorted_compact_and_excludes_hash_and_keys():
    rec = link(bodies(1)[0], chain=CHAIN, seq=1, prev_hash=GENESIS)
    text = canonical({**rec, "pk": "x", "sk": "y"}).decode()
    assert '"hash"' not in text and '"pk"' not in text and " " not in text.replace("visit 0", "")
    assert text.index('"action"') < text.index('"at"') < text.index('"chain"')


def test_chain_body_stores_only_keyed_hash_of_nhs_number():
    body = bodies(1)[0]
    assert "9912003888" not in canonical(body).decode()
    assert body["child"] == child_hash(KEY, "9912003888") != child_hash(b"other-key", "9912003888")
    assert child_hash(KEY, "991 200 3888") == body["child"]


def test_chain_rejects_naive_time_and_unknown_action():
    with pytest.raises(InvalidAuditEntry):
        build_body(AuditEntry("message.accepted", datetime(2026, 1, 1), "A", "gp"), KEY)
    with pytest.raises(InvalidAuditEntry):
        build_body(AuditEntry("message.deleted", T0, "A", "gp"), KEY)


def test_chain_shard_is_stable_and_spread():
    assert shard_for("abc", 1) == chain_name(0)
    assert shard_for("abc", 4) == shard_for("abc", 4)
    assert len({shard_for(f"m{i}", 4) for i in range(64)}) == 4


def test_verify_intact_chain_has_no_problems():
    recs = link_many(bodies(5), chain=CHAIN, seq=0, prev_hash=GENESIS)
    report = verify_chain(CHAIN, stored(recs), head_before=head_of(recs))
    assert report.ok and report.checked == 5 and report.last_seq == 5


def test_verify_detects_edited_record():
    recs = stored(link_many(bodies(5), chain=CHAIN, seq=0, prev_hash=GENESIS))
    head = head_of(recs)
    recs[2] = {**recs[2], "outcome": "422"}
    report = verify_chain(CHAIN, recs, head_before=head)
    assert [(p.kind, p.seq) for p in report.problems] == [("edited", 3)]


def test_verify_detects_edited_and_rehashed_record_through_the_next_link():
    recs = stored(link_many(bodies(5), chain=CHAIN, seq=0, prev_hash=GENESIS))
    head = head_of(recs)
    forged = {**recs[1], "actor_ods": "X99999"}
    forged["hash"] = compute_hash(forged)
    recs[1] = forged
    report = verify_chain(CHAIN, recs, head_before=head)
    assert [(p.kind, p.seq) for p in report.problems] == [("edited", 2)]


def test_verify_detects_deleted_record_in_the_middle_and_at_the_end():
    recs = stored(link_many(bodies(5), chain=CHAIN, seq=0, prev_hash=GENESIS))
    head = head_of(recs)
    middle = verify_chain(CHAIN, recs[:2] + recs[3:], head_before=head)
    assert [(p.kind, p.seq) for p in middle.problems] == [("deleted", 3)]
    tail = verify_chain(CHAIN, recs[:4], head_before=head)
    assert [(p.kind, p.seq) for p in tail.problems] == [("deleted", 5)]


def test_verify_detects_record_inserted_by_shifting_the_chain():
    # GIVEN a forged record put at seq 3, with records 3..5 moved up to 4..6 and re-hashed
    recs = link_many(bodies(5), chain=CHAIN, seq=0, prev_hash=GENESIS)
    forged = link(bodies(9)[8], chain=CHAIN, seq=3, prev_hash=recs[1]["hash"])
    shifted = []
    for r in recs[2:]:
        moved = {**r, "seq": r["seq"] + 1}
        moved["hash"] = compute_hash(moved)
        shifted.append(moved)
    tampered = stored(recs[:2] + [forged] + shifted)
    # WHEN verified against a head the attacker also moved
    report = verify_chain(CHAIN, tampered, head_before=head_of(tampered))
    # THEN the inserted record is named
    assert report.problems[0].kind == "inserted" and report.problems[0].seq == 3


def test_verify_detects_record_appended_beyond_the_head():
    recs = link_many(bodies(4), chain=CHAIN, seq=0, prev_hash=GENESIS)
    head = head_of(recs)
    extra = link(bodies(9)[8], chain=CHAIN, seq=5, prev_hash=recs[-1]["hash"])
    report = verify_chain(CHAIN, stored(recs + [extra]), head_before=head)
    assert [(p.kind, p.seq) for p in report.problems] == [("inserted", 5)]


def test_verify_detects_record_under_a_foreign_key():
    recs = stored(link_many(bodies(3), chain=CHAIN, seq=0, prev_hash=GENESIS))
    odd = {**recs[1], "sk": "r#000000000002x"}
    report = verify_chain(CHAIN, recs[:2] + [odd] + recs[2:], head_before=head_of(recs))
    assert [p.kind for p in report.problems] == ["inserted"]


def test_verify_detects_wholesale_rewrite_only_through_the_signed_anchor():
    recs = link_many(bodies(4), chain=CHAIN, seq=0, prev_hash=GENESIS)
    anchor = Head(CHAIN, 3, recs[2]["hash"])
    rewritten = link_many([{**b, "outcome": "500"} for b in bodies(4)], chain=CHAIN, seq=0, prev_hash=GENESIS)
    assert verify_chain(CHAIN, stored(rewritten), head_before=head_of(rewritten)).ok
    report = verify_chain(CHAIN, stored(rewritten), head_before=head_of(rewritten), anchor=anchor)
    assert [(p.kind, p.seq) for p in report.problems] == [("edited", 3)]
    assert verify_chain(CHAIN, stored(recs), head_before=head_of(recs), anchor=anchor).ok


def test_verify_window_reports_only_problems_in_its_span():
    recs = stored(link_many(bodies(6), chain=CHAIN, seq=0, prev_hash=GENESIS))  # hourly from T0
    head = head_of(recs)
    recs[0] = {**recs[0], "outcome": "999"}
    late = verify_chain(CHAIN, recs, head_before=head, start=T0 + timedelta(hours=3))
    assert late.ok and late.checked == 3
    early = verify_chain(CHAIN, recs, head_before=head, end=T0 + timedelta(hours=2))
    assert [(p.kind, p.seq) for p in early.problems] == [("edited", 1)]


def test_chain_keyed_mac_rejects_records_linked_without_the_key():
    key = chain_key(KEY)
    recs = link_many(bodies(4), chain=CHAIN, seq=0, prev_hash=GENESIS, key=key)
    assert verify_chain(CHAIN, stored(recs), head_before=head_of(recs), key=key).ok
    # a forger without the key re-links the whole chain (and its head) with plain SHA-256 or a guessed key
    for forging_key in (None, b"guess" * 8):
        forged = link_many([{**b, "outcome": "500"} for b in bodies(4)], chain=CHAIN, seq=0, prev_hash=GENESIS,
                           key=forging_key)
        report = verify_chain(CHAIN, stored(forged), head_before=head_of(forged), key=key)
        assert [(p.kind, p.seq) for p in report.problems][:1] == [("edited", 1)]


def test_chain_key_is_not_the_pseudonym_key():
    assert chain_key(KEY) != KEY and len(chain_key(KEY)) == 32 and chain_key(KEY) != chain_key(b"other")
    with pytest.raises(ValueError):
        chain_key(b"")


def test_business_key_names_the_fact_each_action_records_once():
    from hub.core.audit.model import business_key_of

    e = AuditEntry("message.routed", T0, "POL01", "police", message_id="m1", recipient_ods="A81001", recipient_kind="gp")
    assert business_key_of(e) == "message.routed|m1|gp|A81001"
    assert business_key_of(AuditEntry("message.accepted", T0, "POL01", "police", message_id="m1")) == "message.accepted|POL01|m1"
    assert business_key_of(AuditEntry("message.rejected", T0, "POL01", "police", message_id="m1")) is None
    assert business_key_of(AuditEntry("alert.raised", T0, "hub", "rules")) is None  # no alert id: nothing to key on
    assert business_key_of(AuditEntry("audit.query", T0, "C1", "commissioner", business_key="q-1")) == "q-1"
    assert business_key_of(AuditEntry("message.accepted", T0, "P", "police", message_id="m", business_key="")) is None
    once = build_body(AuditEntry("message.accepted", T0, "POL01", "police", message_id="m1"), KEY)["once"]
    assert "m1" not in once and "POL01" not in once and len(once) == 40
