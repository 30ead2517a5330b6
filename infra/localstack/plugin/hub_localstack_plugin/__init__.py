"""LocalStack provider plugin: serve DynamoDB with moto (select with PROVIDER_OVERRIDE_DYNAMODB=moto).

LocalStack's default DynamoDB provider downloads DynamoDB Local (Java) at run time, which fails
offline. moto's DynamoDB backend covers what the hub uses (GSI, transactions, conditions, TTL).

Every DynamoDB request is served under one lock. LocalStack answers requests on several threads, and
moto's backend is not thread-safe: under concurrent writes a TransactWriteItems failed half-way with
"dictionary changed size during iteration" (HTTP 500), leaving some of its items written. Real
DynamoDB transactions are all-or-nothing; serialising keeps the emulator honest about that.

HUB_MOTO_TRANSACTIONS names the hub's functions/hub/local/moto_transactions.py (infra/localstack/run.py sets
it): moto copies every table a TransactWriteItems names, which made each audit append cost in proportion to
the audit log; that file patches moto to copy only the items named. It is loaded by its path because the
hub's package is not installed in LocalStack's Python.
"""
import functools
import importlib.util
import os
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

    _patch_transactions()

    def dispatch_table(provider):
        return {op: _serialised(fn) for op, fn in MotoFallbackDispatcher(provider).items()}

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=dispatch_table)


def _patch_transactions() -> None:
    path = os.environ.get("HUB_MOTO_TRANSACTIONS")
    if not path:
        return
    spec = importlib.util.spec_from_file_location("hub_moto_transactions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()
