"""One moto account for the contract tier, and fresh resources per test shaped as template.yaml declares
them (key schemas, indexes, FIFO attributes), so every test starts empty and the tables match production."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

REGION = "eu-west-2"
IMPLEMENTATIONS = ["fake", "moto"]


@dataclass
class MotoAccount:
    s3: Any
    sqs: Any
    ddb: Any
    kms: Any
    resources: dict = field(default_factory=dict)  # template.yaml's Resources

    def _props(self, logical_id: str) -> dict:
        return self.resources[logical_id]["Properties"]

    def table(self, logical_id: str) -> str:
        props = self._props(logical_id)
        name = f"{logical_id}-{uuid.uuid4().hex[:8]}"
        kwargs = {k: props[k] for k in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes",
                                        "LocalSecondaryIndexes") if k in props}
        self.ddb.create_table(TableName=name, BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"), **kwargs)
        return name

    def queue(self, logical_id: str = "ValidatedQueue") -> str:
        props = self._props(logical_id)
        attrs = {k: str(props[k]).lower() if isinstance(props[k], bool) else str(props[k])
                 for k in ("FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout") if k in props}
        suffix = ".fifo" if props.get("FifoQueue") else ""
        return self.sqs.create_queue(QueueName=f"{logical_id}-{uuid.uuid4().hex[:8]}{suffix}", Attributes=attrs)["QueueUrl"]

    def bucket(self) -> str:
        name = f"archive-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def mac_key(self) -> str:
        props = self._props("AuditDigestKey")
        return self.kms.create_key(KeySpec=props["KeySpec"], KeyUsage=props["KeyUsage"])["KeyMetadata"]["KeyId"]


@pytest.fixture(scope="package")
def moto():
    """Started on first use by a "moto" parametrisation; clients built once (they are the slow part)."""
    import boto3
    from moto import mock_aws

    from hub.local.template import load_template

    with pytest.MonkeyPatch.context() as mp:
        for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            mp.delenv(k, raising=False)
        for k, v in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                     ("AWS_DEFAULT_REGION", REGION)):
            mp.setenv(k, v)
        with mock_aws():
            yield MotoAccount(*(boto3.client(s, region_name=REGION) for s in ("s3", "sqs", "dynamodb", "kms")),
                              resources=load_template()["Resources"])
