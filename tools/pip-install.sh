#!/usr/bin/env bash
# pip-install.sh PYTHON ARGS...: `pip install ARGS` into PYTHON's environment, through uv when it can.
# uv resolves and installs the same pinned set in seconds where pip takes one to four minutes on a fresh
# machine, and most of `make test`'s time on a clean clone used to be installing. uv itself comes from
# PyPI into the project's .venv (pinned in constraints.txt); if that fails, or uv fails, pip does the install.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$1"; shift
UV="$ROOT/.venv/bin/uv"
if [ ! -x "$UV" ] && [ -x "$ROOT/.venv/bin/python" ]; then
  "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "uv==$(sed -n 's/^uv==//p' "$ROOT/constraints.txt")" >/dev/null 2>&1 || true
fi
if [ -x "$UV" ] && "$UV" pip install --quiet --python "$PY" "$@"; then
  exit 0
fi
[ -x "$UV" ] && echo "uv could not install; installing with pip instead" >&2
exec "$PY" -m pip install --quiet --disable-pip-version-check "$@"
