#!/usr/bin/env bash
# `make test`: every tier on the embedded emulator, then the end-to-end HTTP tests (marker `localstack`)
# again on LocalStack.
# The tools the later tiers need (LocalStack's 3.13 venv, checkov's venv) install in the background
# while the emulator suite runs, so their ~3 minutes of downloads overlap the tests instead of
# adding to them. Both installers lock, so a test that needs one meanwhile just waits for it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOGS=.local/logs
mkdir -p "$LOGS"
t0=$(date +%s)

bash infra/localstack/install.sh >"$LOGS/localstack-install.log" 2>&1 &
localstack_install=$!
bash infra/install-checkov.sh >"$LOGS/checkov-install.log" 2>&1 &
checkov_install=$!
bash tools/install-browser.sh >"$LOGS/browser-install.log" 2>&1 &
browser_install=$!  # tests/browser run it again if they start first: its lock makes them wait for this one

"$PY" -m pytest -q -n 2 --dist loadgroup "$@"
emulator=$?

if ! wait "$localstack_install"; then
  echo "LocalStack install failed:" >&2; cat "$LOGS/localstack-install.log" >&2
fi
wait "$checkov_install" || true  # reported by tests/infra, which ran it again if needed
wait "$browser_install" || true  # reported by tests/browser, which ran it again if needed

bash infra/localstack/run.sh -- "$PY" -m pytest -q -p no:cacheprovider -m localstack tests/integration
localstack=$?

echo "make test: emulator suite exit $emulator, LocalStack suite exit $localstack, $(( $(date +%s) - t0 )) s"
[ "$emulator" -eq 0 ] && [ "$localstack" -eq 0 ]
