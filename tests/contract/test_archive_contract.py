"""Archive port: InMemoryArchive and S3Archive (moto) behave alike."""
from __future__ import annotations

import pytest

from hub.adapters.errors import ArchiveError
from tests.support.fakes import InMemoryArchive

from .conftest import IMPLEMENTATIONS


@pytest.fixture(params=IMPLEMENTATIONS)
def archive(request):
    if request.param == "fake":
        return InMemoryArchive("contract-archive")
    from hub.adapters.s3_archive import S3Archive

    aws = request.getfixturevalue("moto")
    return S3Archive(aws.bucket(), client=aws.s3)


def test_archive_is_keyed_by_day_and_message_id_and_reads_back_by_uri_or_key(archive):
    uri = archive.archive("m-1", "2026-03-02", b'{"a":1}', {"sender-ods": "A81001"})
    assert uri == f"s3://{archive.bucket}/archive/2026-03-02/m-1.json"
    assert archive.get(uri) == b'{"a":1}'
    assert archive.get("archive/2026-03-02/m-1.json") == b'{"a":1}'


def test_quarantine_is_apart_from_the_archive(archive):
    uri = archive.quarantine("r-1", "2026-03-02", b"not json", {"status": "400"})
    assert uri == f"s3://{archive.bucket}/quarantine/2026-03-02/r-1.json"
    assert archive.get(uri) == b"not json"
    assert archive.list("archive/") == []
    assert archive.list("quarantine/") == ["quarantine/2026-03-02/r-1.json"]


def test_a_retry_overwrites_the_same_object(archive):
    first = archive.archive("m-2", "2026-03-02", b"one", {})
    second = archive.archive("m-2", "2026-03-02", b"two", {})
    assert first == second and archive.get(first) == b"two"
    assert archive.list("archive/2026-03-02/") == ["archive/2026-03-02/m-2.json"]


def test_list_returns_every_key_under_a_prefix(archive):
    for i in range(3):
        archive.archive(f"m-{i}", "2026-03-0" + str(i + 1), b"x", {})
    assert sorted(archive.list("archive/")) == [f"archive/2026-03-0{i + 1}/m-{i}.json" for i in range(3)]
    assert archive.list("archive/2026-03-02") == ["archive/2026-03-02/m-1.json"]


def test_reading_a_missing_object_is_an_archive_error(archive):
    with pytest.raises(ArchiveError):
        archive.get("archive/2026-03-02/never.json")


def test_metadata_values_must_be_strings_and_nothing_is_stored_otherwise(archive):
    # a programming error, not a retryable ArchiveError: botocore fails while building the request
    with pytest.raises((TypeError, AttributeError)):
        archive.archive("m-3", "2026-03-02", b"x", {"count": 3})
    assert archive.list("archive/") == []
