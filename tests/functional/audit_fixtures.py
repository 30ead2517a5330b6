"""Shared helpers for the audit functional tests (moto-backed table, bucket, KMS HMAC key)."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3

from hub.adapters.dynamodb_audit import DynamoDBAuditLog
from hub.core.audit import AuditEntry

REGION = "eu-west-2"
TABLE = "audit"
BUCKET = "archive"
DIGEST_BUCKET = "audit-digests"  # object-locked, as template.yaml declares AuditDigestBucket
HMAC_KEY = b"test-audit-hmac-key-0123456789ab"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NHS_A = "9912003888"
NHS_B = "9449306753"


def create_table(client, name: str = TABLE) -> None:
    # the schema template.yaml declares for the audit table
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


class LockedClient:
    """Serialises each API call, as DynamoDB does; moto's in-process transactions are not thread-safe.

    Threads still interleave *between* calls (read head, then transact), which is the race under test.
    """

    def __init__(self, client: Any):
        self._client = client
        self._lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._lock:
                self.calls[name] = self.calls.get(name, 0) + 1
                return attr(*args, **kwargs)

        return call


@dataclass
class AwsFixture:
    ddb: Any
    s3: Any
    kms: Any
    key_id: str


def make_aws() -> AwsFixture:
    """Call inside mock_aws()."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    kms = boto3.client("kms", region_name=REGION)
    create_table(ddb)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.create_bucket(Bucket=DIGEST_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION},
                     ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket=DIGEST_BUCKET, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
    key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    return AwsFixture(ddb, s3, kms, key_id)


def make_log(client, shards: int = 1, **kw) -> DynamoDBAuditLog:
    return DynamoDBAuditLog(TABLE, client=client, hmac_key=HMAC_KEY, shards=shards, sleep=lambda s: None, **kw)


def entry(i: int, *, action: str = "message.accepted", nhs: str | None = NHS_A, **kw) -> AuditEntry:
    base = dict(action=action, at=T0 + timedelta(minutes=i), actor_ods=kw.pop("actor_ods", "A81001"),
                actor_kind=kw.pop("actor_kind", "gp"), event=kw.pop("event", "child-seen"),
                message_id=kw.pop("message_id", f"msg-{i:04d}"), nhs_number=nhs, outcome=kw.pop("outcome", "202"),
                legal_basis=kw.pop("legal_basis", "children-act-1989-s47"))
    base.update(kw)
    return AuditEntry(**base)


def record_key(chain: str, seq: int) -> dict:
    return {"pk": {"S": chain}, "sk": {"S": f"r#{seq:012d}"}}


def make_hub(aws: AwsFixture, *, shards: int = 1, now: datetime = T0):
    from hub.bootstrap import Clients, build
    from hub.settings import Settings

    settings = Settings(audit_table=TABLE, archive_bucket=BUCKET, audit_digest_bucket=DIGEST_BUCKET,
                        audit_digest_key_id=aws.key_id, audit_shards=shards)
    clients = Clients(overrides={"dynamodb": aws.ddb, "s3": aws.s3, "kms": aws.kms})
    return build(settings, clients, clock=lambda: now, hmac_key=HMAC_KEY)
