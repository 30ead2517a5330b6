"""Effect ledger in the idempotency table: which side effects (disclosures, alert audits) are done.

Keys are namespaced by the caller, e.g. `disclosure#<id>` or `alert-audit#<type>#<alert id>`.
"""
from __future__ import annotations

import time

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import StateStoreError, describe

RETENTION_SECONDS = 30 * 24 * 3600


class DynamoDBLedger:
    def __init__(self, table_name: str, *, client):
        self.table_name = table_name
        self._ddb = client

    def status(self, key: str) -> str | None:
        try:
            item = self._ddb.get_item(TableName=self.table_name, Key={"id": {"S": key}},
                                      ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StateStoreError(f"ledger read failed ({describe(exc)})") from exc
        return item["status"]["S"] if item else None

    def mark(self, key: str, status: str) -> None:
        try:
            self._ddb.put_item(TableName=self.table_name, Item={
                "id": {"S": key}, "status": {"S": status},
                "expiration": {"N": str(int(time.time()) + RETENTION_SECONDS)}})
        except (ClientError, BotoCoreError) as exc:
            raise StateStoreError(f"ledger write failed ({describe(exc)})") from exc
