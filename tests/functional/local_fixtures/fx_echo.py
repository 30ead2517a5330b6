"""Test API function: echoes what API Gateway handed it; POST also enqueues the body."""
import json

CALLS: list[dict] = []
PORTS: dict = {}  # the composition the runtime hands in: {"sqs": client, "work_queue_url": url}


def use(ports: dict) -> None:
    PORTS.clear()
    PORTS.update(ports)


def lambda_handler(event, context):
    CALLS.append(event)
    if event["httpMethod"] == "POST" and not event.get("isBase64Encoded"):
        PORTS["sqs"].send_message(
            QueueUrl=PORTS["work_queue_url"], MessageBody=event["body"] or "",
            MessageGroupId="api", MessageDeduplicationId=event["requestContext"]["requestId"],
        )
    return {
        "statusCode": 202 if event["httpMethod"] == "POST" else 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({
            "resource": event["resource"],
            "path": event["path"],
            "stage": event["requestContext"]["stage"],
            "authorizer": event["requestContext"].get("authorizer"),
            "pathParameters": event["pathParameters"],
            "query": event["queryStringParameters"],
            "isBase64Encoded": event["isBase64Encoded"],
            "body": event["body"],
            "function": context.function_name,
            "memory": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }),
    }
