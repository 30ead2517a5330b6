"""The audit's infrastructure controls (issue 12): each custom check in infra/checkov/audit_checks.py fails
when the translated template regresses that one point, and the cross-resource facts no per-resource
check can see (the digest function writes to the locked bucket on a schedule) hold.

The current template passing CKV_HUB_4..6 for every role, policy and key is asserted with the other
checks in test_security_posture.py; CKV_HUB_7 and CKV_HUB_8 are asserted here on the resources they name.
"""
from __future__ import annotations

import copy

import pytest

from hub.local.template import DEFAULT_TEMPLATE, load_template, translate
from test_security_posture import run_checkov_many

AUDIT_TABLE_CRUD = {  # what SAM's DynamoDBCrudPolicy expands to: the old template's grant
    "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
               "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
               "dynamodb:ConditionCheckItem"],
    "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",
                              {"tableName": {"Ref": "AuditTable"}}]}],
}
S3_WRITE_POLICY = {  # what SAM's S3WritePolicy expands to
    "Effect": "Allow",
    "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
    "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "ArchiveBucket"}}]},
                 {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "ArchiveBucket"}}]}],
}
ROOT_KMS_ALL = {"Sid": "AccountAdministersViaIam", "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                "Action": "kms:*", "Resource": "*"}


def _statements(resource: dict) -> list[dict]:
    props = resource["Properties"]
    if resource["Type"] == "AWS::IAM::Role":
        return [st for p in props.get("Policies", []) for st in p["PolicyDocument"]["Statement"]]
    if resource["Type"] == "AWS::KMS::Key":
        return props["KeyPolicy"]["Statement"]
    return props["PolicyDocument"]["Statement"]


def _by_sid(resource: dict, sid: str) -> dict:
    (st,) = [s for s in _statements(resource) if s.get("Sid") == sid]
    return st


def _digest_rule(cfn: dict) -> str:
    (lid,) = [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::Events::Rule"
              and r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": ["AuditDigestFunction", "Arn"]}]
    return lid


# (check, resource, how the translated template regresses)
def _update_on_audit(r):
    st = _by_sid(r["IngestFunctionRole"], "AuditAppendOnly")
    st["Action"] = [*st["Action"], "dynamodb:UpdateItem"]


def _crud_on_audit(r):
    r["AuditApiFunctionRole"]["Properties"]["Policies"].append(
        {"PolicyName": "crud", "PolicyDocument": {"Statement": [copy.deepcopy(AUDIT_TABLE_CRUD)]}})


def _wildcard_in_managed_policy(r):
    r["AlertsConsumerPolicy"]["Properties"]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})


def _lifecycle_on_archive(r):
    r["IngestFunctionRole"]["Properties"]["Policies"].append(
        {"PolicyName": "s3write", "PolicyDocument": {"Statement": [copy.deepcopy(S3_WRITE_POLICY)]}})


def _root_kms_all(r):
    r["HubKey"]["Properties"]["KeyPolicy"]["Statement"].insert(0, copy.deepcopy(ROOT_KMS_ALL))


def _root_may_sign(r):
    st = _by_sid(r["AuditDigestKey"], "AccountChecksDigests")
    st["Action"] = [*st["Action"], "kms:GenerateMac"]


def _admin_may_decrypt(r):
    st = _by_sid(r["AuditDigestKey"], "KeyAdministration")
    st["Action"] = [*st["Action"], "kms:Decrypt"]


def _no_object_lock(r):
    r["AuditDigestBucket"]["Properties"].pop("ObjectLockConfiguration")


def _digest_every_hour(r):
    r[_digest_rule({"Resources": r})]["Properties"]["ScheduleExpression"] = "rate(1 hour)"


MUTATIONS = {
    "update on the audit table": ("CKV_HUB_4", "AWS::IAM::Role.IngestFunctionRole", _update_on_audit),
    "CRUD policy on the audit table": ("CKV_HUB_4", "AWS::IAM::Role.AuditApiFunctionRole", _crud_on_audit),
    "dynamodb:* on every table": ("CKV_HUB_4", "AWS::IAM::ManagedPolicy.AlertsConsumerPolicy", _wildcard_in_managed_policy),
    "S3WritePolicy's PutLifecycleConfiguration": ("CKV_HUB_5", "AWS::IAM::Role.IngestFunctionRole", _lifecycle_on_archive),
    "account root kms:*": ("CKV_HUB_6", "AWS::KMS::Key.HubKey", _root_kms_all),
    "account may sign digests directly": ("CKV_HUB_6", "AWS::KMS::Key.AuditDigestKey", _root_may_sign),
    "digest bucket without object lock": ("CKV_HUB_7", "AWS::S3::Bucket.AuditDigestBucket", _no_object_lock),
    "digest every hour": ("CKV_HUB_8", "AWS::Events::Rule.<digest>", _digest_every_hour),
}
pytestmark = pytest.mark.xdist_group("checkov")  # on the worker that runs test_security_posture
CUSTOM = ("CKV_HUB_4", "CKV_HUB_5", "CKV_HUB_6", "CKV_HUB_7", "CKV_HUB_8")


