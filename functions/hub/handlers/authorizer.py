"""API Gateway REQUEST authorizer: hashed API keys -> the caller's ODS code and kind."""
from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.core.auth import allow_policy, parse_token, verify
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
    caller = verify(ports.agencies.get(key_id), secret, ports.clock())
    if caller is None:
        logger.info("credential rejected", extra={"key_id": key_id})
        raise Exception("Unauthorized")
    logger.append_keys(caller_ods=caller.ods, caller_kind=caller.kind)
    logger.info("credential accepted", extra={"key_id": key_id})
    return allow_policy(caller, event.get("methodArn", ""))
