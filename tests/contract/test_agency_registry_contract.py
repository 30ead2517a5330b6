"""AgencyRegistry port: InMemoryAgencies and DynamoDBAgencyRegistry (moto) behave alike."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.adapters.errors import AgencyRegistryError
from hub.core.auth import parse_token, verify
from tests.support.agencies import credential
from tests.support.fakes import InMemoryAgencies

from .conftest import IMPLEMENTATIONS

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=IMPLEMENTATIONS)
def registry(request):
    if request.param == "fake":
        return InMemoryAgencies()
    from hub.adapters.dynamodb_agencies import DynamoDBAgencyRegistry

    aws = request.getfixturevalue("moto")
    return DynamoDBAgencyRegistry(aws.table("AgenciesTable"), client=aws.ddb)


def test_a_stored_credential_reads_back_equal_and_verifies_its_token(registry):
    cred, token = credential("A81001", "gp", key_id="k00000000001", now=NOW)
    registry.put(cred)
    got = registry.get("k00000000001")
    assert got == cred
    key_id, secret = parse_token(f"Bearer {token}")
    caller = verify(registry.get(key_id), secret, NOW)
    assert (caller.ods, caller.kind) == ("A81001", "gp")


def test_an_unknown_key_id_reads_as_none(registry):
    assert registry.get("k00000000404") is None


def test_put_never_overwrites_a_key_id(registry):
    cred, _ = credential("A81001", "gp", key_id="k00000000001", now=NOW)
    registry.put(cred)
    other, _ = credential("P42", "police", key_id="k00000000001", now=NOW)
    with pytest.raises(AgencyRegistryError):
        registry.put(other)
    assert registry.get("k00000000001").ods == "A81001"


def test_revoke_stamps_the_credential_and_it_no_longer_verifies(registry):
    cred, token = credential("RX1", "hospital", key_id="k00000000002", now=NOW,
                             secret="t" * 43)
    registry.put(cred)
    registry.revoke("k00000000002", (NOW + timedelta(hours=1)).isoformat())
    got = registry.get("k00000000002")
    assert got.revoked_at == (NOW + timedelta(hours=1)).isoformat()
    assert verify(got, parse_token(token)[1], NOW + timedelta(hours=2)) is None


def test_revoking_an_unknown_key_is_an_error(registry):
    with pytest.raises(AgencyRegistryError):
        registry.revoke("k00000000404", NOW.isoformat())
    assert registry.list() == []


def test_list_returns_every_credential(registry):
    creds = [credential(ods, kind, key_id=f"k0000000000{i}", now=NOW)[0]
             for i, (ods, kind) in enumerate((("A81001", "gp"), ("COMM01", "commissioner"), ("P42", "police")))]
    for c in creds:
        registry.put(c)
    assert sorted(registry.list(), key=lambda c: c.key_id) == creds


def test_admit_spends_the_stored_allowance_and_notes_the_last_use(registry):
    from hub.core.auth import new_credential

    cred, _ = new_credential("A81001", "gp", key_id="k00000000007", secret="S" * 43, now=NOW, rate_per_minute=6)
    registry.put(cred)
    # five at once pass (the burst), the sixth is refused, whichever copy of the credential the caller holds
    stale = registry.get("k00000000007")
    answers = [registry.admit(registry.get("k00000000007"), NOW).allowed for _ in range(5)]
    answers.append(registry.admit(stale, NOW).allowed)
    assert answers == [True] * 5 + [False]
    stored = registry.get("k00000000007")
    assert stored.last_used_at == NOW.isoformat() and stored.rl_tat is not None
    assert stored.secret_sha256 == cred.secret_sha256 and stored.rate == 6
    assert registry.admit(stored, NOW + timedelta(seconds=10)).allowed
