"""The builders themselves: NHS numbers are valid and stable, events have the shape handlers read."""
from __future__ import annotations

import json

from hub.core.validation.nhs import nhs_number_valid
from tests.support.lambda_events import LambdaContext, api_event, sqs_event
from tests.support.messages import EVENTS, load_event, sender_of
from tests.support.nhs import check_digit, nhs_number, nhs_number_999


def test_check_digit_agrees_with_the_hub_validator_on_every_tenth_prefix():
    for n in range(100_000_000, 100_020_000, 7):
        nine = f"{n:09d}"
        check = check_digit(nine)
        assert [d for d in range(10) if nhs_number_valid(nine + str(d))] == ([] if check is None else [check])


def test_generated_numbers_are_valid_and_distinct_per_seed():
    numbers = [nhs_number(seed) for seed in range(0, 5000)]
    assert all(nhs_number_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_999_range_numbers_are_valid_and_a_seed_whose_check_is_10_takes_the_next():
    numbers = [nhs_number_999(seed) for seed in range(0, 5000)]
    assert all(nhs_number_valid(n) and n.startswith("999") for n in numbers)
    skipped = next(s for s in range(5000) if check_digit(f"999{s:06d}") is None)
    assert nhs_number_999(skipped) == nhs_number_999(skipped + 1)


def test_scenario_numbers_are_the_committed_ones():
    # Child S is seed 303 in events/scenarios/build.py; its committed messages carry that number
    text = "".join(p.read_text() for p in (EVENTS / "scenarios/child-s").rglob("*.json"))
    assert nhs_number_999(303).startswith("999") and nhs_number_999(303) in text


def test_api_event_carries_the_sender_as_authorizer_context():
    body = load_event("valid/injury-observed.json")
    ev = api_event(body)
    assert ev["requestContext"]["authorizer"] == {"ods": "RX1", "kind": "hospital"} and sender_of(body) == "RX1"
    assert json.loads(ev["body"]) == json.loads(body) and ev["isBase64Encoded"] is False
    assert api_event(b"\xff\xfe", ods=None)["isBase64Encoded"] is True
    assert api_event(b"{}", ods=None)["requestContext"]["authorizer"] == {}


def test_sqs_event_parses_as_powertools_sqs_records():
    from aws_lambda_powertools.utilities.data_classes import SQSEvent

    msgs = [{"MessageId": "a", "ReceiptHandle": "r", "Body": '{"x":1}',
             "Attributes": {"MessageGroupId": "g1", "ApproximateReceiveCount": "2"},
             "MessageAttributes": {"ods": {"StringValue": "A81001", "DataType": "String"}}}]
    rec = next(SQSEvent(sqs_event(msgs)).records)
    assert (rec.message_id, rec.json_body, rec.attributes.message_group_id) == ("a", {"x": 1}, "g1")
    assert rec.attributes.approximate_receive_count == "2"
    assert rec.message_attributes["ods"].string_value == "A81001"


def test_lambda_context_answers_what_powertools_reads():
    ctx = LambdaContext("ingest", 256)
    assert ctx.invoked_function_arn.endswith(":function:ingest") and ctx.get_remaining_time_in_millis() == 30_000
