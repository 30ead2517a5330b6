"""Raw-message archive and quarantine in S3 (bucket encrypted with the hub CMK by default)."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import ArchiveError, describe


class S3Archive:
    def __init__(self, bucket: str, *, client):
        self.bucket = bucket
        self._s3 = client

    def _put(self, key: str, body: bytes, metadata: dict[str, str]) -> str:
        try:
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata=metadata,
                                ContentType="application/fhir+json")
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"archive write failed ({describe(exc)})") from exc
        return f"s3://{self.bucket}/{key}"

    def archive(self, message_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str:
        """Accepted messages, keyed by MessageHeader.id so a retry overwrites the same object."""
        return self._put(f"archive/{received_on}/{message_id}.json", body, metadata)

    def quarantine(self, reject_id: str, received_on: str, body: bytes, metadata: dict[str, str]) -> str:
        return self._put(f"quarantine/{received_on}/{reject_id}.json", body, metadata)

    def get(self, uri_or_key: str) -> bytes:
        key = uri_or_key.split(f"s3://{self.bucket}/", 1)[-1]
        try:
            return self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"archive read failed ({describe(exc)})") from exc

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys += [o["Key"] for o in page.get("Contents", [])]
        except (ClientError, BotoCoreError) as exc:
            raise ArchiveError(f"archive list failed ({describe(exc)})") from exc
        return keys
