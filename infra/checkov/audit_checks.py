"""checkov checks for the append-only, unforgeable audit (issue 12), over the SAM-translated template.

- CKV_HUB_4: no principal may update, delete or batch-write the audit table (appends are conditional
  PutItems; a batch write or an update could overwrite a record).
- CKV_HUB_5: no principal may change a bucket's lifecycle, policy, versioning, ACLs or object lock,
  or bypass or shorten a retention (S3WritePolicy's s3:PutLifecycleConfiguration could expire the archive).
- CKV_HUB_6: each KMS key policy splits administration from use: no kms:* or *, no statement mixing both,
  an administration statement exists, and a use granted to the account root is conditioned on
  kms:ViaService (principals use the key through the services holding hub data, never directly).
- CKV_HUB_7: the audit digest bucket has S3 Object Lock with a default retention, and versioning.
- CKV_HUB_8: the audit digest runs at least every 15 minutes.

Each has a mutation test in tests/infra/test_audit_posture.py.
"""
from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Iterable

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

AUDIT_TABLES = ("AuditTable",)
DIGEST_BUCKETS = ("AuditDigestBucket",)
DIGEST_FUNCTIONS = ("AuditDigestFunction",)
MAX_DIGEST_MINUTES = 15

AUDIT_FORBIDDEN = ("dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate",
                   "dynamodb:PartiQLDelete", "dynamodb:DeleteTable", "dynamodb:UpdateTable",
                   "dynamodb:RestoreTableFromBackup", "dynamodb:ImportTable")
BUCKET_CONFIG = ("s3:PutLifecycleConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
                 "s3:PutBucketObjectLockConfiguration", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
                 "s3:BypassGovernanceRetention", "s3:PutObjectAcl", "s3:PutBucketAcl", "s3:DeleteBucket",
                 "s3:PutReplicationConfiguration", "s3:PutEncryptionConfiguration")
KMS_USE = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
           "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
           "kms:GenerateMac", "kms:Sign", "kms:CreateGrant", "kms:DeriveSharedSecret")
KMS_ADMIN = ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:UpdateKeyDescription", "kms:EnableKey",
             "kms:DisableKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
             "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:TagResource",
             "kms:UntagResource", "kms:RevokeGrant", "kms:GetKeyPolicy")


