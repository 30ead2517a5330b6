"""AuditDigests port: InMemoryDigests (local HMAC key) and S3AuditDigests (moto S3 and KMS) behave alike."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from hub.adapters.s3_digest import AuditDigestError
from hub.core.audit.chain import Head
from tests.support.fakes import InMemoryDigests

from .conftest import IMPLEMENTATIONS

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
HEADS = [Head("chain#00", 3, "a" * 64, "2026-03-02T08:00:00.000000Z"), Head("chain#01", 0, "0" * 64, None)]


@pytest.fixture(params=IMPLEMENTATIONS)
def make_digests(request):
    if request.param == "fake":
        return lambda key_id="fake-key": InMemoryDigests(key_id=key_id)
    from hub.adapters.s3_digest import S3AuditDigests

    aws = request.getfixturevalue("moto")
    bucket, key = aws.bucket(), aws.mac_key()
    return lambda key_id=key: S3AuditDigests(bucket, s3=aws.s3, kms=aws.kms, key_id=key_id)


def test_no_digest_yet(make_digests):
    assert make_digests().latest() is None


def test_a_published_digest_is_the_latest_and_checks_back_to_its_heads(make_digests):
    d = make_digests()
    out = d.publish(HEADS, now=NOW, table="audit")
    assert out["key"] == "digests/2026/03/02/2026-03-02T09:00:00.000000Z.json"
    assert out["digest"]["table"] == "audit" and set(out["digest"]["chains"]) == {"chain#00", "chain#01"}
    key, stored = d.latest()
    assert key == out["key"] and stored["digest"] == out["digest"] and stored["mac"] == out["mac"]
    assert d.check(stored) == {h.chain: h for h in HEADS}


def test_latest_is_the_newest_digest(make_digests):
    d = make_digests()
    d.publish(HEADS, now=NOW, table="audit")
    newer = d.publish(HEADS[:1], now=NOW + timedelta(days=1, minutes=5), table="audit")
    assert d.latest()[0] == newer["key"]


@pytest.mark.parametrize("tamper", [
    lambda s: s["digest"]["chains"]["chain#00"].__setitem__("seq", 2),
    lambda s: s["digest"]["chains"].pop("chain#01"),
    lambda s: s.__setitem__("mac", "AAAA"),
    lambda s: s.pop("mac"),
    lambda s: s.pop("digest"),
])
def test_an_altered_or_malformed_digest_does_not_check(make_digests, tamper):
    d = make_digests()
    d.publish(HEADS, now=NOW, table="audit")
    stored = copy.deepcopy(d.latest()[1])
    tamper(stored)
    with pytest.raises(AuditDigestError):
        d.check(stored)


def test_publishing_without_a_key_is_refused(make_digests):
    with pytest.raises(AuditDigestError):
        make_digests(key_id="").publish(HEADS, now=NOW, table="audit")
