"""Composition root: the one place that reads the environment and builds adapters.

Handlers call `get_hub()`; tests build a `Hub` with their own settings/clients and
install it with `set_hub()`. Everything is lazy so a handler pays at cold start only
for the clients it uses.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Callable

from hub.settings import Settings

_lock = threading.Lock()
_hub: "Hub | None" = None


class Clients:
    """boto3 clients, created on first use; AWS_ENDPOINT_URL (if set) points them at an emulator."""

    def __init__(self, session=None, overrides: dict[str, Any] | None = None):
        self._session = session
        self._overrides = dict(overrides or {})
        self._made: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
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
                session = self._session or boto3.session.Session()
                service = {"secrets": "secretsmanager"}.get(name, name)
                self._made[name] = session.client(service, config=cfg)
            return self._made[name]


class Hub:
    def __init__(self, settings: Settings | None = None, *, clients: Clients | None = None,
                 clock: Callable[[], datetime] | None = None, hmac_key: bytes | None = None):
        self.settings = settings or Settings.from_env()
        self.clients = clients or Clients()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._hmac_key = hmac_key

    @property
    def archive_bucket(self) -> str:
        return self.settings.archive_bucket

    @cached_property
    def hmac_key(self) -> bytes:
        if self._hmac_key is not None:
            return self._hmac_key
        from hub.adapters.secrets import get_secret_bytes

        return get_secret_bytes(self.settings.audit_hmac_secret_arn, client=self.clients.secretsmanager)

    @cached_property
    def archive(self):
        from hub.adapters.s3_archive import S3Archive

        return S3Archive(self.settings.archive_bucket, client=self.clients.s3)

    @cached_property
    def queues(self):
        from hub.adapters.sqs_queue import SqsQueues

        return SqsQueues(client=self.clients.sqs)

    @cached_property
    def agencies(self):
        from hub.adapters.dynamodb_agencies import DynamoDBAgencyRegistry

        return DynamoDBAgencyRegistry(self.settings.agencies_table, client=self.clients.dynamodb)

    @cached_property
    def idempotency_store(self):
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        return DynamoDBPersistenceLayer(table_name=self.settings.idempotency_table, boto3_client=self.clients.dynamodb)

    @cached_property
    def ledger(self):
        from hub.adapters.dynamodb_ledger import DynamoDBLedger

        return DynamoDBLedger(self.settings.idempotency_table, client=self.clients.dynamodb)

    @cached_property
    def audit(self):
        from hub.adapters.dynamodb_audit import DynamoDBAuditLog

        return DynamoDBAuditLog(self.settings.audit_table, client=self.clients.dynamodb, hmac_key=self.hmac_key,
                                shards=self.settings.audit_shards, atomic_head=self.settings.audit_atomic_head)

    @cached_property
    def state(self):
        from hub.adapters.dynamodb_state import DynamoDBStateRepository

        return DynamoDBStateRepository(self.settings.state_table, client=self.clients.dynamodb)

    @cached_property
    def routing_policy(self):
        from hub.core.routing import default_policy

        return default_policy()

    @cached_property
    def routing_config(self):
        from hub.core.routing import RoutingConfig

        return RoutingConfig(la_front_door_ods=self.settings.la_front_door_ods,
                             default_hv_ods=self.settings.default_hv_ods)

    @cached_property
    def rules_config(self):
        from hub.core.rules import RulesConfig

        return RulesConfig(la_front_door_ods=self.settings.la_front_door_ods)


def get_hub() -> Hub:
    global _hub
    if _hub is None:
        with _lock:
            if _hub is None:
                _hub = Hub()
    return _hub


def set_hub(hub: Hub | None) -> None:
    """Install a hub (tests, local runtime); None resets to build from the environment on next use."""
    global _hub
    _hub = hub
