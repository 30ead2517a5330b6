#!/usr/bin/env bash
# Install Debian's chromium (/usr/bin/chromium) for the console's browser tests (tests/browser).
# Browser downloads (`playwright install`) are not available here; Playwright drives this executable.
# Quiet and idempotent; locked, because `make test` runs it in the background while a browser test
# that starts meanwhile calls it too and must wait for the first install instead of racing it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BROWSER="${CHROMIUM_BIN:-/usr/bin/chromium}"
mkdir -p "$ROOT/.local"
exec 9>"$ROOT/.local/browser-install.lock"
flock 9
if [ ! -x "$BROWSER" ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "no $BROWSER and no apt-get: install chromium by hand" >&2; exit 2; }
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
  # an old or empty package list makes the first attempt fail: refresh it once and retry
  apt_install 2>/dev/null || { $SUDO apt-get update -qq >/dev/null && apt_install; }
fi
"$BROWSER" --version
