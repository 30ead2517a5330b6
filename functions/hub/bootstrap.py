"""Composition root: the one place that turns `Settings` and boto3 clients into the hub's ports.

`build(settings, clients)` returns a frozen `HubPorts`; `ingest_service(ports)`, `router_service(ports)`
and `rules_service(ports)` give each service only the ports it uses. Nothing here reads the environment:
`Settings.from_env()` does, and only `hub.handlers.composition` (each Lambda container's composition)
and the CLI's stack lookup call it. Adapters are built on first access, so a handler pays at cold start
only for the clients and adapters it uses; once built, an adapter is kept for the bundle's lifetime.
"""
from __future__ import annotations

import threading
from dataclasses import FrozenInstanceError
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar, overload

from hub.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from hub.core.routing import RoutingConfig, RoutingPolicy
    from hub.core.rules import RulesConfig
    from hub.ports import AgencyRegistry, Archive, AuditDigests, AuditLog, ChildStateStore, Clock, DeliveryLedger, Queues
    from hub.service.ingest import IngestService
    from hub.service.router import RouterService
    from hub.service.rules import RulesService
    from hub.service.tasks import TaskService
    from hub.ports import Mailboxes, TaskStore
    from hub.service.mailbox import MailboxService

T = TypeVar("T")

# boto3 service names where the attribute name differs
_SERVICE_NAMES = {"secrets": "secretsmanager"}


class Clients:
    """boto3 clients, created on first use and shared by every adapter of one composition.

    `endpoint_url` and `region` are explicit so a caller (the local stack, tests) points the hub at an
    emulator without touching `os.environ`; left None, boto3 does its own lookup (which includes
    AWS_ENDPOINT_URL and AWS_REGION). `overrides` maps an attribute name (`s3`, `sqs`, ...) to a ready client.
    """

    def __init__(self, endpoint_url: str | None = None, region: str | None = None, session: Any = None,
                 overrides: dict[str, Any] | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._session = session
        self._overrides = dict(overrides or {})
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        with self._lock:
            if name in self._overrides:
                return self._overrides[name]
            if name not in self._made:
                import boto3
                from botocore.config import Config

                cfg = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=20,
                             max_pool_connections=32)
                if self._session is None:
                    # one session for every client: each boto3 Session loads its own service models and
                    # endpoint data (4 clients: ~42 MB with a session each, ~19 MB sharing one)
                    self._session = boto3.session.Session()
                self._made[name] = self._session.client(_SERVICE_NAMES.get(name, name), config=cfg,
                                                        endpoint_url=self.endpoint_url, region_name=self.region)
            return self._made[name]


class _Lazy(Generic[T]):
    """A port of `HubPorts`, built by `factory` on first access, then fixed (assignment raises)."""

    def __init__(self, factory: Callable[["HubPorts"], T]) -> None:
        self._factory = factory
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> "_Lazy[T]": ...

    @overload
    def __get__(self, obj: "HubPorts", owner: type | None = None) -> T: ...

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        made = obj._made
        if self.name not in made:
            with obj._lock:
                if self.name not in made:
                    made[self.name] = self._factory(obj)
        return made[self.name]

    def __set__(self, obj: "HubPorts", value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {self.name!r}")


def _hmac_key(p: "HubPorts") -> bytes:
    from hub.adapters.secrets import get_secret_bytes

    return get_secret_bytes(p.settings.audit_hmac_secret_arn, client=p.clients.secretsmanager)


def _archive(p: "HubPorts") -> "Archive":
    from hub.adapters.s3_archive import S3Archive

    return S3Archive(p.settings.archive_bucket, client=p.clients.s3)


def _queues(p: "HubPorts") -> "Queues":
    from hub.adapters.sqs_queue import SqsQueues

    return SqsQueues(client=p.clients.sqs)


def _audit(p: "HubPorts") -> "AuditLog":
    from hub.adapters.dynamodb_audit import DynamoDBAuditLog

    return DynamoDBAuditLog(p.settings.audit_table, client=p.clients.dynamodb, hmac_key=p.hmac_key,
                            shards=p.settings.audit_shards, atomic_head=p.settings.audit_atomic_head)


def _ledger(p: "HubPorts") -> "DeliveryLedger":
    from hub.adapters.dynamodb_ledger import DynamoDBLedger

    return DynamoDBLedger(p.settings.idempotency_table, client=p.clients.dynamodb)


def _agencies(p: "HubPorts") -> "AgencyRegistry":
    from hub.adapters.dynamodb_agencies import DynamoDBAgencyRegistry

    return DynamoDBAgencyRegistry(p.settings.agencies_table, client=p.clients.dynamodb)


def _state(p: "HubPorts") -> "ChildStateStore":
    from hub.adapters.dynamodb_state import DynamoDBStateRepository

    return DynamoDBStateRepository(p.settings.state_table, client=p.clients.dynamodb)


def _tasks(p: "HubPorts") -> "TaskStore | None":
    """None when the settings name no Task table (an environment deployed before alert Tasks)."""
    if not p.settings.task_table:
        return None
    from hub.adapters.dynamodb_tasks import DynamoDBTaskStore

    return DynamoDBTaskStore(p.settings.task_table, client=p.clients.dynamodb)


def _mailboxes(p: "HubPorts") -> "Mailboxes":
    from hub.adapters.dynamodb_mailbox import DynamoDBMailboxes

    # a copy too large for an item waits in the archive bucket (under mailbox/), encrypted like the archive
    return DynamoDBMailboxes(p.settings.mailbox_table, p.settings.archive_bucket, client=p.clients.dynamodb,
                             s3=p.clients.s3)


def _digests(p: "HubPorts") -> "AuditDigests":
    from hub.adapters.s3_digest import S3AuditDigests

    return S3AuditDigests(p.settings.audit_digest_bucket or p.settings.archive_bucket, s3=p.clients.s3, kms=p.clients.kms,
                          key_id=p.settings.audit_digest_key_id)


def _idempotency_store(p: "HubPorts") -> "BasePersistenceLayer":
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=p.settings.idempotency_table, boto3_client=p.clients.dynamodb)


