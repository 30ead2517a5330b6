#!/usr/bin/env bash
# The Docker route (developers with a Docker engine): LocalStack in its container, then the whole
# template, functions included, deployed with samlocal (aws-sam-cli-local), so Lambda runs there.
#   infra/docker-localstack.sh [--dry-run] [--stage dev|prod] [--stack-name NAME]
# --dry-run prints the commands instead of running them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DRY=0
STAGE="${STAGE:-dev}"
STACK="${STACK_NAME:-safeguarding-hub-local}"
REGION="${AWS_DEFAULT_REGION:-eu-west-2}"
LA_FRONT_DOOR_ODS="${LA_FRONT_DOOR_ODS:-LAFD001}"
AUDIT_SHARDS="${AUDIT_SHARDS:-4}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --stage) STAGE="$2"; shift ;;
    --stack-name) STACK="$2"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

run() {
  if [ "$DRY" = 1 ]; then
    printf '%q ' "$@"; echo
  else
    "$@"
  fi
}

cd "$ROOT"
run env SERVICES=sqs,s3,sns,events,logs,iam,sts,kms,cloudformation,apigateway,dynamodb,secretsmanager,cloudwatch,lambda,pipes \
  localstack start -d
run localstack wait -t 120
run samlocal build --template-file template.yaml --use-container
run samlocal deploy --template-file .aws-sam/build/template.yaml --stack-name "$STACK" --region "$REGION" \
  --resolve-s3 --no-confirm-changeset --no-fail-on-empty-changeset \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides "Stage=$STAGE" "LaFrontDoorOds=$LA_FRONT_DOOR_ODS" "AuditShards=$AUDIT_SHARDS" \
  "LogRetentionDays=365"
run awslocal cloudformation describe-stacks --stack-name "$STACK" --region "$REGION" --query "Stacks[0].Outputs"
