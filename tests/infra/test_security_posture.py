"""Security posture of template.yaml, checked over the SAM-translated template.

checkov's built-in CloudFormation checks and the hub's checks in infra/checkov/ do the per-resource work.
Deliberate exceptions are in infra/SUPPRESSIONS.md. The cross-resource points that no checkov check
covers (alarms on every DLQ and function, a TLS-only policy on every bucket, no IAM "*" resource) are
asserted directly at the end of this file.
"""
from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hub.local.template import REPO_ROOT, translate
from tests.support.template_fixtures import cfn, source  # noqa: F401 - pytest fixtures

# one worker runs both checkov modules, so neither runs checkov twice in a test session
pytestmark = pytest.mark.xdist_group("checkov")

CHECKS_DIR = REPO_ROOT / "infra" / "checkov"
SUPPRESSIONS = REPO_ROOT / "infra" / "SUPPRESSIONS.md"


def _checkov_bin() -> str:
    for cand in (os.environ.get("CHECKOV_BIN"), str(REPO_ROOT / ".local/checkov-venv/bin/checkov"),
                 shutil.which("checkov")):
        if cand and Path(cand).exists():
            return cand
    # not installed yet: install it in its own venv (it would downgrade boto3 in .venv)
    subprocess.run(["bash", str(REPO_ROOT / "infra/install-checkov.sh")], check=True, timeout=600)
    return str(REPO_ROOT / ".local/checkov-venv/bin/checkov")


def run_checkov(cfn: dict, tmp: Path) -> dict[str, set[tuple[str, str]]]:
    """Run checkov over a translated template; {'passed'|'failed': {(check_id, 'Type.LogicalId')}}."""
    return run_checkov_many({"template": cfn}, tmp)["template"]


