#!/usr/bin/env bash
# `make test`: every tier on the embedded emulator and, at the same time, the end-to-end HTTP tests
# (marker `localstack`) again on LocalStack.
# The LocalStack suite starts as soon as its 3.13 venv is installed, in the background: the emulator suite
# keeps the two cores only ~85 % busy (tests waiting on queues, browsers and subprocesses), and the LocalStack
# suite fits in the rest, so running them one after the other cost ~1.5 minutes more. Its output is
# printed after the emulator suite's. checkov's venv and the browser install in the background too; both
# installers lock, so a test that needs one meanwhile just waits for it.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOGS=.local/logs
mkdir -p "$LOGS"
t0=$(date +%s)

(
  if ! bash infra/localstack/install.sh >"$LOGS/localstack-install.log" 2>&1; then
    echo "LocalStack install failed:"; cat "$LOGS/localstack-install.log"; exit 3
  fi
  bash infra/localstack/run.sh -- "$PY" -m pytest -q -p no:cacheprovider -m localstack tests/integration
) >"$LOGS/localstack-suite.log" 2>&1 &
localstack_suite=$!
bash infra/install-checkov.sh >"$LOGS/checkov-install.log" 2>&1 &
checkov_install=$!
bash tools/install-browser.sh >"$LOGS/browser-install.log" 2>&1 &
browser_install=$!  # tests/browser run it again if they start first: its lock makes them wait for this one

# three workers on two cores: a worker often waits (on a queue's drain, a browser, a subprocess), and a third
# keeps the cores busy meanwhile: 8 min 45 s -> 7 min 22 s for the emulator suite alone. With the LocalStack
# suite and the installs alongside, the cores are busy anyway: 9 min 2 s -> 8 min 58 s from a fresh clone.
"$PY" -m pytest -q -n 3 --dist loadgroup "$@"
emulator=$?
t1=$(date +%s)

wait "$checkov_install" || true  # reported by tests/infra, which ran it again if needed
wait "$browser_install" || true  # reported by tests/browser, which ran it again if needed
wait "$localstack_suite"
localstack=$?
echo "---- the LocalStack suite (ran alongside; $LOGS/localstack-suite.log)"
cat "$LOGS/localstack-suite.log"

echo "make test: emulator suite exit $emulator ($(( t1 - t0 )) s), LocalStack suite exit $localstack, $(( $(date +%s) - t0 )) s in all"
[ "$emulator" -eq 0 ] && [ "$localstack" -eq 0 ]
