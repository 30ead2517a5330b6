"""Hub-specific checkov checks (CloudFormation, run over the SAM-translated template).

Loaded with `checkov --external-checks-dir infra/checkov`. They cover what
checkov's built-in checks do not: encryption with a key the template itself
declares (not an AWS-managed alias), TLS-only bucket policies and an authorizer
on every API route.
"""
from __future__ import annotations

from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult


def _clean(value: Any) -> Any:
    """Drop checkov's position markers (__file__, __startline__, __endline__)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _is_template_key(value: Any) -> bool:
    """True for !Ref / !GetAtt / !Sub of a resource (the template's CMK); False for literals like alias/aws/sqs."""
    value = _clean(value)
    if isinstance(value, dict) and len(value) == 1:
        (k, v), = value.items()
        if k == "Ref":
            return isinstance(v, str) and not v.startswith("AWS::")
        if k == "Fn::GetAtt":
            return True
        if k == "Fn::Sub":
            return True
    return False


def _get(conf: dict, *path: str) -> Any:
    cur: Any = _clean(conf)
    for p in path:
        if isinstance(cur, list):
            cur = cur[0] if cur else None
        if not isinstance(cur, dict):
            return None
        cur = cur.get(p)
    return cur


class EncryptedWithTemplateCmk(BaseResourceCheck):
    """Queues, topics, tables, buckets, secrets, log groups and Lambda env use the template's own KMS key."""

    PATHS = {
        "AWS::SQS::Queue": [("Properties", "KmsMasterKeyId")],
        "AWS::SNS::Topic": [("Properties", "KmsMasterKeyId")],
        "AWS::DynamoDB::Table": [("Properties", "SSESpecification", "KMSMasterKeyId")],
        "AWS::SecretsManager::Secret": [("Properties", "KmsKeyId")],
        "AWS::Logs::LogGroup": [("Properties", "KmsKeyId")],
        "AWS::Lambda::Function": [("Properties", "KmsKeyArn")],
        "AWS::S3::Bucket": [("Properties", "BucketEncryption", "ServerSideEncryptionConfiguration",
                             "ServerSideEncryptionByDefault", "KMSMasterKeyID")],
    }

    def __init__(self) -> None:
        super().__init__(
            name="Ensure data is encrypted with the customer managed KMS key declared in the template",
            id="CKV_HUB_1",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=list(self.PATHS),
        )

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        rtype = conf.get("Type")
        for path in self.PATHS.get(rtype, []):
            if not _is_template_key(_get(conf, *path)):
                return CheckResult.FAILED
        if rtype == "AWS::DynamoDB::Table" and str(_get(conf, "Properties", "SSESpecification", "SSEType")) != "KMS":
            return CheckResult.FAILED
        if rtype == "AWS::S3::Bucket":
            algo = _get(conf, "Properties", "BucketEncryption", "ServerSideEncryptionConfiguration",
                        "ServerSideEncryptionByDefault", "SSEAlgorithm")
            if algo not in ("aws:kms", "aws:kms:dsse"):
                return CheckResult.FAILED
        return CheckResult.PASSED


class BucketPolicyDeniesInsecureTransport(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure the bucket policy denies requests not made over TLS (aws:SecureTransport false)",
            id="CKV_HUB_2",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["AWS::S3::BucketPolicy"],
        )

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        statements = _clean(_get(conf, "Properties", "PolicyDocument", "Statement")) or []
        statements = statements if isinstance(statements, list) else [statements]
        for st in statements:
            if not isinstance(st, dict) or st.get("Effect") != "Deny":
                continue
            principal = st.get("Principal")
            if principal not in ("*", {"AWS": "*"}):
                continue
            actions = st.get("Action")
            actions = actions if isinstance(actions, list) else [actions]
            if "s3:*" not in actions:
                continue
            if str(_get(st, "Condition", "Bool", "aws:SecureTransport")).lower() == "false":
                return CheckResult.PASSED
        return CheckResult.FAILED


# The web console's static pages are public: a browser cannot send the API key when it navigates, and the
# pages hold no data (every figure comes from the authenticated API). So are the FHIR CapabilityStatement
# and the conformance resources: a client reads them before it holds a key; they describe the API only.
# GET only.
PUBLIC_ROUTES = frozenset({("/console", "get"), ("/console/{proxy+}", "get"), ("/metadata", "get"),
                           *((f"/{t}/{{id}}", "get") for t in ("MessageDefinition", "CodeSystem", "ValueSet",
                                                               "StructureDefinition"))})


class ApiRoutesHaveAuthorizer(BaseResourceCheck):
    """Every operation in a REST API definition requires a custom (Lambda) or IAM authorizer
    (except the console's static pages, PUBLIC_ROUTES)."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure every API Gateway route requires an authorizer",
            id="CKV_HUB_3",
            categories=[CheckCategories.IAM],
            supported_resources=["AWS::ApiGateway::RestApi", "AWS::ApiGateway::Method"],
        )

    def scan_resource_conf(self, conf: dict) -> CheckResult:
        if conf.get("Type") == "AWS::ApiGateway::Method":
            auth = _get(conf, "Properties", "AuthorizationType")
            method = _get(conf, "Properties", "HttpMethod")
            return CheckResult.PASSED if auth not in (None, "NONE") or method == "OPTIONS" else CheckResult.FAILED
        body = _clean(_get(conf, "Properties", "Body"))
        if not isinstance(body, dict):
            return CheckResult.UNKNOWN
        definitions = body.get("securityDefinitions") or {}
        global_sec = body.get("security") or []
        ops = 0
        for path, methods in (body.get("paths") or {}).items():
            for method, op in (methods or {}).items():
                if method.startswith("x-") or method.lower() == "options" or not isinstance(op, dict):
                    continue
                ops += 1
                if (path, method.lower()) in PUBLIC_ROUTES:
                    continue
                security = op.get("security", global_sec) or []
                names = {n for s in security if isinstance(s, dict) for n in s}
                if not names or any(n not in definitions for n in names):
                    return CheckResult.FAILED
                for n in names:
                    d = definitions[n]
                    if d.get("x-amazon-apigateway-authtype") not in ("custom", "awsSigv4", "cognito_user_pools"):
                        return CheckResult.FAILED
        return CheckResult.PASSED if ops else CheckResult.UNKNOWN


check_cmk = EncryptedWithTemplateCmk()
check_tls = BucketPolicyDeniesInsecureTransport()
check_auth = ApiRoutesHaveAuthorizer()
