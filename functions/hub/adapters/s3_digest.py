"""Signed audit digests: the chain heads, MAC'd with a KMS HMAC key, written to the archive bucket.

Object: `digests/YYYY/MM/DD/<generated_at>.json` holding
`{"digest": {v, generated_at, table, chains: {chain: {seq, hash, at}}}, "mac": base64,
"mac_algorithm": "HMAC_SHA_256", "key_id": ...}`. The MAC is over sha256(canonical digest).
"""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from hub.adapters.errors import AdapterError
from hub.core.audit.chain import Head
from hub.core.audit.digest import build_digest, digest_heads, digest_key, mac_message
from hub.core.audit.model import AuditError

MAC_ALGORITHM = "HMAC_SHA_256"


class AuditDigestError(AuditError, AdapterError):
    pass


class S3AuditDigests:
    def __init__(self, bucket: str, *, s3: Any, kms: Any, key_id: str, prefix: str = "digests/") -> None:
        self.bucket = bucket
        self.s3 = s3
        self.kms = kms
        self.key_id = key_id
        self.prefix = prefix

    def publish(self, heads: list[Head], *, now: datetime, table: str) -> dict:
        """Sign and store a digest of the given heads; returns {"key", "digest", "mac"}."""
        if not self.key_id:
            raise AuditDigestError("no KMS key configured for audit digests", retryable=False)
        doc = build_digest(heads, now=now, table=table)
        try:
            mac = self.kms.generate_mac(KeyId=self.key_id, MacAlgorithm=MAC_ALGORITHM, Message=mac_message(doc))["Mac"]
        except ClientError as exc:
            raise AuditDigestError("KMS GenerateMac failed for the audit digest") from exc
        body = {"digest": doc, "mac": base64.b64encode(mac).decode(), "mac_algorithm": MAC_ALGORITHM, "key_id": self.key_id}
        key = digest_key(doc, self.prefix)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(body, sort_keys=True).encode(),
                               ContentType="application/json")
        except ClientError as exc:
            raise AuditDigestError("cannot write the audit digest") from exc
        return {"key": key, "digest": doc, "mac": body["mac"]}

    def latest(self) -> tuple[str, dict] | None:
        """(key, stored object) of the newest digest, or None when there is none."""
        newest: str | None = None
        kwargs = {"Bucket": self.bucket, "Prefix": self.prefix}
        try:
            while True:
                resp = self.s3.list_objects_v2(**kwargs)
                for obj in resp.get("Contents", []):
                    if obj["Key"].endswith(".json") and (newest is None or obj["Key"] > newest):
                        newest = obj["Key"]
                if not resp.get("IsTruncated"):
                    break
                kwargs["ContinuationToken"] = resp["NextContinuationToken"]
            if newest is None:
                return None
            body = self.s3.get_object(Bucket=self.bucket, Key=newest)["Body"].read()
        except ClientError as exc:
            raise AuditDigestError("cannot read audit digests") from exc
        try:
            return newest, json.loads(body)
        except ValueError as exc:
            raise AuditDigestError(f"digest {newest} is not JSON", retryable=False) from exc

    def check(self, stored: dict) -> dict[str, Head]:
        """Verify a stored digest's MAC with KMS; returns its signed heads. Raises AuditDigestError if forged."""
        try:
            doc = stored["digest"]
            mac = base64.b64decode(stored["mac"])
        except (KeyError, TypeError, ValueError) as exc:
            raise AuditDigestError("digest object is malformed", retryable=False) from exc
        try:
            resp = self.kms.verify_mac(KeyId=stored.get("key_id") or self.key_id, MacAlgorithm=MAC_ALGORITHM,
                                       Message=mac_message(doc), Mac=mac)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("KMSInvalidMacException", "InvalidMacException"):
                raise AuditDigestError("digest MAC does not verify: the digest was altered", retryable=False) from exc
            raise AuditDigestError("KMS VerifyMac failed") from exc
        if not resp.get("MacValid", False):
            raise AuditDigestError("digest MAC does not verify: the digest was altered", retryable=False)
        return digest_heads(doc)
