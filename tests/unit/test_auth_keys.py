from datetime import datetime, timedelta, timezone

import pytest

from hub.core.auth import CredentialError, allow_policy, caller_from_context, new_credential, parse_token, verify

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "A" * 43
KEY_ID = "abcdef123456"


def _cred(**kw):
    return new_credential("A81001", "gp", key_id=KEY_ID, secret=SECRET, now=NOW, **kw)


def test_auth_token_roundtrip_yields_the_agency():
    # GIVEN a credential issued to a GP
    cred, token = _cred()
    # WHEN the token is presented as a bearer header
    key_id, secret = parse_token(f"Bearer {token}")
    # THEN it verifies to that agency, and only the hash of the secret is stored
    caller = verify(cred, secret, NOW)
    assert (caller.ods, caller.kind) == ("A81001", "gp")
    assert SECRET not in str(cred.to_item())


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer sgh_short_x", "Basic dXNlcjpwYXNz", "sgh_" + "x" * 300])
def test_auth_parse_token_rejects_malformed_headers(header):
    assert parse_token(header) is None


def test_auth_wrong_secret_revoked_or_expired_key_is_refused():
    cred, _ = _cred(expires_at=NOW + timedelta(days=1))
    assert verify(cred, "B" * 43, NOW) is None
    assert verify(cred, SECRET, NOW + timedelta(days=2)) is None
    revoked = cred.__class__(**{**cred.__dict__, "revoked_at": NOW.isoformat()})
    assert verify(revoked, SECRET, NOW) is None
    assert verify(None, SECRET, NOW) is None


@pytest.mark.parametrize("ods,kind", [("a81001", "gp"), ("A81001", "pharmacy"), ("TOOLONGODS1", "gp")])
def test_auth_new_credential_rejects_bad_agency(ods, kind):
    with pytest.raises(CredentialError):
        new_credential(ods, kind, key_id=KEY_ID, secret=SECRET, now=NOW)


def test_auth_allow_policy_covers_the_stage_and_carries_context():
    cred, _ = _cred()
    policy = allow_policy(verify(cred, SECRET, NOW), "arn:aws:execute-api:eu-west-2:1:api/dev/POST/$process-message")
    assert policy["policyDocument"]["Statement"][0]["Resource"] == "arn:aws:execute-api:eu-west-2:1:api/dev/*"
    assert caller_from_context(policy["context"]).ods == "A81001"
    assert caller_from_context({}) is None


# ---- expiry, last use, rate limit ----------------------------------------------------------------
def test_auth_parse_expiry_takes_durations_dates_and_zoned_times():
    from hub.core.auth import parse_expiry

    assert parse_expiry("90d", NOW) == NOW + timedelta(days=90)
    assert parse_expiry("12h", NOW) == NOW + timedelta(hours=12)
    assert parse_expiry("2w", NOW) == NOW + timedelta(weeks=2)
    assert parse_expiry("2026-06-30", NOW) == datetime(2026, 7, 1, tzinfo=timezone.utc)  # valid to the day's end
    assert parse_expiry("2026-06-30T17:00:00+01:00", NOW) == datetime(2026, 6, 30, 16, tzinfo=timezone.utc)
    for bad in ("soon", "90", "-1d", "2026-06-30T17:00:00", "9999-12-31", "99999999d"):
        with pytest.raises(CredentialError):
            parse_expiry(bad, NOW)


def test_auth_expiry_must_be_in_the_future_and_ends_the_key():
    with pytest.raises(CredentialError):
        _cred(expires_at=NOW - timedelta(seconds=1))
    cred, _ = _cred(expires_at=NOW + timedelta(hours=1))
    assert verify(cred, SECRET, NOW + timedelta(minutes=59)) is not None
    assert verify(cred, SECRET, NOW + timedelta(hours=1)) is None


def _spend(cred, now):
    from hub.core.auth import admit, with_admission

    adm = admit(cred, now)
    return adm, (with_admission(cred, adm) if adm.allowed else cred)


def test_auth_rate_limit_allows_a_burst_then_one_request_per_interval():
    # GIVEN a key limited to 6 requests a minute (one every 10 s, bursts of 5)
    cred, _ = _cred(rate_per_minute=6)
    allowed = []
    for _ in range(7):
        adm, cred = _spend(cred, NOW)
        allowed.append(adm.allowed)
    # THEN 5 at once pass, the 6th waits 10 s
    assert allowed == [True] * 5 + [False, False]
    refused, _ = _spend(cred, NOW)
    assert refused.retry_after == pytest.approx(10.0)
    assert _spend(cred, NOW + timedelta(seconds=9))[0].allowed is False
    adm, cred = _spend(cred, NOW + timedelta(seconds=10))
    assert adm.allowed
    # AND after a quiet minute the burst is back, never more than the burst
    later = NOW + timedelta(minutes=5)
    assert [_spend(cred, later)[0].allowed for _ in range(1)] == [True]
    burst = 0
    while (r := _spend(cred, later))[0].allowed:
        cred = r[1]
        burst += 1
    assert burst == 5


def test_auth_default_rate_limit_and_bounds():
    from hub.core.auth import DEFAULT_RATE_PER_MINUTE

    cred, _ = _cred()
    assert cred.rate == DEFAULT_RATE_PER_MINUTE and cred.rate_per_minute is None
    for bad in (0, -5, 60_001):
        with pytest.raises(CredentialError):
            _cred(rate_per_minute=bad)


def test_auth_last_used_is_written_at_most_every_15_minutes():
    cred, _ = _cred()
    adm, cred = _spend(cred, NOW)
    assert adm.last_used_at == NOW.isoformat() and cred.last_used_at == NOW.isoformat()
    adm, cred = _spend(cred, NOW + timedelta(minutes=14))
    assert adm.last_used_at is None and cred.last_used_at == NOW.isoformat()
    adm, cred = _spend(cred, NOW + timedelta(minutes=15))
    assert cred.last_used_at == (NOW + timedelta(minutes=15)).isoformat()


def test_auth_credential_reads_back_from_a_store_that_keeps_strings():
    from hub.core.auth import AgencyCredential

    cred, _ = _cred(rate_per_minute=6)
    cred = cred.__class__(**{**cred.__dict__, "rl_tat": 1772366400.25})
    back = AgencyCredential.from_item({k: str(v) for k, v in cred.to_item().items()})
    assert back == cred


def test_auth_deny_policy_carries_retry_after_for_the_gateway_response():
    from hub.core.auth import Admission, deny_policy

    cred, _ = _cred(rate_per_minute=6)
    policy = deny_policy(verify(cred, SECRET, NOW), "arn:aws:execute-api:eu-west-2:1:api/dev/GET/audit",
                         Admission(False, retry_after=9.2), cred.rate)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert policy["context"] == {"reason": "rate-limited", "retryAfter": "10", "ratePerMinute": "6"}
