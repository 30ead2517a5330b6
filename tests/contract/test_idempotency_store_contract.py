"""The ingest idempotency store (a Powertools persistence layer, not a hub port but a HubPorts member):
the in-memory one and DynamoDBPersistenceLayer (moto) answer alike under ingest's configuration."""
from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from tests.support.wiring import in_memory_idempotency_store

from .conftest import IMPLEMENTATIONS

pytestmark = pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left")


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request):
    if request.param == "fake":
        return in_memory_idempotency_store()
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    aws = request.getfixturevalue("moto")
    return DynamoDBPersistenceLayer(table_name=aws.table("IdempotencyTable"), boto3_client=aws.ddb)


def once(store, body):
    """`body(key)` wrapped as ingest wraps its acceptance: keyed by message id, validated by content hash."""
    config = IdempotencyConfig(event_key_jmespath="message_id", payload_validation_jmespath="content_hash",
                               expires_after_seconds=3600, response_hook=lambda resp, _rec: {**resp, "replayed": True})
    return idempotent_function(data_keyword_argument="key", persistence_store=store, config=config,
                               key_prefix="contract")(body)


def test_the_first_call_runs_and_a_repeat_returns_the_stored_result(store):
    calls = []
    accept = once(store, lambda key: calls.append(key) or {"status": 202})
    assert accept(key={"message_id": "m-1", "content_hash": "h1"}) == {"status": 202}
    assert accept(key={"message_id": "m-1", "content_hash": "h1"}) == {"status": 202, "replayed": True}
    assert len(calls) == 1
    assert accept(key={"message_id": "m-2", "content_hash": "h1"}) == {"status": 202} and len(calls) == 2


def test_the_same_key_with_other_content_is_a_validation_error(store):
    accept = once(store, lambda key: {"status": 202})
    accept(key={"message_id": "m-1", "content_hash": "h1"})
    with pytest.raises(IdempotencyValidationError):
        accept(key={"message_id": "m-1", "content_hash": "h2"})


def test_a_failed_call_leaves_no_record_so_the_retry_runs(store):
    attempts = []

    def flaky(key):
        attempts.append(key)
        if len(attempts) == 1:
            raise RuntimeError("archive down")
        return {"status": 202}

    accept = once(store, flaky)
    with pytest.raises(RuntimeError):
        accept(key={"message_id": "m-1", "content_hash": "h1"})
    assert accept(key={"message_id": "m-1", "content_hash": "h1"}) == {"status": 202} and len(attempts) == 2


def test_a_call_for_a_key_still_in_progress_is_refused(store):
    inner = []

    def reentrant(key):
        try:
            accept(key=key)
        except IdempotencyAlreadyInProgressError as exc:
            inner.append(exc)
        return {"status": 202}

    accept = once(store, reentrant)
    assert accept(key={"message_id": "m-1", "content_hash": "h1"}) == {"status": 202}
    assert len(inner) == 1
