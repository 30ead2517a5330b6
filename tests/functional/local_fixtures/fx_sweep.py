"""Test scheduled function."""
EVENTS: list[dict] = []


def lambda_handler(event, context):
    EVENTS.append(event)
    return {"fired": event["detail-type"]}
