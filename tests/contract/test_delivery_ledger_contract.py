"""DeliveryLedger port: InMemoryLedger and DynamoDBLedger (moto, the idempotency table) behave alike."""
from __future__ import annotations

import pytest

from tests.support.fakes import InMemoryLedger

from .conftest import IMPLEMENTATIONS


@pytest.fixture(params=IMPLEMENTATIONS)
def ledger(request):
    if request.param == "fake":
        return InMemoryLedger()
    from hub.adapters.dynamodb_ledger import DynamoDBLedger

    aws = request.getfixturevalue("moto")
    return DynamoDBLedger(aws.table("IdempotencyTable"), client=aws.ddb)


def test_an_effect_not_yet_done_has_no_status(ledger):
    assert ledger.status("disclosure#d-1") is None


def test_mark_records_a_status_and_a_later_mark_replaces_it(ledger):
    ledger.mark("disclosure#d-1", "sent")
    assert ledger.status("disclosure#d-1") == "sent"
    ledger.mark("disclosure#d-1", "audited")
    assert ledger.status("disclosure#d-1") == "audited"


def test_keys_are_independent(ledger):
    ledger.mark("disclosure#d-1", "sent")
    ledger.mark("alert-audit#alert#a-1", "audited")
    assert ledger.status("disclosure#d-2") is None
    assert (ledger.status("disclosure#d-1"), ledger.status("alert-audit#alert#a-1")) == ("sent", "audited")
