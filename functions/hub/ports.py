"""Ports: what the services need from the outside world, declared as `typing.Protocol`s.

Each adapter in `hub.adapters` implements one port against AWS; each fake in `tests/support/fakes.py`
implements the same port in memory, and `tests/contract/` runs one suite against both so they cannot
drift. Services take only the ports they use; `hub.bootstrap.build` is the one place that wires them.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol, runtime_checkable

if TYPE_CHECKING:  # kept out of the import, so a handler importing ports pays nothing for the rules engine
    from hub.core.audit import AuditEntry
    from hub.core.audit.chain import ChainReport, Head
    from hub.core.audit.query import AuditFilters, Cursor
    from hub.core.mailbox import MailboxMessage
    from hub.core.rules import ChildState
    from hub.core.tasks import Task


@runtime_checkable
class Clock(Protocol):
    """The hub's time. Lambda uses the wall clock; the local stack may hand in a simulated one."""

    def __call__(self) -> datetime: ...


@runtime_checkable
class Archive(Protocol):
    """Accepted bodies (archive) and rejected bodies (quarantine), write-once by key."""

    def archive(self, message_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str: ...

    def quarantine(self, reject_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str: ...

    def get(self, uri_or_key: str) -> bytes: ...


@runtime_checkable
class Queues(Protocol):
    """FIFO queues: content-independent dedup ids, group ids for ordering."""

    def send_json(self, queue_url: str, payload: dict, *, group_id: str, dedup_id: str,
                  attributes: dict[str, str] | None = None) -> str: ...

    def receive(self, queue_url: str, *, max_messages: int = 10, wait_seconds: int = 0,
                visibility_timeout: int | None = None) -> list[dict]: ...

    def delete(self, queue_url: str, receipt_handle: str) -> None: ...

    def depth(self, queue_url: str) -> dict[str, int]: ...


@runtime_checkable
class AuditLog(Protocol):
    """Append-only, hash-chained audit records: written by every service, read by the commissioners'
    query, the digest (chain heads) and verification."""

    def append(self, entry: AuditEntry) -> dict: ...

    def append_many(self, entries: Iterable[AuditEntry]) -> list[dict]: ...

    def child_hash(self, nhs_number: str) -> str: ...

    def iter_records(self, chain: str | None = None, start=None, end=None) -> Iterator[dict]: ...

    def query(self, filters: AuditFilters, cursor: Cursor | None = None,
              limit: int = 100) -> tuple[list[dict], Cursor | None]: ...

    def heads(self) -> list[Head]: ...

    def verify(self, *, start=None, end=None, anchors: dict[str, Head] | None = None) -> list[ChainReport]: ...


@runtime_checkable
class DeliveryLedger(Protocol):
    """Effects already done (a disclosure sent, an alert audited): exactly-once across retries."""

    def status(self, key: str) -> str | None: ...

    def mark(self, key: str, status: str) -> None: ...


@runtime_checkable
class AgencyRegistry(Protocol):
    """Agency API keys: stored as hashes, looked up by key id."""

    def get(self, key_id: str) -> Any: ...

    def put(self, cred: Any) -> None: ...

    def revoke(self, key_id: str, at: str) -> None: ...

    def list(self) -> list: ...

    def admit(self, cred: Any, now: datetime) -> Any:
        """Spend one request of the key's rate limit (`hub.core.auth.Admission`), noting its last use."""
        ...


@runtime_checkable
class ChildStateStore(Protocol):
    """Each child's state, by NHS number; siblings by household; children with a deadline due."""

    def get(self, nhs_number: str) -> ChildState | None: ...

    def by_household(self, household: str) -> list[ChildState]: ...

    def due(self, until: datetime, limit: int | None = None) -> list[ChildState]: ...

    def put(self, state: ChildState) -> None: ...


@runtime_checkable
class AuditDigests(Protocol):
    """Signed digests of the audit chain heads, kept apart from the audit table."""

    def publish(self, heads: list, *, now: datetime, table: str) -> dict: ...

    def latest(self) -> tuple[str, dict] | None: ...

    def check(self, stored: dict) -> dict: ...


@runtime_checkable
class TaskStore(Protocol):
    """Alert Tasks (FHIR Task), by id; by alert; by owner, newest update first; those the sweep must look at.

    Writes are conditional: `create` only if the id is new, `update` only if the stored version is the one
    read (else `TaskConflictError`), so a retried publish or two concurrent requests cannot lose a change."""

    def get(self, task_id: str) -> Task | None: ...

    def create(self, task: Task) -> bool: ...  # False: a Task with this id exists already

    def update(self, task: Task, *, expected_version: int) -> None: ...

    def by_alert(self, alert_id: str) -> list[Task]: ...

    def by_owner(self, owner: str, *, statuses: tuple[str, ...] | None = None, updated_from: datetime | None = None,
                 updated_to: datetime | None = None, limit: int = 50,
                 cursor: str | None = None) -> tuple[list[Task], str | None]: ...

    def due(self, until: datetime, limit: int | None = None) -> list[Task]: ...  # next_due <= until


@runtime_checkable
class Mailboxes(Protocol):
    """Each recipient organisation's mailbox, keyed by its ODS code and the copy's message id (MESH style).

    `deliver` is a conditional write: a message already delivered (or delivered and acknowledged: its
    tombstone stays for a while) is not written again, so a retried delivery cannot duplicate one.
    Every read is addressed by the caller's own ODS code, so no organisation reaches another's messages.
    A large copy may be kept aside (a claim check); `get` returns it whole either way."""

    def deliver(self, message: MailboxMessage) -> bool: ...  # False: it was there already

    def list(self, ods: str, *, limit: int = 50,
             after: tuple[datetime, str] | None = None) -> tuple[list[MailboxMessage], bool]: ...  # oldest first; more?

    def get(self, ods: str, message_id: str, *, bundle: bool = True) -> MailboxMessage | None: ...  # tombstones too

    def acknowledge(self, ods: str, message_id: str, *, at: datetime) -> str: ...  # acknowledged | already | absent

    def stale(self, delivered_before: datetime, *, limit: int = 1000) -> list[MailboxMessage]: ...  # any ODS, no bundle
