#!/usr/bin/env bash
# Starts a real `faramesh serve` on loopback over the test PostgreSQL and drives it with the
# published Python client (faramesh-sdk==0.3.3), schemathesis (against /openapi.yaml) and promtool.
# Usage: scripts/e2e.sh PATH_TO_FARAMESH_BINARY   (FARAMESH_TEST_POSTGRES_DSN must be set)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"
: "${FARAMESH_TEST_POSTGRES_DSN:?start scripts/start-postgres.sh first}"

venv="${FARAMESH_E2E_VENV:-.venv-e2e}"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/python" -c 'import faramesh, schemathesis' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check faramesh-sdk==0.3.3 pytest requests schemathesis==4.32.5
fi

# A fresh database for this run.
db="faramesh_e2e_$$"
base_dsn="${FARAMESH_TEST_POSTGRES_DSN%/*}"
psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "CREATE DATABASE $db" >/dev/null
dsn="$base_dsn/$db"
export FARA_DB_BACKEND=postgres FARA_POSTGRES_DSN="$dsn"

# FARAMESH_E2E_PORT pins the port (machines that hand out port ranges); default: a free one.
port="${FARAMESH_E2E_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')}"
admin_token="e2e-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
log=$(mktemp)

"$bin" migrate
# Tokens act only as the agent ids they are created for: the tests submit as sdk-<random>.
agent_token=$("$bin" token create --name e2e-agent --role agent --agent-id 'sdk-*' --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
approver_token=$("$bin" token create --name e2e-approver --role approver --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# The action snippets (python_example) are run with this repository's Python SDK, which cannot
# share a venv with faramesh-sdk 0.3.3 (both are the import package `faramesh`).
if [ -d sdk/python ]; then
  sdk_venv="${FARAMESH_E2E_SDK_VENV:-.venv-e2e-sdk}"
  [ -x "$sdk_venv/bin/python" ] || python3 -m venv "$sdk_venv"
  "$sdk_venv/bin/pip" install -q --disable-pip-version-check ./sdk/python
  export FARAMESH_SDK_PYTHON="$PWD/$sdk_venv/bin/python"
fi

FARAMESH_TOKEN="$admin_token" FARA_POLICY_FILE=policies/default.yaml \
  "$bin" serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "server exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/ready" >/dev/null || { echo "server not ready:"; cat "$log"; exit 1; }

echo "--> pytest (faramesh-sdk 0.3.3)"
FARAMESH_BASE_URL="http://127.0.0.1:$port" FARAMESH_AGENT_TOKEN="$agent_token" FARAMESH_APPROVER_TOKEN="$approver_token" \
  FARAMESH_ADMIN_TOKEN="$admin_token" \
  "$venv/bin/pytest" -q integration-tests/python/test_*.py

echo "--> promtool check metrics"
curl -fsS -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$port/metrics" > /tmp/faramesh-metrics.$$
if command -v promtool >/dev/null 2>&1; then
  promtool check metrics < /tmp/faramesh-metrics.$$
else
  "$venv/bin/python" -c 'import sys
from prometheus_client.parser import text_string_to_metric_families as p
list(p(open(sys.argv[1]).read()))' /tmp/faramesh-metrics.$$
fi
rm -f /tmp/faramesh-metrics.$$

echo "--> schemathesis against /openapi.yaml"
"$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.yaml" \
  --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer $admin_token" \
  --exclude-path /v1/events \
  --checks all --max-examples "${FARAMESH_SCHEMATHESIS_EXAMPLES:-25}" \
  --request-timeout 10 --suppress-health-check all

if ! kill -0 "$server" 2>/dev/null; then echo "server died during e2e:"; cat "$log"; exit 1; fi
if grep -q "$admin_token\|$agent_token\|$approver_token" "$log"; then echo "a token leaked into the server log"; exit 1; fi
echo "--> e2e passed"
