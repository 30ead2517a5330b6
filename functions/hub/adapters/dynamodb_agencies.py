"""Agency credentials (hashed API keys) in DynamoDB, and each key's rate limiter state and last use."""
from __future__ import annotations

from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from hub.adapters.errors import AgencyRegistryError, describe
from hub.core.auth import Admission, AgencyCredential, admit

ADMIT_ATTEMPTS = 3  # concurrent requests on one key race for its limiter state; the losers re-read


def _to_ddb(item: dict) -> dict:
    return {k: {"N": repr(v)} if isinstance(v, (int, float)) and not isinstance(v, bool) else {"S": str(v)}
            for k, v in item.items() if v is not None}


def _from_ddb(item: dict) -> dict:
    return {k: v.get("S", v.get("N")) for k, v in item.items()}


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

    def admit(self, cred: AgencyCredential, now: datetime) -> Admission:
        """Take one request from the key's allowance: one conditional UpdateItem when allowed (conditioned on
        the limiter state it read, so two containers cannot both spend the last token), none when refused."""
        for _ in range(ADMIT_ATTEMPTS):
            adm = admit(cred, now)
            if not adm.allowed:
                return adm
            sets, values = ["rl_tat = :n"], {":n": {"N": repr(adm.rl_tat)}}
            if adm.last_used_at:
                sets.append("last_used_at = :u")
                values[":u"] = {"S": adm.last_used_at}
            if cred.rl_tat is None:
                cond = "attribute_exists(key_id) AND attribute_not_exists(rl_tat)"
            else:
                cond, values[":o"] = "rl_tat = :o", {"N": repr(cred.rl_tat)}
            try:
                self._ddb.update_item(TableName=self.table_name, Key={"key_id": {"S": cred.key_id}},
                                      UpdateExpression="SET " + ", ".join(sets), ConditionExpression=cond,
                                      ExpressionAttributeValues=values)
                return adm
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise AgencyRegistryError(f"rate limiter update failed ({describe(exc)})") from exc
            except BotoCoreError as exc:
                raise AgencyRegistryError(f"rate limiter update failed ({describe(exc)})") from exc
            fresh = self.get(cred.key_id)
            if fresh is None:
                return Admission(False, retry_after=60.0)
            cred = fresh
        return Admission(False, retry_after=1.0)  # lost every race: the key is busy, so it is near its limit
