#!/usr/bin/env bash
# Install checkov into its own venv (.local/checkov-venv): its pins (boto3 1.35, packaging 23)
# would downgrade the project's .venv. About 40 s uncached.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.local/checkov-venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9  # make test installs it in the background while the tests that need it may ask too
if [ ! -x "$VENV/bin/checkov" ]; then
  "$PY" -m venv "$VENV"
  bash "$ROOT/tools/pip-install.sh" "$VENV/bin/python" "checkov==3.3.30"
fi
"$VENV/bin/checkov" --version
