"""`in_memory_ports()`: a `HubPorts` whose every AWS-backed port is an in-memory fake, for the service
tier, handler tests without an emulator and bench_cpu. Also the Powertools idempotency store in memory."""
from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable

from tests.support.fakes import (
    HMAC_KEY,
    InMemoryAgencies,
    InMemoryArchive,
    InMemoryAuditLog,
    InMemoryChildStateStore,
    InMemoryDigests,
    InMemoryLedger,
    InMemoryMailboxes,
    InMemoryQueues,
    InMemoryTaskStore,
)

def fake_settings(**over: Any):
    """Settings naming the fakes' resources (short queue URLs, the template's shard count)."""
    from hub.settings import Settings

    kw: dict[str, Any] = dict(
        archive_bucket="archive", validated_queue_url="validated.fifo", rules_queue_url="rules.fifo",
        alerts_queue_url="alerts.fifo",
        state_table="state", idempotency_table="idempotency", audit_table="audit", agencies_table="agencies",
        mailbox_table="mailbox",
        audit_digest_key_id="fake-key", la_front_door_ods="LAFD001", default_hv_ods="HV001", audit_shards=4)
    kw.update(over)
    return Settings(**kw)


class NoClients:
    """In-memory ports have no boto3 clients: reaching for one is a test bug, not a call to AWS."""

    def __getattr__(self, name: str):
        raise AttributeError(f"in-memory ports have no boto3 client {name!r}")


def queue_urls(settings) -> list[str]:
    return [settings.validated_queue_url, settings.rules_queue_url, settings.alerts_queue_url]


def in_memory_ports(settings=None, *, clock: Callable[[], datetime] | None = None, hmac_key: bytes = HMAC_KEY,
                    **ports: Any):
    """`hub.bootstrap.build` on fakes: archive, queues (only the settings' queues exist), audit log (the
    settings' shards), ledger, agencies, child state, digests (in the archive's bucket), idempotency
    store, alert Tasks and mailboxes. Keyword `ports` replace any of them. The clock drives the queues' dedup window and visibility."""
    from hub.bootstrap import build

    settings = settings or fake_settings()
    archive = ports.get("archive") or InMemoryArchive(settings.archive_bucket)
    made = dict(archive=archive, queues=InMemoryQueues(queue_urls(settings), clock=clock),
                audit=InMemoryAuditLog(hmac_key, shards=settings.audit_shards), ledger=InMemoryLedger(),
                agencies=InMemoryAgencies(), state=InMemoryChildStateStore(),
                digests=InMemoryDigests(key_id=settings.audit_digest_key_id,
                                        objects=getattr(archive, "objects", None)),
                idempotency_store=in_memory_idempotency_store(), tasks=InMemoryTaskStore(),
                mailboxes=InMemoryMailboxes())
    made.update(ports)
    return build(settings, NoClients(), clock=clock, hmac_key=hmac_key, **made)


# ------------------------------------------------------------------ idempotency store
def in_memory_idempotency_store():
    """A Powertools idempotency persistence layer in a dict, with DynamoDBPersistenceLayer's put rule: a
    record may be replaced only once it has expired (or its in-progress lease has), and a put that meets a
    live record checks the payload hash first (other content for the same key: IdempotencyValidationError)."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyItemAlreadyExistsError,
        IdempotencyItemNotFoundError,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    class InMemoryPersistenceLayer(BasePersistenceLayer):
        def __init__(self) -> None:
            super().__init__()
            self.items: dict = {}

        def _get_record(self, idempotency_key):
            if idempotency_key not in self.items:
                raise IdempotencyItemNotFoundError
            return self.items[idempotency_key]

        def _put_record(self, data_record):
            old = self.items.get(data_record.idempotency_key)
            lease = old.in_progress_expiry_timestamp if old is not None else None
            lapsed = old is not None and old.status == "INPROGRESS" and lease is not None \
                and lease < time.time() * 1000
            if old is not None and not old.is_expired and not lapsed:
                self._validate_payload(data_payload=data_record, stored_data_record=old)  # 409 on other content
                raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            self.items[data_record.idempotency_key] = data_record

        def _update_record(self, data_record):
            self.items[data_record.idempotency_key] = data_record

        def _delete_record(self, data_record):
            self.items.pop(data_record.idempotency_key, None)

    return InMemoryPersistenceLayer()
