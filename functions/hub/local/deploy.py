"""Create template.yaml's data plane on whatever AWS_ENDPOINT_URL points at.

Generic by resource type: every KMS key, bucket, table, queue, secret, topic,
log group and alarm the (translated) template declares is created with the
template's properties; nothing here names a particular queue or table.
Lambda, API Gateway, IAM, EventBridge and Pipes resources are not created:
`runtime.LocalRuntime` plays those parts from the returned `StackInfo`.

`deploy_cloudformation` instead sends the template (SAM transform included,
functions and API removed) to the emulator's CloudFormation, e.g. LocalStack.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from hub.local.template import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    DEFAULT_TEMPLATE,
    REPO_ROOT,
    load_template,
    parameter_defaults,
    serverless_functions,
    translate,
)

log = logging.getLogger(__name__)

DEFAULT_STACK_FILE = REPO_ROOT / ".local" / "stack.json"
NO_VALUE = object()


class DeployError(RuntimeError):
    pass


# ----------------------------------------------------------------------------- data
@dataclass
class FunctionSpec:
    handler: str
    timeout: int
    memory: int
    env: dict[str, str]
    events: list[dict] = field(default_factory=list)
    code_uri: str | None = None  # absolute path of the source CodeUri (added to sys.path locally)
    name: str | None = None  # resolved FunctionName, if the template sets one


@dataclass
class StackInfo:
    endpoint_url: str
    region: str
    resources: dict[str, str]  # logical id -> physical id (queue URL, table name, key id, ...)
    env: dict[str, str]  # union of all functions' resolved Environment.Variables
    functions: dict[str, FunctionSpec]
    stack_name: str = "hub-local"
    account_id: str = DEFAULT_ACCOUNT
    resource_types: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> type, not created (played or n/a)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "StackInfo":
        d = dict(d)
        d["functions"] = {k: FunctionSpec(**v) for k, v in (d.get("functions") or {}).items()}
        return cls(**d)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        p = Path(path) if path else DEFAULT_STACK_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True))
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "StackInfo":
        p = Path(path) if path else DEFAULT_STACK_FILE
        return cls.from_dict(json.loads(Path(p).read_text()))

    def queue_urls(self) -> dict[str, str]:
        return {lid: phys for lid, phys in self.resources.items() if self.resource_types.get(lid) == "AWS::SQS::Queue"}

    def table_names(self) -> dict[str, str]:
        return {
            lid: phys for lid, phys in self.resources.items() if self.resource_types.get(lid) == "AWS::DynamoDB::Table"
        }


# ----------------------------------------------------------------------------- intrinsics
_SUB_VAR = re.compile(r"\$\{([^}]+)\}")


def _refs_in(value: Any) -> set[str]:
    """Logical ids / parameter names a value depends on (Ref, GetAtt, Sub)."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                out.add(v)
            elif k == "Fn::GetAtt":
                out.add(v[0] if isinstance(v, list) else str(v).split(".", 1)[0])
            elif k == "Fn::Sub":
                s, vars_ = (v, {}) if isinstance(v, str) else (v[0], v[1] if len(v) > 1 else {})
                for name in _SUB_VAR.findall(s):
                    if not name.startswith("!") and name.split(".", 1)[0] not in vars_:
                        out.add(name.split(".", 1)[0])
                out |= _refs_in(vars_)
            else:
                out |= _refs_in(v)
    elif isinstance(value, list):
        for v in value:
            out |= _refs_in(v)
    return out


