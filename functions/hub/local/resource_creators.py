"""Create one template resource on the emulator: KMS keys, buckets, tables, queues, secrets, topics,
log groups and alarms, each from its resolved Properties.

A creator takes (logical id, resolved properties, CreateContext) and returns the physical id Ref gives.
Each is idempotent on one emulator (an existing key, bucket, table... of that name is reused). Settings an
emulator may not implement (rotation, PITR, policies) go through `ctx.try_`: recorded, never fatal.
"""
from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable

from hub.local.cfn_resolver import cfn_bool

log = logging.getLogger(__name__)


class ClientCache:
    """One boto3 client per service for a deploy, all from the same session and endpoint."""

    def __init__(self, session, endpoint_url: str | None = None):
        self._session = session
        self.endpoint_url = endpoint_url
        self._cache: dict[str, Any] = {}

    def __call__(self, service: str):
        if service not in self._cache:
            kwargs = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
            self._cache[service] = self._session.client(service, **kwargs)
        return self._cache[service]


class CreateContext:
    def __init__(self, clients: ClientCache, stack: str, region: str, account: str):
        self.clients = clients
        self.stack = stack
        self.region = region
        self.account = account
        self.warnings: list[str] = []

    @property
    def plain_http(self) -> bool:
        """No https:// endpoint is configured: an emulator over HTTP, or moto in-process (mock_aws)."""
        configured = self.clients.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "")
        return not configured.startswith("https://")

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


def physical_name(stack: str, lid: str, limit: int = 80) -> str:
    """The name CloudFormation would generate for a resource that does not set one."""
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
    if cfn_bool(props.get("EnableKeyRotation", False)) == "true":
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
    lock = cfn_bool(props.get("ObjectLockEnabled", False)) == "true"
    if lock:
        kwargs["ObjectLockEnabledForBucket"] = True  # only at creation: S3 cannot add it later
    try:
        s3.create_bucket(**kwargs)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    rule = ((props.get("ObjectLockConfiguration") or {}).get("Rule") or {}).get("DefaultRetention")
    if lock and rule:
        retention = {k: int(rule[k]) for k in ("Days", "Years") if k in rule}
        ctx.try_(f"{lid}: object lock", s3.put_object_lock_configuration, Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": rule["Mode"], **retention}}})
    enc = props.get("BucketEncryption")
    if enc:
        rules = []
        for r in enc["ServerSideEncryptionConfiguration"]:
            d = r.get("ServerSideEncryptionByDefault", {})
            rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": d.get("SSEAlgorithm", "AES256")}}
            if d.get("KMSMasterKeyID"):
                rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] = d["KMSMasterKeyID"]
            if "BucketKeyEnabled" in r:
                rule["BucketKeyEnabled"] = cfn_bool(r["BucketKeyEnabled"]) == "true"
            rules.append(rule)
        ctx.try_(f"{lid}: encryption", s3.put_bucket_encryption, Bucket=name,
                 ServerSideEncryptionConfiguration={"Rules": rules})
    if props.get("VersioningConfiguration"):
        ctx.try_(f"{lid}: versioning", s3.put_bucket_versioning, Bucket=name,
                 VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]})
    if props.get("PublicAccessBlockConfiguration"):
        pab = {k: cfn_bool(v) == "true" for k, v in props["PublicAccessBlockConfiguration"].items()}
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
    if ctx.plain_http:
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
    name = props.get("TableName") or physical_name(ctx.stack, lid, 255)
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
        spec: dict[str, Any] = {"Enabled": cfn_bool(sse.get("SSEEnabled", True)) == "true"}
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
    if ttl and cfn_bool(ttl.get("Enabled", True)) == "true":
        ctx.try_(f"{lid}: TTL", ddb.update_time_to_live, TableName=name,
                 TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]})
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and cfn_bool(pitr.get("PointInTimeRecoveryEnabled", False)) == "true":
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
    fifo = cfn_bool(props.get("FifoQueue", False)) == "true"
    name = props.get("QueueName") or (physical_name(ctx.stack, lid, 75) + (".fifo" if fifo else ""))
    attrs = {}
    for k in _SQS_ATTRS:
        if k in props:
            v = props[k]
            attrs[k] = json.dumps(v) if isinstance(v, dict) else cfn_bool(v)
    return ctx.clients("sqs").create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def _create_queue_policy(lid, props, ctx) -> str:
    for url in props["Queues"]:
        ctx.try_(f"{lid}: queue policy", ctx.clients("sqs").set_queue_attributes, QueueUrl=url,
                 Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    return lid


def _create_secret(lid, props, ctx) -> str:
    sm = ctx.clients("secretsmanager")
    name = props.get("Name") or physical_name(ctx.stack, lid, 512)
    if "SecretString" in props:
        value = props["SecretString"]
    else:
        g = props.get("GenerateSecretString") or {}
        kw = {k: (cfn_bool(v) == "true" if str(cfn_bool(v)) in ("true", "false") else v) for k, v in g.items()
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
    fifo = cfn_bool(props.get("FifoTopic", False)) == "true"
    name = props.get("TopicName") or (physical_name(ctx.stack, lid, 250) + (".fifo" if fifo else ""))
    attrs = {}
    for k in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"):
        if k in props:
            attrs[k] = cfn_bool(props[k])
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
    name = props.get("AlarmName") or physical_name(ctx.stack, lid, 255)
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
        kw["ActionsEnabled"] = cfn_bool(kw["ActionsEnabled"]) == "true"
    ctx.try_(f"{lid}: alarm", ctx.clients("cloudwatch").put_metric_alarm, AlarmName=name, **kw)
    return name


CREATORS: dict[str, Callable[[str, dict, "CreateContext"], str]] = {
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

