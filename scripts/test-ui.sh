#!/usr/bin/env bash
# Browser tests of the web UI: headless Chromium (Debian's chromium + chromium-driver) driven by
# selenium against a real `faramesh serve` with tokens on (SQLite, or a fresh PostgreSQL database
# when FARAMESH_TEST_POSTGRES_DSN is set). Screenshots go to .ui-test-output/ (FARAMESH_UI_OUTPUT).
# Usage: scripts/test-ui.sh PATH_TO_FARAMESH_BINARY [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:?usage: scripts/test-ui.sh PATH_TO_FARAMESH_BINARY}")"
shift

if ! command -v chromium >/dev/null 2>&1 || [ ! -x /usr/bin/chromedriver ]; then
  echo "--> installing chromium and chromium-driver (apt)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get install -y -q chromium chromium-driver >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium chromium-driver >/dev/null; }
fi

venv="${FARAMESH_UI_VENV:-.venv-ui}"
if ! "$venv/bin/python" -c 'import selenium, pytest; assert selenium.__version__ == "4.51.0"' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check selenium==4.51.0 pytest==9.2.0
fi

echo "--> browser tests ($(chromium --version 2>/dev/null | head -1))"
status=0
FARAMESH_BIN="$bin" timeout "${FARAMESH_UI_TIMEOUT:-900}" \
  "$venv/bin/pytest" -q -p no:cacheprovider --rootdir integration-tests/ui integration-tests/ui "$@" || status=$?
if [ "$status" -eq 5 ]; then echo "no tests ran"; exit 1; fi
exit "$status"