class Resolver:
    """Evaluates Ref / Fn::GetAtt / Fn::Sub / Fn::Join / Fn::If ... against known values."""

    def __init__(
        self,
        template: dict,
        params: dict[str, Any],
        pseudo: dict[str, Any],
        get_ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
    ):
        self.template = template
        self.params = {}
        for name, spec in (template.get("Parameters") or {}).items():
            if name in params:
                v = params[name]
                if spec.get("Type") == "CommaDelimitedList" and isinstance(v, str):
                    v = [x.strip() for x in v.split(",")] if v else []
                elif not isinstance(v, list):
                    v = str(v)
                self.params[name] = v
        self.pseudo = pseudo
        self.get_ref = get_ref
        self.get_att = get_att
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            expr = (self.template.get("Conditions") or {}).get(name)
            if expr is None:
                raise DeployError(f"unknown condition {name}")
            self._conditions[name] = bool(self._cond(expr))
        return self._conditions[name]

    def _cond(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (k, v), = expr.items()
            if k == "Fn::Equals":
                a, b = (self.resolve(x) for x in v)
                return str(a) == str(b)
            if k == "Fn::Not":
                return not self._cond(v[0])
            if k == "Fn::And":
                return all(self._cond(x) for x in v)
            if k == "Fn::Or":
                return any(self._cond(x) for x in v)
            if k == "Condition":
                return self.condition(v)
        return self.resolve(expr)

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            return self.params[name]
        return self.get_ref(name)

    def _sub(self, s: str, vars_: dict) -> str:
        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in vars_:
                return str(vars_[name])
            if "." in name and not name.startswith("AWS::"):
                lid, att = name.split(".", 1)
                return str(self.get_att(lid, att))
            v = self.ref(name)
            return ",".join(v) if isinstance(v, list) else str(v)

        return _SUB_VAR.sub(repl, s)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (k, v), = value.items()
            if k == "Ref":
                return self.ref(v)
            if k == "Fn::GetAtt":
                lid, att = (v if isinstance(v, list) else str(v).split(".", 1))
                return self.get_att(lid, self.resolve(att))
            if k == "Fn::Sub":
                if isinstance(v, str):
                    return self._sub(v, {})
                return self._sub(v[0], self.resolve(v[1]) if len(v) > 1 else {})
            if k == "Fn::Join":
                delim, items = v
                items = self.resolve(items)
                return delim.join(",".join(i) if isinstance(i, list) else str(i) for i in items)
            if k == "Fn::Select":
                idx, items = self.resolve(v[0]), self.resolve(v[1])
                return items[int(idx)]
            if k == "Fn::Split":
                return str(self.resolve(v[1])).split(v[0])
            if k == "Fn::If":
                cond, a, b = v
                return self.resolve(a if self.condition(cond) else b)
            if k == "Fn::FindInMap":
                m, top, second = (self.resolve(x) for x in v[:3])
                return self.template["Mappings"][m][top][second]
            if k == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(v)).encode()).decode()
            if k == "Fn::GetAZs":
                region = self.pseudo["AWS::Region"]
                return [f"{region}a", f"{region}b", f"{region}c"]
            if k in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
                return self._cond(value)
        out = {}
        for k, v in value.items():
            r = self.resolve(v)
            if r is not NO_VALUE:
                out[k] = r
        return out


# ----------------------------------------------------------------------------- attributes of existing resources
def _cfn_bool(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v).lower() if str(v).lower() in ("true", "false") else str(v)


class _Clients:
    def __init__(self, session):
        self._session = session
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str):
        if service not in self._cache:
            self._cache[service] = self._session.client(service)
        return self._cache[service]


def describe_attrs(rtype: str, physical: str, clients: _Clients, region: str, account: str) -> dict[str, Any]:
    """GetAtt values for an existing resource, from its physical id."""
    arn_prefix = f"arn:aws"
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


# ----------------------------------------------------------------------------- creators
def _name(stack: str, lid: str, limit: int = 80) -> str:
    return f"{stack}-{lid}"[:limit]


def _create_kms_key(lid, props, ctx) -> str:
    kms = ctx.clients("kms")
    alias = f"alias/{ctx.stack}/{lid}"
    for page in kms.get_paginator("list_aliases").paginate():
        for a in page["Aliases"]:
            if a["AliasName"] == alias and a.get("TargetKeyId"):
                return a["TargetKeyId"]
    kwargs: dict[str, Any] = {
        "Description": props.get("Description", lid),
        "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
        "Tags": [{"TagKey": "hub:logical-id", "TagValue": lid}],
    }
    if props.get("KeyPolicy"):
        kwargs["Policy"] = json.dumps(props["KeyPolicy"])
        kwargs["BypassPolicyLockoutSafetyCheck"] = True
    try:
        key_id = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
    except Exception as e:  # an emulator rejecting the policy principals: keep the key, note it
        if "Policy" not in kwargs:
            raise
        ctx.warn(f"{lid}: key policy not accepted ({type(e).__name__}); created with the default policy")
        kwargs.pop("Policy")
        kwargs.pop("BypassPolicyLockoutSafetyCheck")
        key_id = kms.create_key(**kwargs)["KeyMetadata"]["KeyId"]
    if _cfn_bool(props.get("EnableKeyRotation", False)) == "true":
        ctx.try_(f"{lid}: key rotation", kms.enable_key_rotation, KeyId=key_id)
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return key_id


