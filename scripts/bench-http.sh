#!/usr/bin/env bash
# HTTP load figures for the note (loopback only, stops by itself):
#   - POST /v1/gate/decide, wrk c=32 (release build)
#   - POST /v1/actions durable in PostgreSQL, wrk c=32, side by side with pgbench running the same SQL
#   - server RSS idle and peak under load
# Usage: scripts/bench-http.sh [DURATION_SECONDS]   (needs wrk: apt-get install wrk)
#        FARAMESH_BENCH_BIN=path/to/faramesh scripts/bench-http.sh 15   (a given binary)
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-15}"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }

# FARAMESH_BENCH_BIN measures a given binary instead (e.g. an older build, for a before/after).
if [ -n "${FARAMESH_BENCH_BIN:-}" ]; then
  bin="$(realpath "$FARAMESH_BENCH_BIN")"
else
  bin="$(bash scripts/build-release.sh 2>.build-release.log)" || { tail -30 .build-release.log; exit 1; }
fi

eval "$(bash scripts/start-postgres.sh)"
db="faramesh_bench_$$"
psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "CREATE DATABASE $db" >/dev/null
export FARA_POSTGRES_DSN="${FARAMESH_TEST_POSTGRES_DSN%/*}/$db" FARA_DB_BACKEND=postgres
"$bin" migrate >/dev/null
token=$("$bin" token create --name bench-agent --role agent --agent-id load-agent --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

FARAMESH_TOKEN="bench-admin-$$" FARAMESH_LOG_LEVEL=warning "$bin" serve --host 127.0.0.1 --port "$port" --policy policies/default.yaml &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$server/status"; }
echo "RSS idle: $(rss) MB"

peak=0
sample() { while kill -0 "$server" 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" > /tmp/faramesh-peak.$$; sleep 0.2; done; }
sample & sampler=$!

export FARAMESH_LOAD_TOKEN="$token"
echo "== POST /v1/gate/decide (c=32, ${dur}s)"
wrk -t2 -c32 -d"${dur}s" --latency -s scripts/load/decide.lua "http://127.0.0.1:$port" | grep -E 'RESULT|Non-2xx|Socket errors' || true
echo "== POST /v1/actions (c=32, ${dur}s)"
wrk -t2 -c32 -d"${dur}s" --latency -s scripts/load/submit.lua "http://127.0.0.1:$port" | grep -E 'RESULT|Non-2xx|Socket errors' || true
kill "$sampler" 2>/dev/null || true
echo "RSS peak under load: $(cat /tmp/faramesh-peak.$$ 2>/dev/null || echo ?) MB"
rm -f /tmp/faramesh-peak.$$
echo "RSS after load: $(rss) MB"

echo "== pgbench, same SQL per transaction (c=32, ${dur}s)"
pgbench -n -M extended -c32 -j2 -T"$dur" -r -f scripts/load/submit-pgbench.sql "$FARA_POSTGRES_DSN" 2>&1 | grep -E '^tps|latency average|number of transactions actually'
