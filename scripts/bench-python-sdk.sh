#!/usr/bin/env bash
# Benchmark of the Python SDK against a real `faramesh serve` (SQLite, tokens on, loopback):
#   * per governed call on the allow path (submit + start + result), p50/p99 over N calls (default
#     1,000), ours vs faramesh-sdk 0.3.3 on the same server in the same run (separate venvs: both
#     install the import package `faramesh`);
#   * approval unblock latency: approve (deny) over the API -> wait_for_decision (wait_for_completion)
#     returns; ours follows the SSE stream, 0.3.3 polls.
# Usage: scripts/bench-python-sdk.sh PATH_TO_FARAMESH_BINARY [CALLS] [WAITS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 PATH_TO_FARAMESH_BINARY [CALLS] [WAITS]" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
calls="${2:-1000}"
waits="${3:-100}"
export FARAMESH_BIN="$bin"
export FARAMESH_TEST_PORT_BASE="${FARAMESH_TEST_PORT_BASE:-18600}"

ours="${FARAMESH_PYSDK_VENV:-.venv-pysdk}"
ref="${FARAMESH_PYSDK_REF_VENV:-.venv-pysdk-ref}"
[ -x "$ours/bin/python" ] || python3 -m venv "$ours"
[ -x "$ref/bin/python" ] || python3 -m venv "$ref"
"$ours/bin/python" -m pip -q --disable-pip-version-check install --no-deps --force-reinstall ./sdk/python  # in-tree backend: no index needed
if ! "$ref/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("faramesh-sdk") != "0.3.3")' 2>/dev/null; then
  "$ref/bin/python" -m pip -q --disable-pip-version-check install faramesh-sdk==0.3.3 requests==2.32.3
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rounds=5
per=$(( (calls + rounds - 1) / rounds ))
ref_waits=$(( waits / 10 > 5 ? waits / 10 : 5 ))
# The allow-path variants run interleaved in rounds, so drifting machine load hits all of them alike.
"$ours/bin/python" sdk/python/tests/with_server.py --agent sdk-bench --approver sdk-approver -- \
  env FARAMESH_BENCH_AGENT=sdk-bench OURS="$ours/bin/python" REF="$ref/bin/python" OUT="$out" \
      ROUNDS="$rounds" PER="$per" WAITS="$waits" REF_WAITS="$ref_waits" bash -c '
  set -e
  b=sdk/python/bench/bench_sdk.py
  for r in $(seq 1 "$ROUNDS"); do
    "$REF" "$b" functional --calls "$PER" > "$OUT/ref-functional-$r.json"
    "$OURS" "$b" functional --calls "$PER" > "$OUT/ours-functional-$r.json"
    "$OURS" "$b" govern --calls "$PER" > "$OUT/ours-govern-$r.json"
  done
  "$OURS" "$b" unblock --waits "$WAITS" > "$OUT/ours-unblock.json"
  "$REF" "$b" unblock --waits "$REF_WAITS" > "$OUT/ref-unblock.json"
'
"$ours/bin/python" sdk/python/bench/bench_report.py "$out"