def _create_kms_alias(lid, props, ctx) -> str:
    kms = ctx.clients("kms")
    try:
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    except kms.exceptions.AlreadyExistsException:
        kms.update_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    return props["AliasName"]


def _lifecycle_rule(r: dict) -> dict:
    out: dict[str, Any] = {"ID": r.get("Id", "rule"), "Status": r.get("Status", "Enabled")}
    out["Filter"] = {"Prefix": r["Prefix"]} if "Prefix" in r else {"Prefix": ""}
    if "ExpirationInDays" in r:
        out["Expiration"] = {"Days": int(r["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in r:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(r["NoncurrentVersionExpiration"]["NoncurrentDays"])}
    if "AbortIncompleteMultipartUpload" in r:
        out["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    return out


def _create_bucket(lid, props, ctx) -> str:
    s3 = ctx.clients("s3")
    name = props.get("BucketName") or f"{ctx.stack}-{lid}-{ctx.account}".lower()[:63]
    kwargs: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    try:
        s3.create_bucket(**kwargs)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    enc = props.get("BucketEncryption")
    if enc:
        rules = []
        for r in enc["ServerSideEncryptionConfiguration"]:
            d = r.get("ServerSideEncryptionByDefault", {})
            rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": d.get("SSEAlgorithm", "AES256")}}
            if d.get("KMSMasterKeyID"):
                rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = d["KMSMasterKeyID"]
            if "BucketKeyEnabled" in r:
                rule["BucketKeyEnabled"] = _cfn_bool(r["BucketKeyEnabled"]) == "true"
            rules.append(rule)
        ctx.try_(f"{lid}: encryption", s3.put_bucket_encryption, Bucket=name,
                 ServerSideEncryptionConfiguration={"Rules": rules})
    if props.get("VersioningConfiguration"):
        ctx.try_(f"{lid}: versioning", s3.put_bucket_versioning, Bucket=name,
                 VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]})
    if props.get("PublicAccessBlockConfiguration"):
        pab = {k: _cfn_bool(v) == "true" for k, v in props["PublicAccessBlockConfiguration"].items()}
        ctx.try_(f"{lid}: public access block", s3.put_public_access_block, Bucket=name,
                 PublicAccessBlockConfiguration=pab)
    if props.get("OwnershipControls"):
        ctx.try_(f"{lid}: ownership controls", s3.put_bucket_ownership_controls, Bucket=name,
                 OwnershipControls=props["OwnershipControls"])
    if props.get("LifecycleConfiguration"):
        rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
        ctx.try_(f"{lid}: lifecycle", s3.put_bucket_lifecycle_configuration, Bucket=name,
                 LifecycleConfiguration={"Rules": rules})
    return name


def _tls_only(stmt: dict) -> bool:
    cond = (stmt.get("Condition") or {}).get("Bool") or {}
    return stmt.get("Effect") == "Deny" and str(cond.get("aws:SecureTransport")).lower() == "false"


def _create_bucket_policy(lid, props, ctx) -> str:
    doc = dict(props["PolicyDocument"])
    if not os.environ.get("AWS_ENDPOINT_URL", "").startswith("https://"):
        # Emulators are reached over plain HTTP (or in-process under moto's mock_aws, which it treats
        # the same) and would rightly refuse every request under a TLS-only policy.
        kept = [st for st in doc.get("Statement", []) if not _tls_only(st)]
        if len(kept) != len(doc.get("Statement", [])):
            ctx.warnings.append(f"{lid}: TLS-only statement not applied (emulator endpoint is plain HTTP)")
        doc["Statement"] = kept
    if doc.get("Statement"):
        ctx.try_(f"{lid}: bucket policy", ctx.clients("s3").put_bucket_policy, Bucket=props["Bucket"],
                 Policy=json.dumps(doc))
    return f"{props['Bucket']}-policy"


def _create_table(lid, props, ctx) -> str:
    ddb = ctx.clients("dynamodb")
    name = props.get("TableName") or _name(ctx.stack, lid, 255)
    billing = props.get("BillingMode", "PROVISIONED")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = {k: int(v) for k, v in props["ProvisionedThroughput"].items()}
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            idxs = []
            for i in props[key]:
                i = dict(i)
                if billing == "PAY_PER_REQUEST":
                    i.pop("ProvisionedThroughput", None)
                i.pop("ContributorInsightsSpecification", None)
                idxs.append(i)
            kwargs[key] = idxs
    sse = props.get("SSESpecification")
    if sse:
        spec: dict[str, Any] = {"Enabled": _cfn_bool(sse.get("SSEEnabled", True)) == "true"}
        if sse.get("SSEType"):
            spec["SSEType"] = sse["SSEType"]
        if sse.get("KMSMasterKeyId"):
            spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
        kwargs["SSESpecification"] = spec
    if props.get("StreamSpecification"):
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    try:
        ddb.create_table(**kwargs)
    except ddb.exceptions.ResourceInUseException:
        pass
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ttl = props.get("TimeToLiveSpecification")
    if ttl and _cfn_bool(ttl.get("Enabled", True)) == "true":
        ctx.try_(f"{lid}: TTL", ddb.update_time_to_live, TableName=name,
                 TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]})
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and _cfn_bool(pitr.get("PointInTimeRecoveryEnabled", False)) == "true":
        ctx.try_(f"{lid}: PITR", ddb.update_continuous_backups, TableName=name,
                 PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    return name


_SQS_ATTRS = (
    "ContentBasedDeduplication", "DeduplicationScope", "DelaySeconds", "FifoQueue", "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds", "KmsMasterKeyId", "MaximumMessageSize", "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds", "RedriveAllowPolicy", "RedrivePolicy", "SqsManagedSseEnabled",
    "VisibilityTimeout",
)


def _create_queue(lid, props, ctx) -> str:
    fifo = _cfn_bool(props.get("FifoQueue", False)) == "true"
    name = props.get("QueueName") or (_name(ctx.stack, lid, 75) + (".fifo" if fifo else ""))
    attrs = {}
    for k in _SQS_ATTRS:
        if k in props:
            v = props[k]
            attrs[k] = json.dumps(v) if isinstance(v, dict) else _cfn_bool(v)
    return ctx.clients("sqs").create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def _create_queue_policy(lid, props, ctx) -> str:
    for url in props["Queues"]:
        ctx.try_(f"{lid}: queue policy", ctx.clients("sqs").set_queue_attributes, QueueUrl=url,
                 Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    return lid


def _create_secret(lid, props, ctx) -> str:
    sm = ctx.clients("secretsmanager")
    name = props.get("Name") or _name(ctx.stack, lid, 512)
    if "SecretString" in props:
        value = props["SecretString"]
    else:
        g = props.get("GenerateSecretString") or {}
        kw = {k: (_cfn_bool(v) == "true" if str(_cfn_bool(v)) in ("true", "false") else v) for k, v in g.items()
              if k in ("ExcludeCharacters", "ExcludeLowercase", "ExcludeNumbers", "ExcludePunctuation",
                       "ExcludeUppercase", "IncludeSpace", "RequireEachIncludedType")}
        kw["PasswordLength"] = int(g.get("PasswordLength", 32))
        pw = sm.get_random_password(**kw)["RandomPassword"]
        if g.get("SecretStringTemplate") and g.get("GenerateStringKey"):
            d = json.loads(g["SecretStringTemplate"])
            d[g["GenerateStringKey"]] = pw
            value = json.dumps(d)
        else:
            value = pw
    kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
    if props.get("Description"):
        kwargs["Description"] = props["Description"]
    if props.get("KmsKeyId"):
        kwargs["KmsKeyId"] = props["KmsKeyId"]
    try:
        return sm.create_secret(**kwargs)["ARN"]
    except sm.exceptions.ResourceExistsException:
        return sm.describe_secret(SecretId=name)["ARN"]


def _create_topic(lid, props, ctx) -> str:
    fifo = _cfn_bool(props.get("FifoTopic", False)) == "true"
    name = props.get("TopicName") or (_name(ctx.stack, lid, 250) + (".fifo" if fifo else ""))
    attrs = {}
    for k in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"):
        if k in props:
            attrs[k] = _cfn_bool(props[k])
    arn = ctx.clients("sns").create_topic(Name=name, Attributes=attrs)["TopicArn"]
    for sub in props.get("Subscription") or []:
        ctx.clients("sns").subscribe(TopicArn=arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
    return arn


def _create_subscription(lid, props, ctx) -> str:
    return ctx.clients("sns").subscribe(
        TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"], ReturnSubscriptionArn=True
    )["SubscriptionArn"]


def _create_log_group(lid, props, ctx) -> str:
    logs = ctx.clients("logs")
    name = props.get("LogGroupName") or f"/{ctx.stack}/{lid}"
    kwargs: dict[str, Any] = {"logGroupName": name}
    if props.get("KmsKeyId"):
        kwargs["kmsKeyId"] = props["KmsKeyId"]
    try:
        logs.create_log_group(**kwargs)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    if props.get("RetentionInDays"):
        ctx.try_(f"{lid}: retention", logs.put_retention_policy, logGroupName=name,
                 retentionInDays=int(props["RetentionInDays"]))
    return name


def _create_alarm(lid, props, ctx) -> str:
    name = props.get("AlarmName") or _name(ctx.stack, lid, 255)
    keys = ("AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
            "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit",
            "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
            "Metrics")
    kw: dict[str, Any] = {k: props[k] for k in keys if k in props}
    for k in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if k in kw:
            kw[k] = int(kw[k])
    if "Threshold" in kw:
        kw["Threshold"] = float(kw["Threshold"])
    if "ActionsEnabled" in kw:
        kw["ActionsEnabled"] = _cfn_bool(kw["ActionsEnabled"]) == "true"
    ctx.try_(f"{lid}: alarm", ctx.clients("cloudwatch").put_metric_alarm, AlarmName=name, **kw)
    return name


CREATORS: dict[str, Callable[[str, dict, "_Ctx"], str]] = {
    "AWS::KMS::Key": _create_kms_key,
    "AWS::KMS::Alias": _create_kms_alias,
    "AWS::S3::Bucket": _create_bucket,
    "AWS::S3::BucketPolicy": _create_bucket_policy,
    "AWS::DynamoDB::Table": _create_table,
    "AWS::SQS::Queue": _create_queue,
    "AWS::SQS::QueuePolicy": _create_queue_policy,
    "AWS::SecretsManager::Secret": _create_secret,
    "AWS::SNS::Topic": _create_topic,
    "AWS::SNS::Subscription": _create_subscription,
    "AWS::Logs::LogGroup": _create_log_group,
    "AWS::CloudWatch::Alarm": _create_alarm,
}


class _Ctx:
    def __init__(self, clients: _Clients, stack: str, region: str, account: str):
        self.clients = clients
        self.stack = stack
        self.region = region
        self.account = account
        self.warnings: list[str] = []

    def warn(self, msg: str) -> None:
        log.warning(msg)
        self.warnings.append(msg)

    def try_(self, what: str, fn: Callable, **kwargs: Any) -> Any:
        """Apply a secondary setting 'as the emulator allows': record, don't fail, when unsupported."""
        try:
            return fn(**kwargs)
        except Exception as e:  # noqa: BLE001
            self.warn(f"{what} not applied: {type(e).__name__}: {e}")
            return None


# ----------------------------------------------------------------------------- orchestration
def _session(session=None, region: str | None = None):
    import boto3

    if session is not None:
        return session
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return boto3.session.Session(region_name=region)


def _account(clients: _Clients) -> str:
    try:
        return clients("sts").get_caller_identity()["Account"]
    except Exception:  # noqa: BLE001
        return DEFAULT_ACCOUNT


def _toposort(resources: dict[str, dict], wanted: set[str]) -> list[str]:
    deps = {}
    for lid in wanted:
        r = resources[lid]
        d = _refs_in(r.get("Properties") or {})
        dep_on = r.get("DependsOn") or []
        d |= set([dep_on] if isinstance(dep_on, str) else dep_on)
        deps[lid] = {x for x in d if x in wanted and x != lid}
    order: list[str] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in done:
            return
        if n in visiting:
            raise DeployError(f"circular dependency at {n}")
        visiting.add(n)
        for m in sorted(deps[n]):
            visit(m)
        visiting.discard(n)
        done.add(n)
        order.append(n)

    for n in sorted(wanted):
        visit(n)
    return order


class _State:
    """Physical ids and attributes of created resources, for the resolver."""

    def __init__(self, resources: dict[str, dict], ctx: _Ctx, physical: dict[str, str]):
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
            return _name(self.ctx.stack, lid)
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


def _pseudo(region: str, account: str, stack: str) -> dict[str, Any]:
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": "aws",
        "AWS::StackName": stack,
        "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/local",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::NoValue": NO_VALUE,
        "AWS::NotificationARNs": [],
    }


def _function_specs(source: dict, cfn: dict, resolver: Resolver, template_dir: Path) -> dict[str, FunctionSpec]:
    """FunctionSpecs from the translated functions (env, handler) and the SAM Events (wiring)."""
    sam_funcs = serverless_functions(source)
    apis = {lid: r.get("Properties") or {} for lid, r in (source.get("Resources") or {}).items()
            if r.get("Type") == "AWS::Serverless::Api"}
    api_globals = (source.get("Globals") or {}).get("Api") or {}
    specs: dict[str, FunctionSpec] = {}
    for lid, res in (cfn.get("Resources") or {}).items():
        if res.get("Type") != "AWS::Lambda::Function":
            continue
        if res.get("Condition") and not resolver.condition(res["Condition"]):
            continue
        props = res.get("Properties") or {}
        env = resolver.resolve(((props.get("Environment") or {}).get("Variables")) or {})
        env = {k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in env.items()}
        sam = sam_funcs.get(lid, {})
        code_uri = sam.get("CodeUri")
        code_path = str((template_dir / code_uri).resolve()) if isinstance(code_uri, str) and "://" not in code_uri else None
        events = []
        for ev_name, ev in (sam.get("Events") or {}).items():
            et, ep = ev.get("Type"), ev.get("Properties") or {}
            if et in ("Api",):
                api_lid = (ep.get("RestApiId") or {}).get("Ref", "ServerlessRestApi") if isinstance(ep.get("RestApiId"), dict) else "ServerlessRestApi"
                api_props = {**api_globals, **apis.get(api_lid, {})}
                auth_cfg = api_props.get("Auth") or {}
                auth_name = ((ep.get("Auth") or {}).get("Authorizer")) or auth_cfg.get("DefaultAuthorizer")
                authorizer = None
                if auth_name and auth_name not in ("NONE", "AWS_IAM"):
                    a = (auth_cfg.get("Authorizers") or {})[auth_name]
                    fn_arn = a.get("FunctionArn")
                    fn_lid = fn_arn["Fn::GetAtt"][0] if isinstance(fn_arn, dict) and "Fn::GetAtt" in fn_arn else None
                    ident = a.get("Identity") or {}
                    authorizer = {
                        "name": auth_name,
                        "function": fn_lid,
                        "type": a.get("FunctionPayloadType", "TOKEN"),
                        "identity_headers": list(ident.get("Headers") or ([] if a.get("FunctionPayloadType") == "REQUEST" else ["Authorization"])),
                        "identity_query": list(ident.get("QueryStrings") or []),
                    }
                stage = resolver.resolve(api_props.get("StageName", "Prod"))
                events.append({"name": ev_name, "type": "Api", "path": ep["Path"], "method": ep["Method"].upper(),
                               "api": api_lid, "stage": str(stage), "authorizer": authorizer})
            elif et == "SQS":
                q = ep["Queue"]
                q_lid = q["Fn::GetAtt"][0] if isinstance(q, dict) and "Fn::GetAtt" in q else None
                events.append({
                    "name": ev_name, "type": "SQS", "queue": q_lid,
                    "queue_url": resolver.ref(q_lid) if q_lid else None,
                    "queue_arn": resolver.resolve(q),
                    "batch_size": int(ep.get("BatchSize", 10)),
                    "report_batch_item_failures": "ReportBatchItemFailures" in (ep.get("FunctionResponseTypes") or []),
                    "enabled": _cfn_bool(ep.get("Enabled", True)) == "true",
                })
            elif et in ("Schedule", "ScheduleV2"):
                events.append({
                    "name": ev_name, "type": "Schedule",
                    "expression": resolver.resolve(ep.get("Schedule") or ep.get("ScheduleExpression")),
                    "input": ep.get("Input"),
                    "enabled": _cfn_bool(ep.get("Enabled", True)) == "true" and ep.get("State", "ENABLED") != "DISABLED",
                    "rule_name": f"{resolver.pseudo['AWS::StackName']}-{lid}-{ev_name}",
                })
        specs[lid] = FunctionSpec(
            handler=props["Handler"],
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            env=env,
            events=events,
            code_uri=code_path,
            name=str(resolver.resolve(props["FunctionName"])) if props.get("FunctionName") else None,
        )
    return specs


def _outputs(cfn: dict, resolver: Resolver) -> dict[str, str]:
    out = {}
    for name, o in (cfn.get("Outputs") or {}).items():
        if o.get("Condition") and not resolver.condition(o["Condition"]):
            continue
        try:
            out[name] = str(resolver.resolve(o["Value"]))
        except Exception as e:  # noqa: BLE001
            log.debug("output %s unresolved: %s", name, e)
    return out


def _build_info(source, cfn, resolver, state, ctx, endpoint, template_path, skipped) -> StackInfo:
    functions = _function_specs(source, cfn, resolver, Path(template_path).resolve().parent)
    env: dict[str, str] = {}
    for spec in functions.values():
        env.update(spec.env)
    return StackInfo(
        endpoint_url=endpoint,
        region=ctx.region,
        resources=dict(state.physical),
        env=env,
        functions=functions,
        stack_name=ctx.stack,
        account_id=ctx.account,
        resource_types={lid: cfn["Resources"][lid]["Type"] for lid in state.physical if lid in cfn["Resources"]},
        outputs=_outputs(cfn, resolver),
        skipped=skipped,
        warnings=ctx.warnings,
    )


def deploy(
    template_path: str | os.PathLike | None = None,
    *,
    session=None,
    stack_name: str = "hub-local",
    parameters: dict[str, Any] | None = None,
    save_to: str | os.PathLike | None | bool = None,
) -> StackInfo:
    """Create every data-plane resource of the template on AWS_ENDPOINT_URL; return its StackInfo.

    Idempotent per stack_name on one emulator (existing queues/tables/keys are reused).
    save_to: path for the StackInfo JSON; None -> .local/stack.json, False -> don't write.
    """
    template_path = Path(template_path) if template_path else DEFAULT_TEMPLATE
    sess = _session(session)
    clients = _Clients(sess)
    region = sess.region_name or DEFAULT_REGION
    account = _account(clients)
    ctx = _Ctx(clients, stack_name, region, account)
    source = load_template(template_path)
    cfn = translate(source, parameters=parameters, region=region)
    resources = cfn.get("Resources") or {}
    physical: dict[str, str] = {}
    state = _State(resources, ctx, physical)
    resolver = Resolver(cfn, parameter_defaults(cfn, parameters), _pseudo(region, account, stack_name),
                        state.ref, state.att)
    wanted, skipped = set(), {}
    for lid, r in resources.items():
        if r.get("Condition") and not resolver.condition(r["Condition"]):
            continue
        (wanted.add(lid) if r["Type"] in CREATORS else skipped.__setitem__(lid, r["Type"]))
    for lid in _toposort(resources, wanted):
        props = resolver.resolve(resources[lid].get("Properties") or {})
        physical[lid] = CREATORS[resources[lid]["Type"]](lid, props, ctx)
    endpoint = clients("sqs").meta.endpoint_url
    info = _build_info(source, cfn, resolver, state, ctx, endpoint, template_path, skipped)
    if save_to is not False:
        info.save(save_to or None)
    return info


# ----------------------------------------------------------------------------- CloudFormation (LocalStack)
# Lambda cannot run in LocalStack host mode (no Docker): leave out the functions and what hangs off them.
CFN_EXCLUDED_TYPES = frozenset({
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::ApiGateway::Authorizer",
})


def data_plane_template(source: dict, excluded_types: frozenset[str] = CFN_EXCLUDED_TYPES) -> tuple[dict, set[str]]:
    """The SAM template without functions/API and everything that refers to them (transitively)."""
    import copy

    tpl = copy.deepcopy(source)
    res = tpl.get("Resources") or {}
    removed = {lid for lid, r in res.items() if r.get("Type") in excluded_types}
    changed = True
    while changed:
        changed = False
        for lid, r in list(res.items()):
            if lid in removed:
                continue
            dep_on = r.get("DependsOn") or []
            dep_on = {dep_on} if isinstance(dep_on, str) else set(dep_on)
            if (_refs_in(r.get("Properties") or {}) | dep_on) & removed:
                removed.add(lid)
                changed = True
    for lid in removed:
        res.pop(lid, None)
    outs = tpl.get("Outputs") or {}
    for name in [n for n, o in outs.items() if _refs_in(o) & removed]:
        outs.pop(name)
    glob = tpl.get("Globals") or {}
    remaining = {r.get("Type") for r in res.values()}
    if "AWS::Serverless::Function" not in remaining:
        glob.pop("Function", None)
    if "AWS::Serverless::Api" not in remaining:
        glob.pop("Api", None)
    if not glob:
        tpl.pop("Globals", None)
    return tpl, removed


def deploy_cloudformation(
    template_path: str | os.PathLike | None = None,
    *,
    session=None,
    stack_name: str = "hub-local",
    parameters: dict[str, Any] | None = None,
    timeout: float = 300,
    save_to: str | os.PathLike | None | bool = None,
) -> StackInfo:
    """Create the data plane through the emulator's CloudFormation with the SAM transform (LocalStack)."""
    template_path = Path(template_path) if template_path else DEFAULT_TEMPLATE
    sess = _session(session)
    clients = _Clients(sess)
    region = sess.region_name or DEFAULT_REGION
    account = _account(clients)
    ctx = _Ctx(clients, stack_name, region, account)
    source = load_template(template_path)
    body, removed = data_plane_template(source)
    cf = clients("cloudformation")
    cfn_params = [{"ParameterKey": k, "ParameterValue": ",".join(v) if isinstance(v, list) else str(v)}
                  for k, v in (parameters or {}).items()]
    existing = None
    try:
        existing = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
    except Exception:  # noqa: BLE001 - does not exist
        existing = None
    if existing and existing["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        cf.delete_stack(StackName=stack_name)
        _wait_stack(cf, stack_name, timeout, deleting=True)
        existing = None
    if not existing:
        cf.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(body),
            Parameters=cfn_params,
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        _wait_stack(cf, stack_name, timeout)
    physical: dict[str, str] = {}
    types: dict[str, str] = {}
    for page in cf.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for r in page["StackResourceSummaries"]:
            physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
            types[r["LogicalResourceId"]] = r["ResourceType"]
    cfn = translate(source, parameters=parameters, region=region)
    resources = cfn.get("Resources") or {}
    state = _State(resources, ctx, physical)
    resolver = Resolver(cfn, parameter_defaults(cfn, parameters), _pseudo(region, account, stack_name),
                        state.ref, state.att)
    skipped = {lid: r["Type"] for lid, r in resources.items() if lid not in physical}
    endpoint = clients("sqs").meta.endpoint_url
    info = _build_info(source, cfn, resolver, state, ctx, endpoint, template_path, skipped)
    info.resource_types.update(types)
    if save_to is not False:
        info.save(save_to or None)
    return info


def _wait_stack(cf, stack_name: str, timeout: float, deleting: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st = cf.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        except Exception:  # noqa: BLE001
            if deleting:
                return
            raise
        if deleting and st == "DELETE_COMPLETE":
            return
        if not deleting and st in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return
        if st.endswith("_FAILED") or st.endswith("ROLLBACK_COMPLETE"):
            events = cf.describe_stack_events(StackName=stack_name)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                       if e.get("ResourceStatus", "").endswith("FAILED")]
            raise DeployError(f"stack {stack_name} {st}: {reasons[:10]}")
        time.sleep(1)
    raise DeployError(f"stack {stack_name} not ready after {timeout}s")
