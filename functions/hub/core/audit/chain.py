"""Hash chain: canonical form, linking, sharding and verification (pure).

Each chain is a sequence of records seq = 1, 2, ...; record n carries
`prev_hash` = hash of record n-1 (GENESIS for n = 1) and `hash` = the MAC of its
canonical form (sorted-key compact JSON of every field except `hash` and the
storage keys `pk`/`sk`, which verification checks are derived from chain/seq).

The MAC is HMAC-SHA256 under `chain_key(audit secret)`: someone who can write the
table but does not hold the key cannot re-link records they edit, insert or drop,
not even those written since the last signed digest. Without a key (`key=None`)
the hash is a plain SHA-256; only the in-memory fakes of the tests use that.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from hub.core.audit.model import parse_at

GENESIS = "0" * 64
CHAIN_PREFIX = "chain#"
RECORD_SK_PREFIX = "r#"
HEAD_SK = "head"
_NOT_HASHED = frozenset({"hash", "pk", "sk"})
# Domain separation: the pseudonym key (child hashes) and the record MAC key are different keys.
_CHAIN_KEY_LABEL = b"safeguarding-hub/audit-chain/v2"


def chain_key(audit_secret: bytes) -> bytes:
    """The record MAC key, derived from the audit secret (Secrets Manager)."""
    if not audit_secret:
        raise ValueError("no audit secret to derive the chain key from")
    return hmac.new(audit_secret, _CHAIN_KEY_LABEL, hashlib.sha256).digest()


def chain_name(index: int) -> str:
    return f"{CHAIN_PREFIX}{index:02d}"


def chain_names(shards: int) -> list[str]:
    return [chain_name(i) for i in range(max(1, shards))]


def record_sk(seq: int) -> str:
    return f"{RECORD_SK_PREFIX}{seq:012d}"


def shard_for(key: str, shards: int) -> str:
    """Stable shard choice: all records about one message/alert share a chain (and so their order)."""
    if shards <= 1:
        return chain_name(0)
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return chain_name(int.from_bytes(digest[:8], "big") % shards)


def shard_key(body: dict) -> str:
    return body.get("message_id") or canonical(body).decode("utf-8")


def canonical(record: dict) -> bytes:
    payload = {k: v for k, v in record.items() if k not in _NOT_HASHED}
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(record: dict, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the canonical form under `key` (a `chain_key`); plain SHA-256 without one."""
    if key is None:
        return hashlib.sha256(canonical(record)).hexdigest()
    return hmac.new(key, canonical(record), hashlib.sha256).hexdigest()


def hash_matches(record: dict, key: bytes | None) -> bool:
    stored = record.get("hash")
    return isinstance(stored, str) and hmac.compare_digest(compute_hash(record, key), stored)


def link(body: dict, *, chain: str, seq: int, prev_hash: str, key: bytes | None = None) -> dict:
    """Chain a record body: returns a new record with chain, seq, prev_hash and hash."""
    record = {**body, "chain": chain, "seq": seq, "prev_hash": prev_hash}
    record.pop("hash", None)
    record["hash"] = compute_hash(record, key)
    return record


def link_many(bodies: Iterable[dict], *, chain: str, seq: int, prev_hash: str, key: bytes | None = None) -> list[dict]:
    """Chain consecutive bodies after (seq, prev_hash), the current head."""
    out = []
    for body in bodies:
        seq += 1
        rec = link(body, chain=chain, seq=seq, prev_hash=prev_hash, key=key)
        prev_hash = rec["hash"]
        out.append(rec)
    return out


# ---- verification --------------------------------------------------------------
@dataclass(frozen=True)
class Head:
    chain: str
    seq: int
    hash: str
    at: str | None = None


@dataclass(frozen=True)
class Problem:
    kind: str  # edited | deleted | inserted
    chain: str
    seq: int | None
    message: str
    at: str | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "chain": self.chain, "seq": self.seq, "at": self.at, "message": self.message}


@dataclass
class ChainReport:
    chain: str
    checked: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "chain": self.chain,
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "problems": [p.as_dict() for p in self.problems],
        }


