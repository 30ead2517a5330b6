"""Scheduled: sign the audit chain heads (KMS HMAC) into the archive bucket under digests/."""
from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.handlers import composition

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context) -> dict:
    ports = composition.current()
    out = ports.digests.publish(ports.audit.heads(), now=ports.clock(), table=ports.settings.audit_table)
    chains = out["digest"]["chains"]
    logger.info("audit digest written", extra={"key": out["key"], "chains": len(chains),
                                               "records": sum(c["seq"] for c in chains.values())})
    return {"key": out["key"], "chains": chains}
