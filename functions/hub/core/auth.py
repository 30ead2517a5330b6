"""Agency credentials: API keys stored hashed, verified in constant time.

A key reads `sgh_<key_id>_<secret>`; the hub stores only the key id, the agency
(ODS code and kind) and SHA-256 of the secret. Secrets are 256-bit random, so a
plain SHA-256 is the usual choice (as for GitHub or Stripe tokens): a slow KDF
would only add authorizer latency. Rotation: issue a second key, move the client
over, revoke the first; both are valid in between.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from hub.core.messages import AGENCY_KINDS, Caller

KEY_PREFIX = "sgh"
ROLES = ("agency", "commissioner")
_TOKEN = re.compile(r"^sgh_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_ODS = re.compile(r"^[A-Z0-9]{3,8}$")


class CredentialError(ValueError):
    """A credential or an agency record is malformed."""


@dataclass(frozen=True)
class AgencyCredential:
    key_id: str
    ods: str
    kind: str  # an agency kind, or "commissioner"
    secret_sha256: str
    created_at: str
    revoked_at: str | None = None
    expires_at: str | None = None

    def to_item(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict) -> "AgencyCredential":
        return cls(**{k: item.get(k) for k in cls.__dataclass_fields__})


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(header: str | None) -> tuple[str, str] | None:
    """Accept `Bearer <token>` or a bare token; None if malformed."""
    if not header or len(header) > 200:
        return None
    token = header[7:].strip() if header[:7].lower() == "bearer " else header.strip()
    m = _TOKEN.match(token)
    return (m.group(1), m.group(2)) if m else None


def new_credential(ods: str, kind: str, *, key_id: str, secret: str, now: datetime,
                   expires_at: datetime | None = None) -> tuple[AgencyCredential, str]:
    """Return the stored record and the one-time token to hand to the agency."""
    if not _ODS.match(ods):
        raise CredentialError(f"ODS code {ods!r} does not match ^[A-Z0-9]{{3,8}}$")
    if kind not in AGENCY_KINDS and kind != "commissioner":
        raise CredentialError(f"kind {kind!r} is not one of {', '.join(AGENCY_KINDS + ('commissioner',))}")
    token = f"{KEY_PREFIX}_{key_id}_{secret}"
    if not _TOKEN.match(token):
        raise CredentialError("generated key has the wrong shape")
    cred = AgencyCredential(key_id=key_id, ods=ods, kind=kind, secret_sha256=hash_secret(secret),
                            created_at=now.isoformat(),
                            expires_at=expires_at.isoformat() if expires_at else None)
    return cred, token


def verify(cred: AgencyCredential | None, secret: str, now: datetime) -> Caller | None:
    if cred is None:
        hmac.compare_digest(hash_secret(secret), "0" * 64)  # same work for unknown ids
        return None
    if not hmac.compare_digest(hash_secret(secret), cred.secret_sha256):
        return None
    if cred.revoked_at and datetime.fromisoformat(cred.revoked_at) <= now:
        return None
    if cred.expires_at and datetime.fromisoformat(cred.expires_at) <= now:
        return None
    return Caller(ods=cred.ods, kind=cred.kind)


def allow_policy(caller: Caller, method_arn: str) -> dict:
    """An API Gateway REQUEST-authorizer response: allow every route of this API stage.

    The whole stage (not just this method) is allowed so a cached decision stays valid
    for the caller's other routes; authorisation by role happens in the handlers.
    """
    parts = method_arn.split("/")
    resource = "/".join(parts[:2]) + "/*" if len(parts) >= 2 else method_arn
    return {
        "principalId": f"{caller.kind}:{caller.ods}",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}],
        },
        "context": {"ods": caller.ods, "kind": caller.kind},
    }


def caller_from_context(ctx: dict | None) -> Caller | None:
    """The authorizer context as API Gateway hands it to the integration."""
    if not ctx or not ctx.get("ods") or not ctx.get("kind"):
        return None
    return Caller(ods=str(ctx["ods"]), kind=str(ctx["kind"]))