def run_checkov_many(templates: dict[str, dict], tmp: Path) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """One checkov run over several translated templates (its start-up is most of a run's ~10 s);
    {name: {'passed'|'failed': {(check_id, 'Type.LogicalId')}}}."""
    folder = tmp / "templates"
    folder.mkdir()
    for name, cfn in templates.items():
        (folder / f"{name}.json").write_text(json.dumps(cfn, indent=1))
    proc = subprocess.run(
        [_checkov_bin(), "-d", str(folder), "--framework", "cloudformation", "-o", "json", "--skip-download",
         "--external-checks-dir", str(CHECKS_DIR)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]  # a crashing custom check must not pass silently
    report = json.loads(proc.stdout)
    report = report[0] if isinstance(report, list) else report
    res = report["results"]
    out = {name: {"passed": set(), "failed": set()} for name in templates}
    for kind, checks in (("passed", res["passed_checks"]), ("failed", res["failed_checks"])):
        for c in checks:
            out[Path(c["file_path"]).stem][kind].add((c["check_id"], c["resource"]))
    assert all(r["passed"] for r in out.values()), "checkov checked not every template"
    return out


def suppressions() -> list[tuple[str, str, str]]:
    rows = []
    for line in SUPPRESSIONS.read_text().splitlines():
        m = re.match(r"^\|\s*(CKV\w+)\s*\|\s*([^|]+?)\s*\|\s*(.*?)\s*\|$", line)
        if m:
            rows.append((m.group(1), m.group(2), m.group(3)))
    return rows


def _suppressed(check: str, resource: str, rows) -> bool:
    return any(check == c and fnmatch.fnmatchcase(resource, pat) for c, pat, _ in rows)


@pytest.fixture(scope="module")
def reports(source, cfn, tmp_path_factory):
    """The template and a mutated copy (see _mutated), checked in one checkov run."""
    return run_checkov_many({"template": cfn, "mutated": translate(_mutated(source))},
                            tmp_path_factory.mktemp("checkov"))


@pytest.fixture(scope="module")
def results(reports):
    return reports["template"]


def test_security_checkov_reports_no_unsuppressed_failure(results):
    rows = suppressions()
    assert sorted(f for f in results["failed"] if not _suppressed(*f, rows)) == []


def test_security_every_suppression_has_a_reason_and_is_still_needed(results):
    rows = suppressions()
    assert rows, "SUPPRESSIONS.md table not found"
    for check, pattern, reason in rows:
        assert len(reason) > 40, f"{check} {pattern}: give the reason"
        assert any(c == check and fnmatch.fnmatchcase(r, pattern) for c, r in results["failed"]), (
            f"stale suppression: {check} {pattern} no longer fails")


def _types(cfn, rtype):
    return [lid for lid, r in cfn["Resources"].items() if r["Type"] == rtype and "Condition" not in r]


@pytest.mark.parametrize("check, rtype", [
    ("CKV_AWS_27", "AWS::SQS::Queue"),  # encrypted
    ("CKV_HUB_1", "AWS::SQS::Queue"),  # ... with the template's CMK
    ("CKV_HUB_1", "AWS::SNS::Topic"),
    ("CKV_HUB_1", "AWS::S3::Bucket"),
    ("CKV_HUB_1", "AWS::Logs::LogGroup"),
    ("CKV_HUB_1", "AWS::SecretsManager::Secret"),
    ("CKV_HUB_1", "AWS::Lambda::Function"),
    ("CKV_AWS_119", "AWS::DynamoDB::Table"),  # tables with a CMK
    ("CKV_HUB_1", "AWS::DynamoDB::Table"),
    ("CKV_AWS_28", "AWS::DynamoDB::Table"),  # PITR
    ("CKV_AWS_149", "AWS::SecretsManager::Secret"),
    ("CKV_AWS_158", "AWS::Logs::LogGroup"),  # log groups encrypted
    ("CKV_AWS_66", "AWS::Logs::LogGroup"),  # retention set
    ("CKV_AWS_26", "AWS::SNS::Topic"),
    ("CKV_AWS_19", "AWS::S3::Bucket"),
    ("CKV_AWS_21", "AWS::S3::Bucket"),  # versioning
    ("CKV_AWS_53", "AWS::S3::Bucket"),  # public access block, all four
    ("CKV_AWS_54", "AWS::S3::Bucket"),
    ("CKV_AWS_55", "AWS::S3::Bucket"),
    ("CKV_AWS_56", "AWS::S3::Bucket"),
    ("CKV_HUB_2", "AWS::S3::BucketPolicy"),  # TLS only
    ("CKV_HUB_3", "AWS::ApiGateway::RestApi"),  # every route has an authorizer
    ("CKV_AWS_76", "AWS::ApiGateway::Stage"),  # access logs
    ("CKV_AWS_73", "AWS::ApiGateway::Stage"),  # X-Ray
    ("CKV_AWS_173", "AWS::Lambda::Function"),  # env encrypted
    ("CKV_AWS_7", "AWS::KMS::Key"),  # only the symmetric key; the HMAC key is suppressed
    ("CKV_AWS_33", "AWS::KMS::Key"),  # no wildcard principal in key policies
    ("CKV_AWS_63", "AWS::IAM::Role"),  # no "*" action
    ("CKV_AWS_111", "AWS::IAM::Role"),  # no unconstrained write
    ("CKV_AWS_109", "AWS::IAM::Role"),
    ("CKV_AWS_111", "AWS::IAM::ManagedPolicy"),
    ("CKV_HUB_4", "AWS::IAM::Role"),  # the audit table is append-only for every principal
    ("CKV_HUB_4", "AWS::IAM::ManagedPolicy"),
    ("CKV_HUB_5", "AWS::IAM::Role"),  # nobody changes bucket lifecycle, policy, versioning or retention
    ("CKV_HUB_5", "AWS::IAM::ManagedPolicy"),
    ("CKV_HUB_6", "AWS::KMS::Key"),  # administration apart from use, use through services only
])
def test_security_check_ran_and_passed_for_every_resource_of_type(results, cfn, check, rtype):
    rows = suppressions()
    lids = _types(cfn, rtype)
    assert lids, rtype
    for lid in lids:
        res = f"{rtype}.{lid}"
        if _suppressed(check, res, rows):
            continue
        if check == "CKV_AWS_63" and not cfn["Resources"][lid]["Properties"].get("Policies"):
            continue  # checkov applies it to inline policies only
        assert (check, res) in results["passed"], f"{check} did not pass on {res}"


def _mutated(source: dict) -> dict:
    """A copy of the template with protections removed."""
    bad = copy.deepcopy(source)
    r = bad["Resources"]
    del r["ValidatedQueue"]["Properties"]["KmsMasterKeyId"]
    r["RulesQueue"]["Properties"]["KmsMasterKeyId"] = "alias/aws/sqs"
    r["AuditTable"]["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] = False
    r["AgenciesTable"]["Properties"].pop("SSESpecification")
    r["ArchiveBucket"]["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicAcls"] = False
    r["ArchiveBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]["Bool"][
        "aws:SecureTransport"] = "true"
    r["IngestLogGroup"]["Properties"].pop("RetentionInDays")
    r["RouterLogGroup"]["Properties"].pop("KmsKeyId")
    r["AuditApiFunction"]["Properties"]["Events"]["AuditQuery"]["Properties"]["Auth"] = {"Authorizer": "NONE"}
    r["RulesFunction"]["Properties"]["Policies"].append({"Statement": [{"Effect": "Allow", "Action": "*",
                                                                         "Resource": "*"}]})
    return bad


def test_security_mutated_template_fails_the_checks(reports):
    # GIVEN a copy of the template with protections removed (_mutated), WHEN checked
    failed = reports["mutated"]["failed"]
    # THEN each removal is reported
    expected = {
        ("CKV_AWS_27", "AWS::SQS::Queue.ValidatedQueue"),
        ("CKV_HUB_1", "AWS::SQS::Queue.RulesQueue"),
        ("CKV_AWS_28", "AWS::DynamoDB::Table.AuditTable"),
        ("CKV_AWS_119", "AWS::DynamoDB::Table.AgenciesTable"),
        ("CKV_AWS_53", "AWS::S3::Bucket.ArchiveBucket"),
        ("CKV_HUB_2", "AWS::S3::BucketPolicy.ArchiveBucketPolicy"),
        ("CKV_AWS_66", "AWS::Logs::LogGroup.IngestLogGroup"),
        ("CKV_AWS_158", "AWS::Logs::LogGroup.RouterLogGroup"),
        ("CKV_HUB_3", "AWS::ApiGateway::RestApi.HubApi"),
        ("CKV_AWS_63", "AWS::IAM::Role.RulesFunctionRole"),
    }
    assert expected - failed == set()


# ---------------------------------------------------------------- cross-resource points (no checkov check)
def _alarms(cfn):
    return [r["Properties"] for r in cfn["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]


def _notifies_topic(cfn, alarm) -> bool:
    acts = alarm.get("AlarmActions") or []
    return bool(acts) and all(isinstance(a, dict) and cfn["Resources"].get(a.get("Ref"), {}).get("Type")
                              == "AWS::SNS::Topic" for a in acts)


def test_security_every_dlq_has_a_depth_alarm_to_sns(cfn):
    dlqs = {p["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            for p in cfn["Resources"].values() if p["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in p["Properties"]}
    assert len(dlqs) == 3  # validated, rules, alerts (deliveries go to mailboxes, not queues)
    for dlq in dlqs:
        ok = [a for a in _alarms(cfn) if a["Namespace"] == "AWS/SQS"
              and a["MetricName"] == "ApproximateNumberOfMessagesVisible"
              and a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
              and float(a["Threshold"]) == 0 and a["ComparisonOperator"] == "GreaterThanThreshold"
              and _notifies_topic(cfn, a)]
        assert ok, f"no DLQ depth alarm for {dlq}"


def test_security_every_function_has_an_errors_alarm_to_sns(cfn):
    for fn in _types(cfn, "AWS::Lambda::Function"):
        ok = [a for a in _alarms(cfn) if a["Namespace"] == "AWS/Lambda" and a["MetricName"] == "Errors"
              and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": fn}}]
              and float(a["Threshold"]) == 0 and a["ComparisonOperator"] == "GreaterThanThreshold"
              and _notifies_topic(cfn, a)]
        assert ok, f"no Errors alarm for {fn}"


def test_security_every_bucket_has_a_tls_only_policy(cfn, results):
    for b in _types(cfn, "AWS::S3::Bucket"):
        pols = [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::S3::BucketPolicy"
                and r["Properties"]["Bucket"] == {"Ref": b}]
        assert pols, f"{b} has no bucket policy"
        assert any(("CKV_HUB_2", f"AWS::S3::BucketPolicy.{p}") in results["passed"] for p in pols)


def test_security_hub_iam_statements_name_their_resources(cfn):
    # checkov flags "*" actions and unconstrained writes; this also rejects "*" resources on reads
    for lid, r in cfn["Resources"].items():
        docs = []
        if r["Type"] == "AWS::IAM::Role":
            docs = [p["PolicyDocument"] for p in r["Properties"].get("Policies", [])]
        elif r["Type"] == "AWS::IAM::ManagedPolicy":
            docs = [r["Properties"]["PolicyDocument"]]
        for doc in docs:
            for st in doc["Statement"]:
                res = st.get("Resource")
                res = res if isinstance(res, list) else [res]
                assert "*" not in res, f"{lid}: {st}"
                acts = st.get("Action")
                acts = acts if isinstance(acts, list) else [acts]
                assert not [a for a in acts if a == "*" or a.endswith(":*")], f"{lid}: {st}"
