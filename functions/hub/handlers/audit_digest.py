"""Scheduled: sign the audit chain heads (KMS HMAC) into the archive bucket under digests/."""
from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.bootstrap import get_hub

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context) -> dict:
    from hub.adapters.s3_digest import S3AuditDigests

    hub = get_hub()
    digests = S3AuditDigests(hub.archive_bucket, s3=hub.clients.s3, kms=hub.clients.kms,
                             key_id=hub.settings.audit_digest_key_id)
    out = digests.publish(hub.audit.heads(), now=hub.clock(), table=hub.audit.table_name)
    chains = out["digest"]["chains"]
    logger.info("audit digest written", extra={"key": out["key"], "chains": len(chains),
                                               "records": sum(c["seq"] for c in chains.values())})
    return {"key": out["key"], "chains": chains}
