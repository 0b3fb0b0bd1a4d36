#!/usr/bin/env bash
# Several replicas, one truth: 3 `faramesh serve` replicas on loopback ports over one PostgreSQL,
# nginx in front (round robin, unbuffered SSE), driven by integration-tests/cluster/*.py: live updates across
# replicas, resume anywhere, out-of-order commits, exactly-once transitions, SIGTERM, kill -9,
# PostgreSQL restarts. Installs nothing (scripts/install-test-deps.sh does); loopback only; every
# process it starts is stopped on exit. Needs its own PostgreSQL cluster (the fault tests restart it).
#
# Usage: scripts/cluster-test.sh [PATH_TO_FARAMESH_BINARY] [PYTEST_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-}"
if [ -z "$bin" ]; then
  swift build --product faramesh >/dev/null
  bin="$(swift build --show-bin-path)/faramesh"
fi
shift || true
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "nginx is required (scripts/install-test-deps.sh)"; exit 1; }

work="$(mktemp -d /tmp/faramesh-cluster.XXXXXX)"
chmod 755 "$work"   # the PostgreSQL cluster runs as an unprivileged user when we are root
pg_dir="$work/pg"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  status=$?
  # The pytest harness stops its replicas and nginx; this catches anything left after a crash.
  if [ -f "$work/pids" ]; then xargs -r kill -9 < "$work/pids" 2>/dev/null || true; fi
  bash scripts/stop-postgres.sh "$pg_dir" >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ]; then
    echo "--> cluster test failed; last replica log lines:"
    for log in "$work"/cluster/replica-*.log; do [ -f "$log" ] && { echo "== $log"; tail -n 15 "$log"; }; done
  fi
  if [ "$status" -ne 0 ] && [ "${FARAMESH_CLUSTER_KEEP:-0}" = "1" ]; then
    echo "--> kept $work (PostgreSQL stopped; start it with scripts/start-postgres.sh $pg_dir $pg_port)"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT

echo "--> PostgreSQL for the cluster (own throwaway cluster on 127.0.0.1:$pg_port)"
eval "$(FARAMESH_PG_FSYNC="${FARAMESH_PG_FSYNC:-on}" bash scripts/start-postgres.sh "$pg_dir" "$pg_port")"
export FARAMESH_CLUSTER_DSN="$FARAMESH_TEST_POSTGRES_DSN"
export FARAMESH_PG_DIR="$pg_dir"
export FARAMESH_PG_BIN="${FARAMESH_PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$FARAMESH_PG_BIN/pg_ctl" ] || FARAMESH_PG_BIN="$(pg_config --bindir)"
export FARAMESH_BIN="$bin"
export FARAMESH_CLUSTER_DIR="$work/cluster"
export FARAMESH_CLUSTER_PIDS="$work/pids"
mkdir -p "$FARAMESH_CLUSTER_DIR"
FARAMESH_DB_BACKEND=postgres FARAMESH_POSTGRES_DSN="$FARAMESH_CLUSTER_DSN" "$bin" migrate >/dev/null

# pytest only (the harness is standard library); reuse the e2e venv when it exists.
venv="${FARAMESH_CLUSTER_VENV:-}"
if [ -z "$venv" ]; then
  if [ -x .venv-e2e/bin/pytest ]; then venv=.venv-e2e; else venv=.venv-cluster; fi
fi
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pytest
fi

echo "--> cluster tests (3 replicas + nginx + PostgreSQL, loopback)"
ulimit -n 20000 2>/dev/null || true
timeout "${FARAMESH_CLUSTER_TIMEOUT:-900}" "$venv/bin/pytest" -q -p no:cacheprovider integration-tests/cluster "$@"
