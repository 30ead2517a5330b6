"""LocalStack provider plugin: serve DynamoDB with moto (select with PROVIDER_OVERRIDE_DYNAMODB=moto).

LocalStack's default DynamoDB provider downloads DynamoDB Local (Java) at run time, which fails
offline. moto's DynamoDB backend covers what the hub uses (GSI, transactions, conditions, TTL).

Every DynamoDB request is served under one lock. LocalStack answers requests on several threads, and
moto's backend is not thread-safe: under concurrent writes a TransactWriteItems failed half-way with
"dictionary changed size during iteration" (HTTP 500), leaving some of its items written. Real
DynamoDB transactions are all-or-nothing; serialising keeps the emulator honest about that.
"""
import functools
import threading

from localstack.services.plugins import aws_provider

_ONE_AT_A_TIME = threading.RLock()


def _serialised(handler):
    @functools.wraps(handler)
    def call(context, request):
        with _ONE_AT_A_TIME:
            return handler(context, request)
    return call


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.services.plugins import Service

    class MotoDynamoDBProvider(DynamodbApi):
        """Empty: every operation falls through to moto."""

    def dispatch_table(provider):
        return {op: _serialised(fn) for op, fn in MotoFallbackDispatcher(provider).items()}

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=dispatch_table)
