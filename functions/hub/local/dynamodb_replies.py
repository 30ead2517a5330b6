"""DynamoDB item replies on the embedded emulator, written straight to JSON.

moto 5.2 serialises every reply by walking botocore's output shape, value by value, through a generic
attribute picker. For the item operations the reply is already DynamoDB's wire form (attribute values
such as {"S": ...}, numbers as strings), so that walk only copies it: py-spy put ~27 % of the OpenAPI fuzz
suite's CPU in it, most of the time the walk over a Query page of audit records. Here those replies are
dumped as they are, with binary values base64-encoded as the walk would. Every other DynamoDB operation,
and every error, still goes through moto's serialiser.

`HUB_EMULATOR_CHECK_REPLIES=1` makes each fast reply also go through moto's serialiser and raise if the
two decode differently: run the suites with it after upgrading moto (tests/functional/test_emulator_fast_replies.py checks
every attribute type this way on each run)."""
from __future__ import annotations

import functools
import base64
import json
import os
import sys
from collections import Counter
from datetime import datetime

# the operations whose replies carry items (moto wraps them in DynamoResult); the write-only batch and
# transaction replies are small and keep moto's serialiser
ITEM_OPERATIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "TransactGetItems",
})
CONTENT_TYPE = "application/x-amz-json-1.0"
# read at each reply, so a test can turn checking on for a server already running
CHECK = os.environ.get("HUB_EMULATOR_CHECK_REPLIES") == "1"
served_fast: Counter = Counter()  # operation -> replies written here (tests check the fast path ran)


class ReplyMismatch(AssertionError):
    """The fast reply and moto's own serialiser disagree (only raised when checking is on)."""


def _wire(value):
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):  # not in item replies today; the shape walk would choose the format
        raise TypeError("timestamp in an item reply")
    return value


def fast_body(result: dict, members) -> str:
    """`members`: the output shape's member names; moto's results carry a few others (DeleteItem's
    legacy ConsumedCapacityUnits) that its serialiser leaves out, as AWS does."""
    return json.dumps(_wire({k: v for k, v in result.items() if k in members}), separators=(",", ":"))


@functools.cache
def install() -> None:
    """Patch moto's DynamoDB result type, once per process (moto's backends are per process too)."""
    from moto.dynamodb.responses import DynamoResult

    moto_execute = DynamoResult.execute_result

    def execute_result(self, context):
        result = self.result
        if context.operation_model.name not in ITEM_OPERATIONS or not isinstance(result, dict):
            return moto_execute(self, context)
        try:
            body = fast_body(result, context.operation_model.output_shape.members)
        except TypeError:
            return moto_execute(self, context)
        if CHECK:
            _compare(body, moto_execute(self, context), context.operation_model.name)
        served_fast[context.operation_model.name] += 1
        return 200, {"Content-Type": CONTENT_TYPE}, body

    DynamoResult.execute_result = execute_result


def _compare(fast: str, reference: tuple, operation: str) -> None:
    status, headers, body = reference
    if status != 200 or headers.get("Content-Type") != CONTENT_TYPE or json.loads(body) != json.loads(fast):
        print(f"ReplyMismatch {operation}: {body[:2000]!r} != {fast[:2000]!r}", file=sys.stderr, flush=True)
        raise ReplyMismatch(f"{operation}: fast reply differs from moto's ({status}, {headers}, {body[:300]!r} "
                            f"against {fast[:300]!r})")
