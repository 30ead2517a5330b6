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

PY313=""
if command -v pyenv >/dev/null 2>&1 && [ -x "$(pyenv root)/versions/3.13.0/bin/python" ]; then
  PY313="$(pyenv root)/versions/3.13.0/bin/python"
elif command -v python3.13 >/dev/null 2>&1; then
  PY313="$(command -v python3.13)"
else
  echo "LocalStack needs Python 3.13 (pyenv 3.13.0 or python3.13)" >&2
  exit 2
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import localstack" 2>/dev/null; then
  echo "[localstack] installing localstack-core into $VENV (about 2 minutes uncached)"
  t0=$(date +%s)
  "$PY313" -m venv "$VENV"
  "$VENV/bin/pip" install -q -c "$HERE/constraints.txt" "localstack-core[runtime]"
  echo "[localstack] installed in $(( $(date +%s) - t0 )) s"
fi
# the provider plugin: reinstall when its sources change
STAMP="$VENV/.hub-plugin.sha"
SHA="$(cat "$HERE"/plugin/pyproject.toml "$HERE"/plugin/hub_localstack_plugin/*.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$SHA" ]; then
  "$VENV/bin/pip" install -q -c "$HERE/constraints.txt" "$HERE/plugin"
  echo "$SHA" > "$STAMP"
fi

exec "$ROOT/.venv/bin/python" "$HERE/run.py" --localstack-python "$VENV/bin/python" "$@"
