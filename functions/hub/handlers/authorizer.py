"""API Gateway REQUEST authorizer: hashed API keys -> the caller's ODS code and kind.

The key comes as `Authorization: Bearer <key>` or `x-api-key: <key>`. A known, unrevoked, unexpired key
is then admitted by its rate limiter (`hub.core.auth.admit`, state in AgenciesTable): over its limit the
answer is an explicit Deny, which the API's ACCESS_DENIED gateway response makes a 429 OperationOutcome.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.core.auth import allow_policy, deny_policy, parse_token, verify
from hub.handlers import composition
from hub.handlers._observability import correlated

logger = Logger()


def _header(event: dict, name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


@logger.inject_lambda_context(clear_state=True)
@correlated(logger)
def lambda_handler(event: dict, context) -> dict:
    parsed = parse_token(_header(event, "authorization") or _header(event, "x-api-key"))
    if parsed is None:
        logger.info("credential missing or malformed")
        raise Exception("Unauthorized")  # API Gateway maps exactly this to 401
    ports = composition.current()
    key_id, secret = parsed
    now = ports.clock()
    cred = ports.agencies.get(key_id)
    caller = verify(cred, secret, now)
    if caller is None:
        logger.info("credential rejected", extra={"key_id": key_id})
        raise Exception("Unauthorized")
    logger.append_keys(caller_ods=caller.ods, caller_kind=caller.kind)
    adm = ports.agencies.admit(cred, now)
    if not adm.allowed:
        logger.warning("rate limited", extra={"key_id": key_id, "retry_after": adm.retry_after})
        return deny_policy(caller, event.get("methodArn", ""), adm, cred.rate)
    logger.info("credential accepted", extra={"key_id": key_id})
    return allow_policy(caller, event.get("methodArn", ""))
