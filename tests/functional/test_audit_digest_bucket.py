"""The local deploy creates template.yaml's digest bucket as declared: S3 Object Lock with a default
retention, versioned, encrypted with the hub key; and the functions are told to write digests there."""
from __future__ import annotations

import boto3
import pytest

from hub.local.deploy import deploy
from hub.settings import AUDIT_DIGEST_BUCKET, Settings


@pytest.fixture(scope="module")
def info(moto_endpoint, tmp_path_factory):
    return deploy(stack_name="hub-digest-test", save_to=tmp_path_factory.mktemp("stack") / "stack.json")


def test_audit_digest_bucket_is_object_locked_on_the_local_stack(info):
    s3 = boto3.client("s3")
    bucket = info.resources["AuditDigestBucket"]
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"  # dev stage; COMPLIANCE in prod
    assert lock["Rule"]["DefaultRetention"]["Days"] == 2557
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert info.resources["HubKey"] in rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
    assert not info.warnings or not [w for w in info.warnings if w.startswith("AuditDigestBucket:")]


def test_audit_digest_bucket_is_where_the_functions_write_digests(info):
    assert info.env[AUDIT_DIGEST_BUCKET] == info.resources["AuditDigestBucket"]
    assert Settings.from_env(info.env).audit_digest_bucket != Settings.from_env(info.env).archive_bucket
