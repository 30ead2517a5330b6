"""Agency credentials: API keys stored hashed, verified in constant time.

A key reads `sgh_<key_id>_<secret>`; the hub stores only the key id, the agency
(ODS code and kind) and SHA-256 of the secret. Secrets are 256-bit random, so a
plain SHA-256 is the usual choice (as for GitHub or Stripe tokens): a slow KDF
would only add authorizer latency. Rotation: issue a second key, move the client
over, revoke the first; both are valid in between.

Each key may expire (`expires_at`), records when it was last used (`last_used_at`, written at most once
every LAST_USED_EVERY so a busy key costs no extra writes for it) and is rate limited in the authorizer:
GCRA, the token bucket kept as one number per key (`rl_tat`, the theoretical arrival time, epoch
seconds), `rate_per_minute` requests a minute (DEFAULT_RATE_PER_MINUTE unless the key sets its own)
with bursts of a tenth of a minute's allowance.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone

from hub.core.messages import AGENCY_KINDS, Caller

KEY_PREFIX = "sgh"
DEFAULT_RATE_PER_MINUTE = 1200  # 20/s per key: far above an agency's traffic, well below the stage's 100/s
MIN_BURST = 5
LAST_USED_EVERY = timedelta(minutes=15)
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
    last_used_at: str | None = None
    rate_per_minute: int | None = None  # None: DEFAULT_RATE_PER_MINUTE
    rl_tat: float | None = None  # rate limiter state (GCRA theoretical arrival time, epoch seconds)

    def to_item(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_item(cls, item: dict) -> "AgencyCredential":
        values = {k: item.get(k) for k in cls.__dataclass_fields__}
        for name, kind in (("rate_per_minute", int), ("rl_tat", float)):
            if values[name] is not None:
                values[name] = kind(values[name])  # stores that keep every attribute as a string
        return cls(**values)

    @property
    def rate(self) -> int:
        return self.rate_per_minute or DEFAULT_RATE_PER_MINUTE


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
                   expires_at: datetime | None = None,
                   rate_per_minute: int | None = None) -> tuple[AgencyCredential, str]:
    """Return the stored record and the one-time token to hand to the agency."""
    if not _ODS.match(ods):
        raise CredentialError(f"ODS code {ods!r} does not match ^[A-Z0-9]{{3,8}}$")
    if kind not in AGENCY_KINDS and kind != "commissioner":
        raise CredentialError(f"kind {kind!r} is not one of {', '.join(AGENCY_KINDS + ('commissioner',))}")
    token = f"{KEY_PREFIX}_{key_id}_{secret}"
    if not _TOKEN.match(token):
        raise CredentialError("generated key has the wrong shape")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise CredentialError("a key's expiry must be a time, with its zone, after now")
    if rate_per_minute is not None and not 1 <= rate_per_minute <= 60_000:
        raise CredentialError("a key's rate limit must be between 1 and 60000 requests a minute")
    cred = AgencyCredential(key_id=key_id, ods=ods, kind=kind, secret_sha256=hash_secret(secret),
                            created_at=now.isoformat(),
                            expires_at=expires_at.isoformat() if expires_at else None,
                            rate_per_minute=rate_per_minute)
    return cred, token


_DURATION = re.compile(r"^(\d{1,5})([dhw])$")


def parse_expiry(text: str, now: datetime) -> datetime:
    """`--expires`: a duration from now (`90d`, `12h`, `4w`), a date (the key works until the end of that
    UTC day) or a date-time with its zone."""
    text = (text or "").strip()
    m = _DURATION.match(text)
    try:
        if m:
            n, unit = int(m.group(1)), m.group(2)
            return now + {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(0), tzinfo=timezone.utc)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:
        raise CredentialError(f"expiry {text!r} is not a duration (90d, 12h, 4w), a date or a date-time") from exc
    if value.tzinfo is None:
        raise CredentialError(f"expiry {text!r} needs a time zone (e.g. Z or +01:00)")
    return value


@dataclass(frozen=True)
class Admission:
    """The rate limiter's answer for one request."""

    allowed: bool
    retry_after: float = 0.0  # seconds, when refused
    rl_tat: float | None = None  # the state to store, when allowed
    last_used_at: str | None = None  # set when it is due to be written


def admit(cred: AgencyCredential, now: datetime) -> Admission:
    """GCRA: one request costs one emission interval T = 60/rate s; a request is refused when the
    theoretical arrival time would run more than the burst tolerance ahead of now."""
    t = now.timestamp()
    interval = 60.0 / cred.rate
    burst = max(MIN_BURST, cred.rate // 10)
    tolerance = (burst - 1) * interval
    tat = max(cred.rl_tat or t, t)
    if tat - t > tolerance:
        return Admission(False, retry_after=round(tat - t - tolerance, 3))
    last = datetime.fromisoformat(cred.last_used_at) if cred.last_used_at else None
    due = last is None or now - last >= LAST_USED_EVERY
    return Admission(True, rl_tat=round(tat + interval, 6), last_used_at=now.isoformat() if due else None)


def with_admission(cred: AgencyCredential, adm: Admission) -> AgencyCredential:
    return replace(cred, rl_tat=adm.rl_tat, last_used_at=adm.last_used_at or cred.last_used_at)


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


def deny_policy(caller: Caller, method_arn: str, adm: Admission, rate: int) -> dict:
    """An explicit Deny for a key over its rate limit; the template's ACCESS_DENIED gateway response turns
    it into a 429 OperationOutcome, reading the context below."""
    policy = allow_policy(caller, method_arn)
    policy["policyDocument"]["Statement"][0]["Effect"] = "Deny"
    policy["context"] = {"reason": "rate-limited", "retryAfter": str(max(1, int(adm.retry_after + 0.999))),
                         "ratePerMinute": str(rate)}
    return policy


def caller_from_context(ctx: dict | None) -> Caller | None:
    """The authorizer context as API Gateway hands it to the integration."""
    if not ctx or not ctx.get("ods") or not ctx.get("kind"):
        return None
    return Caller(ods=str(ctx["ods"]), kind=str(ctx["kind"]))
