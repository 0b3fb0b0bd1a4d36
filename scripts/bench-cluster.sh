#!/usr/bin/env bash
# Cluster figures for the note (release build, loopback only, stops everything it starts):
#   1. cross-replica fan-out latency: 3 replicas x 100 SSE clients at 200 events/s (p50/p99)
#   2. submit throughput through nginx, 3 replicas vs 1 replica, same run (ratio)
#   3. 5,000 idle SSE clients on one replica: RSS and CPU
# Usage: scripts/bench-cluster.sh [fanout] [throughput] [idle]   (default: all three; FARAMESH_BENCH_SCALE=0.1 for a quick try)
# Needs nginx and wrk (apt-get install nginx-light wrk) and its own throwaway PostgreSQL.
# FARAMESH_BENCH_POOL=N sets every replica's database pool size (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "nginx is required (apt-get install nginx-light)"; exit 1; }

bin="${FARAMESH_BENCH_BIN:-}"   # another build (e.g. debug) only for trying the script out
if [ -z "$bin" ]; then
  bin="$(bash scripts/build-release.sh 2>.build-release.log)" || { tail -30 .build-release.log; exit 1; }
fi

work="$(mktemp -d /tmp/faramesh-bench.XXXXXX)"
chmod 755 "$work"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
cleanup() {
  if [ -f "$work/pids" ]; then xargs -r kill -9 < "$work/pids" 2>/dev/null || true; fi
  bash scripts/stop-postgres.sh "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

eval "$(bash scripts/start-postgres.sh "$work/pg" "$pg_port")"
export FARAMESH_CLUSTER_DSN="$FARAMESH_TEST_POSTGRES_DSN" FARAMESH_PG_DIR="$work/pg" FARAMESH_BIN="$bin"
export FARAMESH_PG_BIN="${FARAMESH_PG_BIN:-/usr/lib/postgresql/15/bin}"
export FARAMESH_CLUSTER_DIR="$work/cluster" FARAMESH_CLUSTER_PIDS="$work/pids"
mkdir -p "$FARAMESH_CLUSTER_DIR"
FARAMESH_DB_BACKEND=postgres FARAMESH_POSTGRES_DSN="$FARAMESH_CLUSTER_DSN" "$bin" migrate >/dev/null
ulimit -n 20000
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); PostgreSQL fsync=${FARAMESH_PG_FSYNC:-on}; everything on this machine"
python3 integration-tests/cluster/bench.py "$@"
