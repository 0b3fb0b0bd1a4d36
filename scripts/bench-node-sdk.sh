#!/usr/bin/env bash
# Node.js SDK benchmark against a real `faramesh serve` (SQLite, tokens on, 127.0.0.1:18831):
# per-call overhead on the allow path (submit + start + result; p50/p99 over 1,000 sequential
# calls, SDK vs bare fetch) and approval unblock latency (SSE vs polling).
# Usage: scripts/bench-node-sdk.sh PATH_TO_FARAMESH_BINARY
#   FARAMESH_BENCH_CALLS (1000), FARAMESH_BENCH_APPROVALS (50), FARAMESH_BENCH_PORT (18831)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: scripts/bench-node-sdk.sh PATH_TO_FARAMESH_BINARY" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
FARAMESH_BIN="$bin" node sdk/node/bench/bench.js
