#!/usr/bin/env bash
# Benchmark of the MCP gateway (issue 15): added latency per allowed tools/call through
# `faramesh mcp-proxy` against calling the server directly (p50/p99 over CALLS sequential calls,
# default 1000), and the proxy's RSS. Each allowed call costs the proxy a submit and a start
# round trip to the gatekeeper before forwarding; /result is reported after the answer.
# Usage: scripts/bench-mcp.sh BIN [CALLS]   (a real `faramesh serve` on 127.0.0.1:18402, SQLite)
# BENCH_STORE_DIR: parent folder of the gatekeeper's SQLite file (default: the system temp folder,
# a disk here). The store syncs every commit (synchronous=FULL), so the disk's fsync latency is
# part of every allowed call; BENCH_STORE_DIR=/dev/shm (tmpfs) shows the cost without it.
set -euo pipefail
bin="$(realpath "${1:?usage: scripts/bench-mcp.sh BIN [CALLS]}")"
cd "$(dirname "$0")/.."
calls="${2:-1000}"
port=18402
work=$(mktemp -d ${BENCH_STORE_DIR:+-p "$BENCH_STORE_DIR"})
export FARAMESH_DB_BACKEND=sqlite FARAMESH_SQLITE_PATH="$work/actions.db" FARAMESH_POLICY_FILE="$PWD/integration-tests/mcp/policy.yaml"
unset FARAMESH_POSTGRES_DSN FARA_POSTGRES_DSN DATABASE_URL FARA_DB_BACKEND FARAMESH_BASE_URL || true
(cd "$work" && "$bin" migrate >/dev/null)
token=$(cd "$work" && "$bin" token create --name bench --role agent --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
admin="bench-admin-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
(cd "$work" && FARAMESH_TOKEN="$admin" exec "$bin" serve --host 127.0.0.1 --port "$port") >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary: $bin"
python3 integration-tests/mcp/bench.py "$bin" "http://127.0.0.1:$port" "$token" "$calls" "$work"
