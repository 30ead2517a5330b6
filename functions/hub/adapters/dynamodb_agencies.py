"""Agency credentials (hashed API keys) in DynamoDB."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import AgencyRegistryError, describe
from hub.core.auth import AgencyCredential


def _to_ddb(item: dict) -> dict:
    return {k: {"S": str(v)} for k, v in item.items() if v is not None}


def _from_ddb(item: dict) -> dict:
    return {k: v.get("S") for k, v in item.items()}


class DynamoDBAgencyRegistry:
    def __init__(self, table_name: str, *, client):
        self.table_name = table_name
        self._ddb = client

    def get(self, key_id: str) -> AgencyCredential | None:
        try:
            item = self._ddb.get_item(TableName=self.table_name, Key={"key_id": {"S": key_id}}).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise AgencyRegistryError(f"credential lookup failed ({describe(exc)})") from exc
        return AgencyCredential.from_item(_from_ddb(item)) if item else None

    def put(self, cred: AgencyCredential) -> None:
        try:
            self._ddb.put_item(TableName=self.table_name, Item=_to_ddb(cred.to_item()),
                               ConditionExpression="attribute_not_exists(key_id)")
        except (ClientError, BotoCoreError) as exc:
            raise AgencyRegistryError(f"credential write failed ({describe(exc)})") from exc

    def revoke(self, key_id: str, at: str) -> None:
        try:
            self._ddb.update_item(TableName=self.table_name, Key={"key_id": {"S": key_id}},
                                  UpdateExpression="SET revoked_at = :t", ConditionExpression="attribute_exists(key_id)",
                                  ExpressionAttributeValues={":t": {"S": at}})
        except (ClientError, BotoCoreError) as exc:
            raise AgencyRegistryError(f"revoke failed ({describe(exc)})", retryable=False) from exc

    def list(self) -> list[AgencyCredential]:
        out: list[AgencyCredential] = []
        try:
            for page in self._ddb.get_paginator("scan").paginate(TableName=self.table_name):
                out += [AgencyCredential.from_item(_from_ddb(i)) for i in page.get("Items", [])]
        except (ClientError, BotoCoreError) as exc:
            raise AgencyRegistryError(f"credential scan failed ({describe(exc)})") from exc
        return out
