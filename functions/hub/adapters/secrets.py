"""Secrets Manager: the audit HMAC key for hashing NHS numbers."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import SecretError, describe


def get_secret_bytes(secret_id: str, *, client) -> bytes:
    try:
        value = client.get_secret_value(SecretId=secret_id)
    except (ClientError, BotoCoreError) as exc:
        raise SecretError(f"secret read failed ({describe(exc)})") from exc
    return value.get("SecretBinary") or value["SecretString"].encode()
