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
"$ours/bin/python" sdk/python/tests/with_server.py --agent sdk-bench --approver sdk-approver -- bash -c "
  set -e
  FARAMESH_BENCH_AGENT=sdk-bench '$ours/bin/python' sdk/python/bench/bench_sdk.py --calls $calls --waits $waits > '$out/ours.json'
  FARAMESH_BENCH_AGENT=sdk-bench '$ref/bin/python' sdk/python/bench/bench_sdk.py --calls $calls --waits $waits > '$out/ref.json'
"
"$ours/bin/python" - "$out/ours.json" "$out/ref.json" <<'EOF'
import json, sys
ours, ref = (json.load(open(p)) for p in sys.argv[1:3])
def row(label, s):
    print(f"  {label:<58} n={s['n']:<5} p50 {s['p50_ms']:8.2f} ms   p99 {s['p99_ms']:8.2f} ms   mean {s['mean_ms']:8.2f} ms")
print("governed call, allow path (submit + start + result):")
row(f"{ref['package']} functional API", ref["governed_allow_path"])
row(f"{ours['package']} functional API", ours["governed_allow_path"])
row(f"{ours['package']} faramesh.governed.govern", ours["govern_allow_path"])
print("approval unblock latency (decision's HTTP response -> wait returns):")
row(f"{ours['package']} approve -> wait_for_decision (SSE)", ours["approve_to_wait_for_decision"]["from_approve_response"])
row(f"{ours['package']} deny -> wait_for_completion (SSE)", ours["deny_to_wait_for_completion"]["from_approve_response"])
row(f"{ref['package']} deny -> wait_for_completion (polling 1 s)", ref["deny_to_wait_for_completion"]["from_approve_response"])
print("  (from the decision's HTTP request instead: ours p99 %.2f ms / %.2f ms)" % (
    ours["approve_to_wait_for_decision"]["from_approve_request"]["p99_ms"],
    ours["deny_to_wait_for_completion"]["from_approve_request"]["p99_ms"]))
p99 = max(ours["approve_to_wait_for_decision"]["from_approve_request"]["p99_ms"],
          ours["deny_to_wait_for_completion"]["from_approve_request"]["p99_ms"])
print(f"goal: unblock p99 <= 100 ms: {'met' if p99 <= 100 else 'NOT met'} ({p99:.2f} ms)")
EOF
