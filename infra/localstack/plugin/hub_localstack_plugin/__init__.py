"""LocalStack provider plugin: serve DynamoDB with moto (select with PROVIDER_OVERRIDE_DYNAMODB=moto).

LocalStack's default DynamoDB provider downloads DynamoDB Local (Java) at run time, which fails
offline. moto's DynamoDB backend covers what the hub uses (GSI, transactions, conditions, TTL).
"""
from localstack.services.plugins import aws_provider


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.services.plugins import Service

    class MotoDynamoDBProvider(DynamodbApi):
        """Empty: every operation falls through to moto."""

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)