def clean(value: Any) -> Any:
    """Drop checkov's position markers (__file__, __startline__, __endline__)."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def grants(actions: Any, wanted: Iterable[str]) -> list[str]:
    """The wanted actions an Action element grants, wildcards ("*", "dynamodb:*", "s3:Put*") included."""
    pats = [a.lower() for a in as_list(actions) if isinstance(a, str)]
    return [w for w in wanted if any(fnmatch.fnmatchcase(w.lower(), p) for p in pats)]


def names(value: Any) -> set[str]:
    """Logical ids a value refers to (Ref, GetAtt, Sub variables and Sub's own map)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text))}
                found |= names(v[1]) if isinstance(v, list) and len(v) > 1 else set()
            else:
                found |= names(v)
    elif isinstance(value, list):
        for v in value:
            found |= names(v)
    return found


def covers(resource: Any, logical_ids: Iterable[str]) -> bool:
    """True when a statement's Resource reaches one of the resources: by reference or by wildcard."""
    wanted = set(logical_ids)
    for r in as_list(resource):
        if isinstance(r, str) and (r == "*" or r.endswith(":table/*") or r.endswith(":*")):
            return True
        if names(r) & wanted:
            return True
    return False


def statements(conf: dict) -> list[dict]:
    conf = clean(conf)
    props = conf.get("Properties") or {}
    docs = []
    if conf.get("Type") == "AWS::IAM::Role":
        docs = [p.get("PolicyDocument") or {} for p in props.get("Policies") or []]
    elif conf.get("Type") in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        docs = [props.get("PolicyDocument") or {}]
    elif conf.get("Type") == "AWS::KMS::Key":
        docs = [props.get("KeyPolicy") or {}]
    out = []
    for doc in docs:
        out += [s for s in as_list(doc.get("Statement") or []) if isinstance(s, dict)]
    return out


def logical_id(check: BaseResourceCheck) -> str:
    """The resource being scanned: checkov sets entity_path = "<file>:<type>:<logical id>" before each scan."""
    return str(getattr(check, "entity_path", "")).rsplit(":", 1)[-1]


def allows(st: dict) -> bool:
    return st.get("Effect") == "Allow" and "NotAction" not in st


class AuditTableIsAppendOnly(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(name="Ensure no principal can update, delete or batch-write the audit table",
                         id="CKV_HUB_4", categories=[CheckCategories.IAM],
                         supported_resources=["AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        for st in statements(conf):
            if allows(st) and covers(st.get("Resource"), AUDIT_TABLES) and grants(st.get("Action"), AUDIT_FORBIDDEN):
                return CheckResult.FAILED
        return CheckResult.PASSED


class NoBucketConfigurationChanges(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(name="Ensure no principal can change bucket lifecycle, policy, versioning, ACLs or retention",
                         id="CKV_HUB_5", categories=[CheckCategories.IAM],
                         supported_resources=["AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        for st in statements(conf):
            if allows(st) and grants(st.get("Action"), BUCKET_CONFIG):
                return CheckResult.FAILED
        return CheckResult.PASSED


def _root(principal: Any) -> bool:
    """The whole account (its root, in either branch of an Fn::If) or everyone: a grant to it is a grant to
    whatever IAM allows."""
    aws = principal.get("AWS") if isinstance(principal, dict) else principal
    return any(p == "*" or ":root" in json.dumps(p) for p in as_list(aws))


def _via_service(condition: Any) -> bool:
    for operator in (condition or {}).values():
        if isinstance(operator, dict) and any(k.lower() == "kms:viaservice" for k in operator):
            return True
    return False


class KmsKeyPolicySplitsAdministrationFromUse(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(name="Ensure a KMS key policy splits administration from use and grants no kms:*",
                         id="CKV_HUB_6", categories=[CheckCategories.ENCRYPTION],
                         supported_resources=["AWS::KMS::Key"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        sts = [st for st in statements(conf) if allows(st)]
        has_admin = False
        for st in sts:
            acts = [a for a in as_list(st.get("Action")) if isinstance(a, str)]
            if any(a in ("*", "kms:*") for a in acts):
                return CheckResult.FAILED
            use, admin = grants(acts, KMS_USE), grants(acts, KMS_ADMIN)
            if use and admin:
                return CheckResult.FAILED
            has_admin = has_admin or bool(admin)
            if use and _root(st.get("Principal")) and not _via_service(st.get("Condition")):
                return CheckResult.FAILED
        return CheckResult.PASSED if has_admin else CheckResult.FAILED


class DigestBucketHasObjectLock(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(name="Ensure the audit digest bucket has S3 Object Lock with default retention, and versioning",
                         id="CKV_HUB_7", categories=[CheckCategories.BACKUP_AND_RECOVERY],
                         supported_resources=["AWS::S3::Bucket"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if logical_id(self) not in DIGEST_BUCKETS:
            return CheckResult.UNKNOWN  # another bucket: not the digests'
        props = clean(conf).get("Properties") or {}
        if str(props.get("ObjectLockEnabled")).lower() != "true":
            return CheckResult.FAILED
        lock = props.get("ObjectLockConfiguration") or {}
        retention = (lock.get("Rule") or {}).get("DefaultRetention") or {}
        if lock.get("ObjectLockEnabled") != "Enabled" or not retention.get("Mode") or not (
                retention.get("Days") or retention.get("Years")):
            return CheckResult.FAILED
        if (props.get("VersioningConfiguration") or {}).get("Status") != "Enabled":
            return CheckResult.FAILED
        return CheckResult.PASSED


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")


def schedule_minutes(expression: str) -> float | None:
    """Longest gap in minutes between runs of a rate() or simple cron() expression; None if unknown."""
    m = _RATE.match(expression.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return n * {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[unit]
    c = re.match(r"^cron\((\S+)\s+(\S+)\s", expression.strip())
    if c and c.group(2) == "*":
        minute = c.group(1)
        if minute == "*":
            return 1
        if minute.startswith("*/") or minute.startswith("0/"):
            return int(minute[2:])
        if re.fullmatch(r"\d+(,\d+)*", minute):
            ms = sorted(int(x) for x in minute.split(","))
            return max(b - a for a, b in zip(ms, ms[1:] + [ms[0] + 60]))
    return None


class DigestRunsAtLeastEvery15Minutes(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(name="Ensure the audit digest is scheduled at least every 15 minutes",
                         id="CKV_HUB_8", categories=[CheckCategories.LOGGING],
                         supported_resources=["AWS::Events::Rule"])

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        props = clean(conf).get("Properties") or {}
        if not names(props.get("Targets")) & set(DIGEST_FUNCTIONS):
            return CheckResult.UNKNOWN  # not the digest's schedule
        gap = schedule_minutes(str(props.get("ScheduleExpression") or ""))
        if props.get("State") == "DISABLED" or gap is None or gap > MAX_DIGEST_MINUTES:
            return CheckResult.FAILED
        return CheckResult.PASSED


check_audit_append_only = AuditTableIsAppendOnly()
check_bucket_config = NoBucketConfigurationChanges()
check_kms_split = KmsKeyPolicySplitsAdministrationFromUse()
check_digest_lock = DigestBucketHasObjectLock()
check_digest_schedule = DigestRunsAtLeastEvery15Minutes()
