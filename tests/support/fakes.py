"""An in-memory fake of every port in `hub.ports` (`tests.support.wiring.in_memory_ports()` wires them).

Each fake keeps what the AWS adapter keeps, in the form the adapter stores it, and fails the way the
adapter fails (the adapter's own error types), so a service cannot tell them apart. `tests/contract/`
runs the same assertions against each fake and its adapter on moto; extend both together.
Inspection helpers (`objects`, `messages()`, `take()`, `chains`, ...) are for tests only.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator

from hub.adapters.errors import AgencyRegistryError, ArchiveError, QueueError, StateStoreError
from hub.core.audit.chain import (GENESIS, Head, chain_key, chain_names, link_many, record_sk, shard_for, shard_key,
                                  verify_chain)
from hub.core.audit.model import AuditEntry, build_body, child_hash
from hub.core.audit.query import AuditFilters, Cursor, matches
from hub.core.rules import ChildState, InMemoryStateRepository

HMAC_KEY = b"test-audit-hmac-key-0123456789ab"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)  # after every example message in events/valid


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class FakeClock:
    """A settable clock: `clock()` is now; `advance(minutes=5)` and `set(when)` move it."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


# ------------------------------------------------------------------------------------- archive
class InMemoryArchive:
    """S3Archive: objects by key, `s3://<bucket>/<key>` URIs; metadata values must be strings."""

    def __init__(self, bucket: str = "archive") -> None:
        self.bucket = bucket
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}

    def _key(self, uri_or_key: str) -> str:
        return uri_or_key.split(f"s3://{self.bucket}/", 1)[-1]

    def _put(self, key: str, body: bytes, metadata: dict[str, str]) -> str:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("S3 metadata values must be strings")  # botocore fails before sending
        self.objects[key] = (bytes(body), {k.lower(): v for k, v in metadata.items()})
        return f"s3://{self.bucket}/{key}"

    def archive(self, message_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str:
        return self._put(f"archive/{received_on}/{message_id}.json", body, metadata)

    def quarantine(self, reject_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str:
        return self._put(f"quarantine/{received_on}/{reject_id}.json", body, metadata)

    def get(self, uri_or_key: str) -> bytes:
        try:
            return self.objects[self._key(uri_or_key)][0]
        except KeyError:
            raise ArchiveError("archive read failed (NoSuchKey)") from None

    def metadata(self, uri_or_key: str) -> dict[str, str]:
        return dict(self.objects[self._key(uri_or_key)][1])

    def list(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))


# ------------------------------------------------------------------------------------- queues
DEDUP_WINDOW = timedelta(minutes=5)
DEFAULT_VISIBILITY = 30
MAX_BODY_BYTES = 1_048_576  # SQS since 2025 (and moto); was 256 KiB


@dataclass
class _Message:
    message_id: str
    body: str
    group_id: str | None
    dedup_id: str | None
    attributes: dict[str, str]
    sequence: int
    sent_at: datetime
    receive_count: int = 0
    receipt: str | None = None
    visible_at: datetime | None = None  # None: never received


@dataclass
class _Queue:
    fifo: bool
    messages: list[_Message] = field(default_factory=list)
    dedup_seen: dict[str, datetime] = field(default_factory=dict)
    sequence: int = 0


class InMemoryQueues:
    """SqsQueues on FIFO queues (URL ends .fifo): a dedup id is dropped for 5 minutes after its first send;
    a group with a message in flight yields nothing more until it is deleted or its visibility expires.

    `urls`: the queues that exist (others raise QueueError, as a missing queue does); None creates any
    queue on first use. Time (dedup window, visibility) comes from `clock`.
    """

    def __init__(self, urls: Iterable[str] | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or _wall_clock
        self._strict = urls is not None
        self._queues: dict[str, _Queue] = {u: _Queue(u.endswith(".fifo")) for u in (urls or ())}

    def _queue(self, url: str) -> _Queue:
        q = self._queues.get(url)
        if q is None:
            if self._strict:
                raise QueueError("send failed (AWS.SimpleQueueService.NonExistentQueue)")
            q = self._queues[url] = _Queue(url.endswith(".fifo"))
        return q

    # -- the port ---------------------------------------------------------------
    def send_json(self, queue_url: str, payload: dict, *, group_id: str, dedup_id: str,
                  attributes: dict[str, str] | None = None) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)  # as SqsQueues serialises
        q, now = self._queue(queue_url), self._clock()
        if len(body.encode()) > MAX_BODY_BYTES:
            raise QueueError("send failed (InvalidParameterValue: message too long)", retryable=False)
        if q.fifo and not (group_id and len(group_id) <= 128):
            raise QueueError("send failed (InvalidParameterValue: MessageGroupId)", retryable=False)
        message_id = str(uuid.uuid4())
        dedup = dedup_id[:128] if q.fifo else None
        if dedup is not None:
            first = q.dedup_seen.get(dedup)
            if first is not None and now - first < DEDUP_WINDOW:
                return message_id  # accepted, never delivered
            q.dedup_seen[dedup] = now
        q.sequence += 1
        q.messages.append(_Message(message_id, body, group_id if q.fifo else None, dedup, dict(attributes or {}),
                                   q.sequence, now))
        return message_id

    def receive(self, queue_url: str, *, max_messages: int = 10, wait_seconds: int = 0,
                visibility_timeout: int | None = None) -> list[dict]:
        if not 1 <= max_messages <= 10:
            raise QueueError("receive failed (InvalidParameterValue: MaxNumberOfMessages)", retryable=False)
        q, now = self._queue(queue_url), self._clock()
        hidden = timedelta(seconds=DEFAULT_VISIBILITY if visibility_timeout is None else visibility_timeout)
        blocked = {m.group_id for m in q.messages if q.fifo and self._in_flight(m, now)}
        out = []
        for m in q.messages:
            if len(out) >= max_messages:
                break
            if self._in_flight(m, now) or m.group_id in blocked:
                continue
            m.receive_count += 1
            m.receipt = f"{m.message_id}#{m.receive_count}#{uuid.uuid4().hex}"
            m.visible_at = now + hidden
            out.append(self._shape(m))
        return out

    def delete(self, queue_url: str, receipt_handle: str) -> None:
        q = self._queue(queue_url)
        for i, m in enumerate(q.messages):
            if m.receipt is not None and m.receipt == receipt_handle:
                del q.messages[i]
                return
        raise QueueError("delete failed (ReceiptHandleIsInvalid)", retryable=False)

    def depth(self, queue_url: str) -> dict[str, int]:
        q, now = self._queue(queue_url), self._clock()
        in_flight = sum(1 for m in q.messages if self._in_flight(m, now))
        return {"visible": len(q.messages) - in_flight, "in_flight": in_flight}

    # -- for tests --------------------------------------------------------------
    def messages(self, queue_url: str) -> list[dict]:
        """Every message still in the queue (visible or not), bodies parsed, without receiving."""
        return [json.loads(m.body) for m in self._queue(queue_url).messages]

    def take(self, queue_url: str) -> list[dict]:
        """Remove and return every message in the queue, in receive shape (for building SQS events)."""
        q = self._queue(queue_url)
        out, q.messages = [self._shape(m) for m in q.messages], []
        return out

    @staticmethod
    def _in_flight(m: _Message, now: datetime) -> bool:
        return m.visible_at is not None and m.visible_at > now

    @staticmethod
    def _shape(m: _Message) -> dict:
        attrs = {"ApproximateReceiveCount": str(max(1, m.receive_count)),
                 "SentTimestamp": str(int(m.sent_at.timestamp() * 1000)), "SenderId": "AIDAFAKE"}
        if m.group_id is not None:
            attrs |= {"MessageGroupId": m.group_id, "MessageDeduplicationId": m.dedup_id,
                      "SequenceNumber": f"{m.sequence:020d}"}
        out = {"MessageId": m.message_id, "ReceiptHandle": m.receipt or f"{m.message_id}#0",
               "MD5OfBody": hashlib.md5(m.body.encode()).hexdigest(), "Body": m.body, "Attributes": attrs}
        if m.attributes:
            out["MessageAttributes"] = {k: {"StringValue": v, "DataType": "String"} for k, v in m.attributes.items()}
        return out


# ------------------------------------------------------------------------------------- audit log
class InMemoryAuditLog:
    """DynamoDBAuditLog: the same record bodies, sharding and hash chain (the core's), kept in lists."""

    def __init__(self, hmac_key: bytes = HMAC_KEY, shards: int = 1) -> None:
        self._key = hmac_key
        self.shards = max(1, int(shards))
        self.chains: dict[str, list[dict]] = {c: [] for c in chain_names(self.shards)}
        self._once: dict[str, dict] = {}

    def child_hash(self, nhs_number: str) -> str:
        return child_hash(self._key, nhs_number)

    def append(self, entry: AuditEntry) -> dict:
        return self.append_many([entry])[0]

    def append_many(self, entries: Iterable[AuditEntry]) -> list[dict]:
        bodies = [build_body(e, self._key) for e in entries]  # all built first: a bad entry appends nothing
        out = []
        for body in bodies:
            if body.get("once") in self._once:  # one record per business fact, as the adapter's markers keep
                out.append(json.loads(json.dumps(self._once[body["once"]])))
                continue
            chain = shard_for(shard_key(body), self.shards)
            recs = self.chains[chain]
            prev = recs[-1]["hash"] if recs else GENESIS
            rec = link_many([body], chain=chain, seq=len(recs), prev_hash=prev, key=chain_key(self._key))[0]
            recs.append(json.loads(json.dumps(rec)))  # stored apart from what the caller holds
            if body.get("once"):
                self._once[body["once"]] = recs[-1]
            out.append(rec)
        return out

    def iter_records(self, chain: str | None = None, start=None, end=None) -> Iterator[dict]:
        f = AuditFilters(start=start, end=end)
        for c in [chain] if chain else list(self.chains):
            for rec in self.chains.get(c, []):
                if matches(rec, f):
                    yield json.loads(json.dumps(rec))

    # -- the adapter's extras (audit API, digests, CLI) ---------------------------
    @property
    def records(self) -> list[dict]:
        return [r for c in self.chains.values() for r in c]

    def head(self, chain: str | None = None) -> Head:
        chain = chain or chain_names(self.shards)[0]
        recs = self.chains.get(chain)
        return Head(chain, recs[-1]["seq"], recs[-1]["hash"], recs[-1]["at"]) if recs else Head(chain, 0, GENESIS)

    def heads(self) -> list[Head]:
        return [self.head(c) for c in self.chains]

    def query(self, filters: AuditFilters, cursor: Cursor | None = None, limit: int = 100):
        names = list(self.chains)
        index, after = (cursor.chain_index, cursor.after_sk) if cursor else (0, None)
        out: list[dict] = []
        while index < len(names):
            for rec in self.chains[names[index]]:
                if (after is None or record_sk(rec["seq"]) > after) and matches(rec, filters):
                    out.append(json.loads(json.dumps(rec)))
                    if len(out) >= limit:
                        return out, Cursor(index, record_sk(rec["seq"]))
            index, after = index + 1, None
        return out, None

    def verify(self, *, start=None, end=None, anchors: dict[str, Head] | None = None, chains=None):
        anchors = anchors or {}
        names = sorted(set(chains or self.chains) | set(anchors))
        return [verify_chain(c, list(self.chains.get(c, [])), head_before=self.head(c), head_after=self.head(c),
                             anchor=anchors.get(c), start=start, end=end, key=chain_key(self._key)) for c in names]


# ------------------------------------------------------------------------------------- ledger, agencies
class InMemoryLedger:
    """DynamoDBLedger: effect key -> status."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def status(self, key: str) -> str | None:
        return self.items.get(key)

    def mark(self, key: str, status: str) -> None:
        self.items[key] = status


class InMemoryAgencies:
    """DynamoDBAgencyRegistry: credentials by key id, stored as strings; put never overwrites."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, str]] = {}

    def get(self, key_id: str):
        from hub.core.auth import AgencyCredential

        item = self.items.get(key_id)
        return AgencyCredential.from_item(item) if item else None

    def put(self, cred) -> None:
        if cred.key_id in self.items:
            raise AgencyRegistryError("credential write failed (ConditionalCheckFailedException)")
        self.items[cred.key_id] = {k: str(v) for k, v in cred.to_item().items() if v is not None}

    def revoke(self, key_id: str, at: str) -> None:
        if key_id not in self.items:
            raise AgencyRegistryError("revoke failed (ConditionalCheckFailedException)", retryable=False)
        self.items[key_id]["revoked_at"] = at

    def list(self) -> list:
        return [self.get(k) for k in self.items]

    def admit(self, cred, now):
        from hub.core.auth import admit

        adm = admit(self.get(cred.key_id) or cred, now)  # the stored state, as the adapter's condition ensures
        if adm.allowed:
            self.items[cred.key_id]["rl_tat"] = repr(adm.rl_tat)
            if adm.last_used_at:
                self.items[cred.key_id]["last_used_at"] = adm.last_used_at
        return adm


# ------------------------------------------------------------------------------------- child state
MAX_ITEM_BYTES = 400 * 1024


class InMemoryChildStateStore(InMemoryStateRepository):
    """The core's in-memory repository, with each state encoded as DynamoDBStateRepository stores it
    (compressed JSON): a state that cannot be stored there cannot be stored here either."""

    def put(self, state: ChildState) -> None:
        doc = zlib.compress(json.dumps(state.to_item(), separators=(",", ":")).encode(), 6)
        if len(doc) > MAX_ITEM_BYTES:
            raise StateStoreError("state write failed (item larger than 400 KB)")
        super().put(ChildState.from_item(json.loads(zlib.decompress(doc))))


# ------------------------------------------------------------------------------------- digests
class InMemoryDigests:
    """S3AuditDigests with a local HMAC key standing in for KMS; stored in `objects` (pass an
    InMemoryArchive's to share its bucket, as the adapter does)."""

    def __init__(self, mac_key: bytes = b"fake-kms-hmac-key", *, key_id: str = "fake-key",
                 objects: dict | None = None, prefix: str = "digests/") -> None:
        self._mac_key, self.key_id, self.prefix = mac_key, key_id, prefix
        self.objects = objects if objects is not None else {}

    def _mac(self, doc: dict) -> bytes:
        from hub.core.audit.digest import mac_message

        return hmac.new(self._mac_key, mac_message(doc), hashlib.sha256).digest()

    def publish(self, heads: list, *, now: datetime, table: str) -> dict:
        from hub.adapters.s3_digest import MAC_ALGORITHM, AuditDigestError
        from hub.core.audit.digest import build_digest, digest_key

        if not self.key_id:
            raise AuditDigestError("no KMS key configured for audit digests", retryable=False)
        doc = build_digest(heads, now=now, table=table)
        body = {"digest": doc, "mac": base64.b64encode(self._mac(doc)).decode(), "mac_algorithm": MAC_ALGORITHM,
                "key_id": self.key_id}
        key = digest_key(doc, self.prefix)
        self.objects[key] = (json.dumps(body, sort_keys=True).encode(), {})
        return {"key": key, "digest": doc, "mac": body["mac"]}

    def latest(self) -> tuple[str, dict] | None:
        keys = [k for k in self.objects if k.startswith(self.prefix) and k.endswith(".json")]
        if not keys:
            return None
        newest = max(keys)
        return newest, json.loads(self.objects[newest][0])

    def check(self, stored: dict) -> dict[str, Head]:
        from hub.adapters.s3_digest import AuditDigestError
        from hub.core.audit.digest import digest_heads

        try:
            doc, mac = stored["digest"], base64.b64decode(stored["mac"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditDigestError("digest object is malformed", retryable=False) from exc
        if not isinstance(doc, dict) or not hmac.compare_digest(self._mac(doc), mac):
            raise AuditDigestError("digest MAC does not verify: the digest was altered", retryable=False)
        return digest_heads(doc)


# ------------------------------------------------------------------------------------- alert Tasks
from tests.support.fake_tasks import InMemoryTaskStore  # noqa: E402,F401 - the TaskStore fake, in its own module


# ------------------------------------------------------------------------------------- mailboxes
from tests.support.fake_mailboxes import InMemoryMailboxes  # noqa: E402,F401 - the Mailboxes fake, in its own module
