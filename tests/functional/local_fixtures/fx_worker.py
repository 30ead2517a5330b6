"""Test SQS function: fails records whose body contains 'fail'; raises on 'explode'."""
SEEN: list[dict] = []


def lambda_handler(event, context):
    SEEN.extend(event["Records"])
    if any("explode" in r["body"] for r in event["Records"]):
        raise RuntimeError("boom")
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if "fail" in r["body"]]}
