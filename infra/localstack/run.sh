#!/usr/bin/env bash
# LocalStack without Docker ("host mode"): build its Python 3.13 venv once, start it on
# 127.0.0.1:4566, deploy template.yaml's data plane through its CloudFormation (SAM transform),
# run a command against it, stop it. See infra/localstack/run.py and
# shared/notes/localstack-host-mode.md.
#   infra/localstack/run.sh [--port N] [--stack-name NAME] [-- COMMAND...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/infra/localstack"
VENV="${LOCALSTACK_VENV:-$ROOT/.local/localstack-venv}"

bash "$HERE/install.sh"

exec "$ROOT/.venv/bin/python" "$HERE/run.py" --localstack-python "$VENV/bin/python" "$@"
