#!/usr/bin/env bash
# Web UI budgets, measured in headless Chromium against a real `faramesh serve` (tokens on):
# asset sizes raw/gzip, first render of a 50-row queue, submit → visible latency over 250 submits
# (p50/p99, MutationObserver time in the page vs. the time the submit was sent), and paging,
# server-side search (input → row drawn, minus the debounce),
# key handling and live inserts with 10,000 actions listed. Prints JSON. Nothing is asserted.
# Usage: scripts/bench-ui.sh PATH_TO_FARAMESH_BINARY [--submits N] [--bulk N]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${1:?usage: scripts/bench-ui.sh PATH_TO_FARAMESH_BINARY}")"
shift
venv="${FARAMESH_UI_VENV:-.venv-ui}"
if ! "$venv/bin/python" -c 'import selenium; assert selenium.__version__ == "4.51.0"' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check selenium==4.51.0 pytest==9.2.0
fi
command -v chromium >/dev/null && [ -x /usr/bin/chromedriver ] || { echo "install chromium chromium-driver first (scripts/test-ui.sh does)"; exit 1; }
FARAMESH_BIN="$bin" "$venv/bin/python" integration-tests/ui/bench.py "$@"
