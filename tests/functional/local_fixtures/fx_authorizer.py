"""Test authorizer: the Authorization header decides."""
CALLS: list[dict] = []


def _policy(effect: str, resource: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


def lambda_handler(event, context):
    CALLS.append(event)
    token = event["headers"].get("Authorization") or event["headers"].get("authorization")
    if token == "Bearer allow":
        return {"principalId": "A1", "policyDocument": _policy("Allow", event["methodArn"]),
                "context": {"ods": "A1", "kind": "gp"}}
    if token == "Bearer deny":
        return {"principalId": "A1", "policyDocument": _policy("Deny", event["methodArn"])}
    if token == "Bearer elsewhere":
        return {"principalId": "A1", "policyDocument": _policy("Allow", "arn:aws:execute-api:*:*:other/*")}
    raise Exception("Unauthorized")
