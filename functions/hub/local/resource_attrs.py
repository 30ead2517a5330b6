"""Ref and Fn::GetAtt of resources that exist: created by the resource creators, by CloudFormation, or
(Lambda, API, IAM) only played locally, in which case they get the names CloudFormation would give them.
"""
from __future__ import annotations

from typing import Any

from hub.local.cfn_resolver import DeployError
from hub.local.resource_creators import ClientCache, CreateContext, physical_name


def describe_attrs(rtype: str, physical: str, clients: ClientCache, region: str, account: str) -> dict[str, Any]:
    """GetAtt values for an existing resource, from its physical id."""
    arn_prefix = "arn:aws"
    if rtype == "AWS::SQS::Queue":
        a = clients("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["QueueArn"])["Attributes"]
        return {"Arn": a["QueueArn"], "QueueName": physical.rstrip("/").rsplit("/", 1)[-1], "QueueUrl": physical}
    if rtype == "AWS::KMS::Key":
        md = clients("kms").describe_key(KeyId=physical)["KeyMetadata"]
        return {"Arn": md["Arn"], "KeyId": md["KeyId"]}
    if rtype == "AWS::DynamoDB::Table":
        t = clients("dynamodb").describe_table(TableName=physical)["Table"]
        return {"Arn": t["TableArn"], "StreamArn": t.get("LatestStreamArn", "")}
    if rtype == "AWS::S3::Bucket":
        return {
            "Arn": f"{arn_prefix}:s3:::{physical}",
            "DomainName": f"{physical}.s3.amazonaws.com",
            "RegionalDomainName": f"{physical}.s3.{region}.amazonaws.com",
        }
    if rtype == "AWS::SecretsManager::Secret":
        return {"Id": physical}
    if rtype == "AWS::SNS::Topic":
        return {"TopicArn": physical, "TopicName": physical.rsplit(":", 1)[-1]}
    if rtype == "AWS::Logs::LogGroup":
        return {"Arn": f"{arn_prefix}:logs:{region}:{account}:log-group:{physical}:*"}
    if rtype == "AWS::Lambda::Function":
        return {"Arn": f"{arn_prefix}:lambda:{region}:{account}:function:{physical}"}
    if rtype == "AWS::IAM::Role":
        return {"Arn": f"{arn_prefix}:iam::{account}:role/{physical}"}
    return {}


class DeployedResources:
    """Physical ids and attributes of the stack's resources: the `get_ref`/`get_att` of its Resolver."""

    def __init__(self, resources: dict[str, dict], ctx: CreateContext, physical: dict[str, str]):
        self.resources = resources
        self.ctx = ctx
        self.physical = physical
        self._attrs: dict[str, dict] = {}

    def ref(self, lid: str) -> Any:
        if lid in self.physical:
            return self.physical[lid]
        if lid in self.resources:
            # not created here (Lambda, API, IAM...): the name CloudFormation would give it
            props = self.resources[lid].get("Properties") or {}
            for k in ("FunctionName", "RoleName", "Name", "RuleName"):
                if isinstance(props.get(k), str):
                    return props[k]
            return physical_name(self.ctx.stack, lid)
        raise DeployError(f"unresolvable Ref {lid}")

    def att(self, lid: str, att: str) -> Any:
        if lid not in self._attrs:
            rtype = (self.resources.get(lid) or {}).get("Type", "")
            self._attrs[lid] = describe_attrs(rtype, self.ref(lid), self.ctx.clients, self.ctx.region, self.ctx.account)
        attrs = self._attrs[lid]
        if att in attrs:
            return attrs[att]
        if att == "Arn":
            rtype = (self.resources.get(lid) or {}).get("Type", "")
            svc = rtype.split("::")[1].lower() if "::" in rtype else "unknown"
            return f"arn:aws:{svc}:{self.ctx.region}:{self.ctx.account}:{self.ref(lid)}"
        return f"{self.ref(lid)}.{att}"

