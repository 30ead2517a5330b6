"""Signed chain-head digests: written by the scheduled handler, checked by verify."""
from __future__ import annotations

import json

import pytest
from moto import mock_aws

from hub.adapters.dynamodb_audit_items import to_item
from hub.adapters.s3_digest import AuditDigestError, S3AuditDigests
from hub.core.audit.chain import chain_key, link_many
from tests.support.lambda_events import LambdaContext

from audit_fixtures import DIGEST_BUCKET as BUCKET, HMAC_KEY, TABLE, entry, make_aws, make_hub, make_log


@pytest.fixture
def aws():
    with mock_aws():
        yield make_aws()


def run_digest(aws, monkeypatch, shards=2):
    from hub.handlers import composition
    from hub.handlers import audit_digest

    composition.use(make_hub(aws, shards=shards))
    try:
        return audit_digest.lambda_handler({}, LambdaContext("digest"))
    finally:
        composition.use(None)


def test_audit_digest_handler_writes_kms_signed_heads(aws, monkeypatch):
    log = make_log(aws.ddb, shards=2)
    log.append_many([entry(i) for i in range(12)])
    out = run_digest(aws, monkeypatch)
    assert out["key"].startswith("digests/2026/03/02/")
    stored = json.loads(aws.s3.get_object(Bucket=BUCKET, Key=out["key"])["Body"].read())
    assert stored["mac_algorithm"] == "HMAC_SHA_256" and stored["digest"]["table"] == TABLE
    assert {c: h["seq"] for c, h in stored["digest"]["chains"].items()} == {h.chain: h.seq for h in log.heads()}
    store = S3AuditDigests(BUCKET, s3=aws.s3, kms=aws.kms, key_id=aws.key_id)
    key, latest = store.latest()
    assert key == out["key"]
    heads = store.check(latest)
    assert heads["chain#00"].hash == log.head("chain#00").hash
    assert all(r.ok for r in log.verify(anchors=heads))


def test_audit_digest_forged_digest_fails_the_mac(aws, monkeypatch):
    make_log(aws.ddb, shards=2).append_many([entry(i) for i in range(4)])
    out = run_digest(aws, monkeypatch)
    stored = json.loads(aws.s3.get_object(Bucket=BUCKET, Key=out["key"])["Body"].read())
    stored["digest"]["chains"]["chain#00"]["seq"] = 1
    with pytest.raises(AuditDigestError):
        S3AuditDigests(BUCKET, s3=aws.s3, kms=aws.kms, key_id=aws.key_id).check(stored)


def test_audit_digest_catches_a_chain_rewritten_with_its_head(aws, monkeypatch):
    # GIVEN a digest over 6 records, then an insider holding the audit key who rewrites the whole chain and its head
    log = make_log(aws.ddb)
    recs = log.append_many([entry(i) for i in range(6)])
    run_digest(aws, monkeypatch, shards=1)
    bodies = [{k: v for k, v in r.items() if k not in ("chain", "seq", "prev_hash", "hash")} for r in recs]
    bodies[2]["outcome"] = "422"
    forged = link_many(bodies, chain="chain#00", seq=0, prev_hash="0" * 64, key=chain_key(HMAC_KEY))
    for rec in forged:
        aws.ddb.put_item(TableName=TABLE, Item=to_item(rec))
    aws.ddb.put_item(TableName=TABLE, Item={"pk": {"S": "chain#00"}, "sk": {"S": "head"}, "seq": {"N": "6"},
                                            "hash": {"S": forged[-1]["hash"]}, "at": {"S": forged[-1]["at"]}})
    # THEN the chain alone looks intact, but not against the signed digest
    assert all(r.ok for r in log.verify())
    store = S3AuditDigests(BUCKET, s3=aws.s3, kms=aws.kms, key_id=aws.key_id)
    anchors = store.check(store.latest()[1])
    assert [(p.kind, p.seq) for r in log.verify(anchors=anchors) for p in r.problems] == [("edited", 6)]


def test_audit_digest_lands_in_the_object_locked_bucket_and_cannot_be_removed(aws, monkeypatch):
    # GIVEN a digest written by the scheduled handler
    make_log(aws.ddb).append_many([entry(i) for i in range(3)])
    out = run_digest(aws, monkeypatch, shards=1)
    head = aws.s3.head_object(Bucket=BUCKET, Key=out["key"])
    # THEN it carries the bucket's default retention
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"]
    # AND neither deleting its version nor overwriting its key removes what was signed
    with pytest.raises(aws.s3.exceptions.ClientError):
        aws.s3.delete_object(Bucket=BUCKET, Key=out["key"], VersionId=head["VersionId"])
    aws.s3.put_object(Bucket=BUCKET, Key=out["key"], Body=b"{}")
    versions = aws.s3.list_object_versions(Bucket=BUCKET, Prefix=out["key"])["Versions"]
    first = [v for v in versions if v["VersionId"] == head["VersionId"]]
    assert len(versions) == 2 and first
    body = aws.s3.get_object(Bucket=BUCKET, Key=out["key"], VersionId=head["VersionId"])["Body"].read()
    assert json.loads(body)["digest"]["chains"] == out["chains"]
