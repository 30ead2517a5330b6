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
