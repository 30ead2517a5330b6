#!/usr/bin/env bash
# Build LocalStack's Python 3.13 venv (.local/localstack-venv) and its DynamoDB provider plugin.
# Idempotent and safe to run concurrently (flock): `make test` starts it in the background while the
# emulator suite runs, and run.sh calls it again, which then waits for or skips the install.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/infra/localstack"
VENV="${LOCALSTACK_VENV:-$ROOT/.local/localstack-venv}"
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9

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
  bash "$ROOT/tools/pip-install.sh" "$VENV/bin/python" -c "$HERE/constraints.txt" "localstack-core[runtime]"
  echo "[localstack] installed in $(( $(date +%s) - t0 )) s"
fi
# the provider plugin: reinstall when its sources change
STAMP="$VENV/.hub-plugin.sha"
SHA="$(cat "$HERE"/plugin/pyproject.toml "$HERE"/plugin/hub_localstack_plugin/*.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$SHA" ]; then
  bash "$ROOT/tools/pip-install.sh" "$VENV/bin/python" -c "$HERE/constraints.txt" --no-deps --force-reinstall "$HERE/plugin"
  echo "$SHA" > "$STAMP"
fi