def _routing_policy(p: "HubPorts") -> "RoutingPolicy":
    from hub.core.routing import default_policy

    return default_policy()


def _routing_config(p: "HubPorts") -> "RoutingConfig":
    from hub.core.routing import RoutingConfig

    return RoutingConfig(la_front_door_ods=p.settings.la_front_door_ods, default_hv_ods=p.settings.default_hv_ods,
                         police_by_la=dict(p.settings.police_force_by_la))


def _rules_config(p: "HubPorts") -> "RulesConfig":
    from hub.core.rules import RulesConfig

    return RulesConfig(la_front_door_ods=p.settings.la_front_door_ods)


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class HubPorts:
    """The hub's ports for one composition: frozen, each adapter built on first access.

    `clients` is the boto3 clients the adapters share; operator tooling and tests reach them (e.g. to
    inject faults), services never do.
    """

    __slots__ = ("settings", "clients", "clock", "_made", "_lock")

    hmac_key = _Lazy(_hmac_key)
    archive = _Lazy(_archive)
    queues = _Lazy(_queues)
    audit = _Lazy(_audit)
    ledger = _Lazy(_ledger)
    agencies = _Lazy(_agencies)
    state = _Lazy(_state)
    digests = _Lazy(_digests)
    idempotency_store = _Lazy(_idempotency_store)
    routing_policy = _Lazy(_routing_policy)
    routing_config = _Lazy(_routing_config)
    rules_config = _Lazy(_rules_config)
    tasks = _Lazy(_tasks)
    mailboxes = _Lazy(_mailboxes)

    settings: Settings
    clients: Clients
    clock: "Clock"

    def __init__(self, settings: Settings, clients: Clients, clock: "Clock", given: dict[str, Any]) -> None:
        unknown = sorted(n for n in given if not isinstance(getattr(type(self), n, None), _Lazy))
        if unknown:
            raise TypeError(f"not a port of HubPorts: {', '.join(unknown)}")
        object.__setattr__(self, "settings", settings)
        object.__setattr__(self, "clients", clients)
        object.__setattr__(self, "clock", clock)
        object.__setattr__(self, "_made", dict(given))
        object.__setattr__(self, "_lock", threading.RLock())  # re-entrant: audit's factory reads hmac_key

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return f"HubPorts(built={sorted(self._made)})"


def build(settings: Settings, clients: Clients | None = None, *, clock: "Clock | None" = None,
          hmac_key: bytes | None = None, **ports: Any) -> HubPorts:
    """The hub's ports for `settings`, on `clients` (default: boto3's own endpoint and region lookup).

    `clock` defaults to the UTC wall clock; `hmac_key` to the secret named by the settings, read on first
    use. Keyword `ports` hand in ready adapters by name (e.g. in-memory fakes: `archive=FakeArchive()`).
    """
    given = dict(ports)
    if hmac_key is not None:
        given["hmac_key"] = hmac_key
    return HubPorts(settings, clients if clients is not None else Clients(), clock or _wall_clock, given)


# ---- services: each gets only the ports it uses ----------------------------------------------------
def ingest_service(ports: HubPorts) -> "IngestService":
    from hub.service.ingest import IngestService

    return IngestService(ports.archive, ports.queues, ports.audit, ports.idempotency_store, ports.clock,
                         validated_queue_url=ports.settings.validated_queue_url, hmac_key=ports.hmac_key)


def router_service(ports: HubPorts) -> "RouterService":
    from hub.service.router import RouterService

    return RouterService(ports.state, ports.ledger, ports.queues, ports.audit, ports.archive, ports.mailboxes,
                         ports.clock, policy=ports.routing_policy, routing_config=ports.routing_config,
                         rules_queue_url=ports.settings.rules_queue_url, hmac_key=ports.hmac_key)


def mailbox_service(ports: HubPorts) -> "MailboxService":
    from hub.service.mailbox import MailboxService

    return MailboxService(ports.mailboxes, ports.audit, ports.clock,
                          operator_age_hours=ports.settings.mailbox_operator_age_hours)


def rules_service(ports: HubPorts) -> "RulesService":
    from hub.service.rules import RulesService

    return RulesService(ports.state, ports.ledger, ports.queues, ports.audit, ports.clock, config=ports.rules_config,
                        alerts_queue_url=ports.settings.alerts_queue_url, hmac_key=ports.hmac_key,
                        tasks=task_service(ports), legal_bases=ports.routing_policy.legal_bases)


def task_service(ports: HubPorts) -> "TaskService | None":
    """None without a Task store (see `_tasks`)."""
    from hub.core.tasks import EscalationPolicy
    from hub.service.tasks import TaskService

    if ports.tasks is None:
        return None
    policy = EscalationPolicy.from_config(ports.settings.escalation_recipients, ports.settings.escalation_delay_hours)
    return TaskService(ports.tasks, ports.ledger, ports.queues, ports.audit, ports.clock, escalation=policy,
                       alerts_queue_url=ports.settings.alerts_queue_url, hmac_key=ports.hmac_key)

