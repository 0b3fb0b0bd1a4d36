#!/usr/bin/env bash
# Memory of GET /v1/actions over large actions (issue 10, finding 6): fills a database with
# ACTIONS actions of ~PARAM_KB KB params each, then runs ROUNDS rounds of CONCURRENCY concurrent
# `GET /v1/actions?limit=1000`, and prints the server's RSS before, its peak (VmHWM) and RSS after,
# with the rows and bytes each page returned.
#
#   scripts/bench-list-memory.sh PATH_TO_FARAMESH_BINARY [sqlite|postgres]
#
# postgres uses $FARAMESH_TEST_POSTGRES_DSN (a fresh database, dropped afterwards).
# Env: ACTIONS (1000), PARAM_KB (97: params stay under the 100 000-byte limit), CONCURRENCY (10), ROUNDS (3), PORT (18350).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"
backend="${2:-sqlite}"
actions="${ACTIONS:-1000}" param_kb="${PARAM_KB:-97}" concurrency="${CONCURRENCY:-10}" rounds="${ROUNDS:-3}"
port="${PORT:-18350}"
work=$(mktemp -d)
token="bench-admin-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
case "$backend" in
  sqlite) db_flags=(--db-backend sqlite --sqlite-path "$work/actions.db") ;;
  postgres)
    : "${FARAMESH_TEST_POSTGRES_DSN:?set FARAMESH_TEST_POSTGRES_DSN for the postgres backend}"
    db="faramesh_benchlist_$$"
    psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "CREATE DATABASE $db" >/dev/null
    db_flags=(--db-backend postgres --dsn "${FARAMESH_TEST_POSTGRES_DSN%/*}/$db") ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 2 ;;
esac

FARAMESH_TOKEN="$token" FARAMESH_LOG_LEVEL=warning "$bin" serve --host 127.0.0.1 --port "$port" \
  --policy policies/default.yaml "${db_flags[@]}" >"$work/serve.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "$backend" = postgres ]; then psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done

python3 - "$port" "$token" "$server" "$actions" "$param_kb" "$concurrency" "$rounds" <<'PY'
import json, sys, threading, time, urllib.request
port, token, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
actions, param_kb, concurrency, rounds = map(int, sys.argv[4:8])
base = f"http://127.0.0.1:{port}"
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def status_kb(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0

blob = "x" * (param_kb * 1024)
errors = []
def submit(start, count):
    try:
        for i in range(start, start + count):
            body = json.dumps({"agent_id": "bench", "tool": "http", "operation": "get", "params": {"i": i, "blob": blob}}).encode()
            urllib.request.urlopen(urllib.request.Request(base + "/v1/actions", data=body, headers=headers), timeout=60).read()
    except Exception as error:  # reported below: a benchmark over a partial data set means nothing
        errors.append(error)
started = time.monotonic()
workers = [threading.Thread(target=submit, args=(k * (actions // 4), actions // 4)) for k in range(4)]
[w.start() for w in workers]; [w.join() for w in workers]
if errors:
    sys.exit(f"seeding failed: {errors[0]}")
print(f"seeded {actions} actions of {param_kb} KB params in {time.monotonic() - started:.1f}s")
time.sleep(1)
rss_before = status_kb("VmRSS")
try:
    with open(f"/proc/{pid}/clear_refs", "w") as f:  # resets VmHWM: the peak then covers the listing only
        f.write("5")
except OSError:
    print("(could not reset VmHWM: the peak includes seeding)")
pages = []
def page():
    try:
        with urllib.request.urlopen(urllib.request.Request(base + "/v1/actions?limit=1000", headers=headers), timeout=300) as r:
            data = r.read()
            pages.append((len(json.loads(data)), len(data), r.headers.get("X-Next-Cursor") is not None))
    except Exception as error:
        errors.append(error)
started = time.monotonic()
for _ in range(rounds):
    threads = [threading.Thread(target=page) for _ in range(concurrency)]
    [t.start() for t in threads]; [t.join() for t in threads]
elapsed = time.monotonic() - started
time.sleep(2)
rss_after = status_kb("VmRSS")
peak = status_kb("VmHWM")
if errors or not pages:
    print(f"{len(errors)} of {rounds * concurrency} list calls failed: {errors[:1]}")
rows, size, more = pages[0] if pages else (0, 0, False)
print(f"{rounds} rounds x {concurrency} concurrent GET /v1/actions?limit=1000 in {elapsed:.1f}s: "
      f"{rows} rows, {size / 1048576:.1f} MiB per page, next cursor: {more}")
print(f"server RSS before: {rss_before / 1024:.0f} MiB, peak while listing (VmHWM): {peak / 1024:.0f} MiB, "
      f"after: {rss_after / 1024:.0f} MiB")
PY
