#!/usr/bin/env bash
# Ledger sealing lag behind commits under HTTP submit load (loopback only, stops by itself):
# a release `faramesh serve` on a fresh PostgreSQL database, wrk POST /v1/actions at c=32, then
# the lag between each event's commit time and the time the sealer gave it a ledger position.
# Usage: scripts/bench-ledger-lag.sh [DURATION_SECONDS] [--async-commit]
#   --async-commit: the bench database uses synchronous_commit=off, so the commit rate is not
#   bounded by this disk's fsync rate (the sealer's own work is unchanged). Needs wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-15}"
async="${2:-}"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }

bin="$(bash scripts/build-release.sh 2>.build-release.log)" || { tail -30 .build-release.log; exit 1; }

eval "$(bash scripts/start-postgres.sh)"
db="faramesh_lag_$$"
psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "CREATE DATABASE $db" >/dev/null
[ "$async" = "--async-commit" ] && psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null
dsn="${FARAMESH_TEST_POSTGRES_DSN%/*}/$db"
export FARA_POSTGRES_DSN="$dsn" FARA_DB_BACKEND=postgres
work=$(mktemp -d)
"$bin" migrate >/dev/null
token=$("$bin" token create --name lag-agent --role agent --agent-id load-agent --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

FARAMESH_TOKEN="lag-admin-$$" FARAMESH_LOG_LEVEL=warning FARAMESH_LEDGER_KEY_FILE="$work/ledger.key" \
  "$bin" serve --host 127.0.0.1 --port "$port" --policy policies/default.yaml &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== POST /v1/actions (c=32, ${dur}s, synchronous_commit=$(psql "$dsn" -Atc 'SHOW synchronous_commit'))"
FARAMESH_LOAD_TOKEN="$token" wrk -t2 -c32 -d"${dur}s" --latency -s scripts/load/submit.lua "http://127.0.0.1:$port" | grep -E 'RESULT|Non-2xx|Socket errors' || true

for _ in $(seq 1 600); do
  left=$(psql "$dsn" -Atc "SELECT count(*) FROM action_events e WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq)")
  [ "$left" = "0" ] && break
  sleep 0.1
done
psql "$dsn" -At -F ' ' -c "
  SELECT 'events', count(*),
         'sealed_per_s_during_load', round(count(*) / greatest(extract(epoch FROM max(e.created_at) - min(e.created_at)), 0.001)),
         'lag_ms_p50', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.sealed_at - e.created_at)) * 1000)::numeric, 1),
         'p99', round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM l.sealed_at - e.created_at)) * 1000)::numeric, 1),
         'max', round((max(extract(epoch FROM l.sealed_at - e.created_at)) * 1000)::numeric, 1),
         'unsealed', $left
  FROM ledger l JOIN action_events e ON e.seq = l.event_seq"
echo "checkpoints: $(psql "$dsn" -Atc "SELECT count(*) || ' (newest covers ' || coalesce(max(tree_size), 0) || ' positions)' FROM ledger_checkpoints")"