def _in_window(at: str | None, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    if not at:
        return False
    try:
        t = parse_at(at)
    except ValueError:
        return True
    return (start is None or t >= start) and (end is None or t < end)


def verify_chain(
    chain: str,
    records: Iterable[dict],
    *,
    head_before: Head | None = None,
    head_after: Head | None = None,
    anchor: Head | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    key: bytes | None = None,
) -> ChainReport:
    """Walk one chain's stored records (in sort-key order) and report edits, deletions and insertions.

    head_before/head_after: the chain head item read before and after reading the records (they differ
    only if writers were active). A record beyond head_after was not written by the hub (inserted); a
    chain ending before head_before lost its tail (deleted). anchor: a head from a signed digest; the
    record at anchor.seq must still carry anchor.hash (catches a chain rewritten wholesale).
    start/end restrict reporting to the seq span of records whose `at` is in [start, end).
    key: the chain key the records were MAC'd with (`chain_key`); a record re-hashed without it is *edited*.
    """
    head_after = head_after or head_before
    problems: list[tuple[int, Problem]] = []  # (position seq for window filtering, problem)
    expected, prev_hash = 1, GENESIS
    before_prev: str | None = None  # hash of record expected-2, to recognise an inserted record
    anchor_hash: str | None = None
    span_lo: int | None = None
    span_hi: int | None = None
    last_seq, last_hash = 0, GENESIS

    for item in records:
        seq = item.get("seq")
        at = item.get("at")
        stored = item.get("hash")
        if not isinstance(seq, int) or item.get("chain") != chain or item.get("pk") not in (None, chain) or item.get("sk") not in (None, record_sk(seq)):
            problems.append((expected, Problem("inserted", chain, seq if isinstance(seq, int) else None,
                                               f"record at key {item.get('sk')!r} does not belong to {chain} at that position", at)))
            continue
        if _in_window(at, start, end):
            span_lo = seq if span_lo is None else min(span_lo, seq)
            span_hi = seq if span_hi is None else max(span_hi, seq)
        if head_after is not None and seq > head_after.seq:
            problems.append((seq, Problem("inserted", chain, seq, f"record {seq} lies beyond the chain head ({head_after.seq}): not written by the hub", at)))
            continue
        if not hash_matches(item, key):
            problems.append((seq, Problem("edited", chain, seq, f"record {seq} does not match its hash: its content was changed", at)))
        elif seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            problems.append((expected, Problem("deleted", chain, expected, f"record(s) {missing} missing before record {seq}", at)))
        elif seq < expected:
            problems.append((seq, Problem("inserted", chain, seq, f"record {seq} repeats an earlier position", at)))
            continue
        elif item.get("prev_hash") != prev_hash:
            if before_prev is not None and item.get("prev_hash") == before_prev:
                problems.append((seq - 1, Problem("inserted", chain, seq - 1, f"record {seq - 1} was inserted: record {seq} links to record {seq - 2}", at)))
            else:
                problems.append((seq - 1, Problem("edited", chain, seq - 1, f"record {seq - 1} was replaced (re-hashed): record {seq} no longer links to it", at)))
        # resynchronise on the stored hash so one tampered record yields one problem
        before_prev = prev_hash if seq == expected else None
        prev_hash, expected = stored, seq + 1
        last_seq, last_hash = seq, stored
        if anchor is not None and seq == anchor.seq:
            anchor_hash = stored

    report = ChainReport(chain=chain, last_seq=last_seq, last_hash=last_hash)
    if head_before is not None and last_seq < head_before.seq:
        problems.append((head_before.seq, Problem("deleted", chain, last_seq + 1, f"records {last_seq + 1}..{head_before.seq} missing at the end of the chain (head is {head_before.seq})")))
    elif head_after is not None and last_seq == head_after.seq and last_hash != head_after.hash and head_after.seq > 0:
        problems.append((last_seq, Problem("edited", chain, last_seq, f"record {last_seq} differs from the chain head")))
    if anchor is not None and anchor.seq > 0:
        if anchor_hash is None:
            problems.append((anchor.seq, Problem("deleted", chain, anchor.seq, f"record {anchor.seq} named by the signed digest is missing")))
        elif anchor_hash != anchor.hash:
            problems.append((anchor.seq, Problem("edited", chain, anchor.seq, f"chain rewritten: record {anchor.seq} differs from the signed digest")))

    windowed = start is not None or end is not None
    if windowed:
        if span_lo is None:
            report.checked = 0
            problems = []
        else:
            report.checked = span_hi - span_lo + 1
            problems = [(pos, p) for pos, p in problems if span_lo - 1 <= pos <= span_hi + (0 if end else 10**12)]
    else:
        report.checked = last_seq
    report.problems = [p for _, p in sorted(problems, key=lambda x: x[0])]
    return report
