"""Issue, list and revoke agency API keys (provisioning and rotation)."""
from __future__ import annotations

import secrets
import string
from datetime import datetime

from hub.core.auth import AgencyCredential, new_credential
from hub.ports import AgencyRegistry

_ID_ALPHABET = string.ascii_lowercase + string.digits


def issue_key(registry: AgencyRegistry, ods: str, kind: str, *, now: datetime, expires_at: datetime | None = None,
              rate_per_minute: int | None = None) -> tuple[AgencyCredential, str]:
    """Store a new key for the agency and return it with the one-time token (never stored)."""
    key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)[:43].ljust(43, "A")
    cred, token = new_credential(ods, kind, key_id=key_id, secret=secret, now=now, expires_at=expires_at,
                                 rate_per_minute=rate_per_minute)
    registry.put(cred)
    return cred, token