@pytest.fixture(scope="module")
def cfn():
    return translate(load_template(DEFAULT_TEMPLATE))


@pytest.fixture(scope="module")
def checked(cfn, tmp_path_factory):
    """One checkov run each over the template and over a copy with every mutation: each mutation touches
    its own (check, resource) pair, so they cannot hide one another."""
    bad = copy.deepcopy(cfn)
    r = bad["Resources"]
    for _, _, mutate in MUTATIONS.values():
        mutate(r)
    # a second copy for regressions that would share a (check, resource) pair with one above
    second = copy.deepcopy(cfn)
    _admin_may_decrypt(second["Resources"])
    second["Resources"][_digest_rule(second)]["Properties"]["ScheduleExpression"] = "cron(0 * * * ? *)"
    return run_checkov_many({"good": cfn, "bad": bad, "second": second}, tmp_path_factory.mktemp("checkov"))


def _resource(cfn, resource: str) -> str:
    return resource.replace("<digest>", _digest_rule(cfn))


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_audit_posture_check_passes_today_and_fails_on_its_regression(checked, cfn, name):
    check, resource, _ = MUTATIONS[name]
    resource = _resource(cfn, resource)
    assert (check, resource) in checked["good"]["passed"], f"{check} does not pass on {resource} today"
    assert (check, resource) in checked["bad"]["failed"], f"{check} missed: {name}"


def test_audit_posture_key_admins_using_the_key_and_an_hourly_cron_fail(checked, cfn):
    assert ("CKV_HUB_6", "AWS::KMS::Key.AuditDigestKey") in checked["second"]["failed"]
    assert ("CKV_HUB_8", f"AWS::Events::Rule.{_digest_rule(cfn)}") in checked["second"]["failed"]


def test_audit_posture_mutations_fail_only_what_they_touch(checked, cfn):
    mutated = {(c, _resource(cfn, r)) for c, r, _ in MUTATIONS.values()}
    newly_failed = {(c, r) for c, r in checked["bad"]["failed"] - checked["good"]["failed"] if c in CUSTOM}
    assert newly_failed == mutated
    assert not {(c, r) for c, r in checked["good"]["failed"] if c in CUSTOM}


# ---------------------------------------------------------------- cross-resource points (no checkov check)
def _env(cfn, fn: str) -> dict:
    return cfn["Resources"][fn]["Properties"]["Environment"]["Variables"]


def test_audit_posture_digest_function_writes_only_to_the_locked_bucket(cfn):
    env = _env(cfn, "AuditDigestFunction")
    assert env["AUDIT_DIGEST_BUCKET"] == {"Ref": "AuditDigestBucket"}
    props = cfn["Resources"]["AuditDigestBucket"]["Properties"]
    assert props["ObjectLockEnabled"] is True and props["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    writes = [st for st in _statements(cfn["Resources"]["AuditDigestFunctionRole"])
              if any(a.startswith("s3:") for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"]))]
    assert writes == [{"Sid": "WriteSignedDigests", "Effect": "Allow", "Action": "s3:PutObject",
                       "Resource": {"Fn::Sub": "${AuditDigestBucket.Arn}/digests/*"}}]


def test_audit_posture_only_the_digest_function_signs(cfn):
    signers = [st for st in _statements(cfn["Resources"]["AuditDigestKey"])
               if "kms:GenerateMac" in st["Action"]]
    assert [st["Principal"] for st in signers] == [{"AWS": {"Fn::GetAtt": ["AuditDigestFunctionRole", "Arn"]}}]
    for lid, r in cfn["Resources"].items():
        if r["Type"] == "AWS::IAM::Role":
            assert not [st for st in _statements(r) if "kms:GenerateMac" in str(st.get("Action"))], lid


def test_audit_posture_every_function_role_touching_the_audit_table_names_its_actions(cfn):
    # the SAM CRUD/read/write policy templates are gone from the audit table: each grant is spelled out
    readers = {"AuditApiFunctionRole", "ConsoleFunctionRole"}
    for lid, r in cfn["Resources"].items():
        if r["Type"] != "AWS::IAM::Role":
            continue
        for st in _statements(r):
            if "AuditTable" in str(st.get("Resource")):
                acts = {st["Action"]} if isinstance(st["Action"], str) else set(st["Action"])
                allowed = {"dynamodb:PutItem", "dynamodb:GetItem"} | (
                    {"dynamodb:Query"} if lid in readers else set())
                assert acts <= allowed, (lid, acts)
