#!/usr/bin/env bash
# Framework integration tests: every faramesh.integrations.<framework> module driven by the real
# framework (pinned) with its own fake/scripted chat model, against a real `faramesh serve`
# (SQLite, tokens on, integration-tests/python/integrations/policy.yaml). Also runs the seed README's
# LangChain example (examples/python/langchain_governed_tool.py).
#
# Usage: scripts/test-python-integrations.sh PATH_TO_FARAMESH_BINARY
# Venvs: .venv-int (LangChain, LangGraph, OpenAI Agents, LlamaIndex, AutoGen, Agent Framework, MCP)
#        .venv-int-crewai (CrewAI pins other versions of openai/mcp). Default pip cache.
# Port: the first free one in FARAMESH_INT_PORTS (default 18700-18799).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$bin" ] || { echo "not an executable: $1" >&2; exit 2; }
reqs=integration-tests/python/integrations/requirements

# -- venvs (idempotent: reinstall only when the pins file changed) ----------------------------
ensure_venv() {
  local venv="$1" pins="$2" stamp
  stamp="$venv/.pins-$(sha256sum "$pins" "$reqs/constraints-$(basename "$pins")" 2>/dev/null | sha256sum | cut -c1-16)"
  if [ ! -e "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    local started=$SECONDS
    # --no-compile: byte-compiling every installed module is most of the install's CPU time;
    # the modules the tests import are compiled on first use.
    "$venv/bin/pip" install -q --disable-pip-version-check --no-compile -r "$pins" \
      -c "$reqs/constraints-$(basename "$pins")"
    echo "--> $venv installed in $((SECONDS - started)) s"
    touch "$stamp"
  fi
  # The SDK itself, from this checkout (no dependencies of its own).
  if [ -z "${FARAMESH_INT_DEV:-}" ]; then
    "$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall ./sdk/python >/dev/null
  fi
}
# The two venvs install in parallel (downloads and unpacking overlap).
ensure_venv .venv-int "$reqs/core.txt" & core_pid=$!
ensure_venv .venv-int-crewai "$reqs/crewai.txt" & crewai_pid=$!
wait "$core_pid" || { echo "installing .venv-int failed" >&2; exit 1; }
wait "$crewai_pid" || { echo "installing .venv-int-crewai failed" >&2; exit 1; }

# -- server -----------------------------------------------------------------------------------
work=$(mktemp -d /tmp/faramesh-int.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=""
read -r lo hi <<<"$(echo "${FARAMESH_INT_PORTS:-18700-18799}" | tr '-' ' ')"
for p in $(seq "$lo" "$hi"); do
  if python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.close()' "$p" 2>/dev/null; then
    port=$p; break
  fi
done
[ -n "$port" ] || { echo "no free port in ${FARAMESH_INT_PORTS:-18700-18799}" >&2; exit 1; }

export FARA_DB_BACKEND=sqlite FARA_SQLITE_PATH="$work/actions.db"
unset FARAMESH_TEST_POSTGRES_DSN FARA_POSTGRES_DSN FARAMESH_POSTGRES_DSN || true
"$bin" migrate >/dev/null
tokens="$work/tokens.json"
python3 - "$bin" "$tokens" <<'PY'
import json, subprocess, sys
bin, out = sys.argv[1], sys.argv[2]
# Agent tokens are named after the agent ids the tests submit with (the server checks the match).
agents = ["langchain-agent", "langgraph-agent", "my-langchain-agent", "openai-agents-agent", "crewai-agent",
          "llamaindex-agent", "autogen-agent", "agent-framework-agent", "mcp-agent"]
tokens = {}
for name, role in [(a, "agent") for a in agents] + [("approver", "approver")]:
    res = subprocess.run([bin, "token", "create", "--name", name, "--role", role, "--json"],
                         check=True, capture_output=True, text=True)
    tokens[name] = json.loads(res.stdout)["token"]
with open(out, "w") as fh:
    json.dump(tokens, fh)
PY
admin_token="int-admin-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
log="$work/server.log"
FARAMESH_TOKEN="$admin_token" FARA_POLICY_FILE=integration-tests/python/integrations/policy.yaml \
  "$bin" serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
for _ in $(seq 1 200); do
  if curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "server exited:"; cat "$log"; exit 1; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/ready" >/dev/null || { echo "server not ready:"; cat "$log"; exit 1; }

export FARAMESH_BASE_URL="http://127.0.0.1:$port" FARAMESH_TEST_TOKENS_FILE="$tokens"
unset FARAMESH_TOKEN FARA_AUTH_TOKEN FARAMESH_AGENT_ID OPENAI_API_KEY || true
export OPENAI_AGENTS_DISABLE_TRACING=1 CREWAI_DISABLE_TELEMETRY=true OTEL_SDK_DISABLED=true \
  CREWAI_TRACING_ENABLED=false LLAMA_INDEX_CACHE_DIR="$work/llama-cache" HOME_TMP="$work"

status=0
run_pytest() {
  local venv="$1"; shift
  echo "--> pytest ($venv): $*"
  set +e
  (cd integration-tests/python/integrations && "$root/$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
  local rc=$?
  set -e
  if [ "$rc" -eq 5 ]; then echo "no tests collected in $*"; rc=1; fi
  if [ "$rc" -ne 0 ]; then status=1; fi
}
# FARAMESH_INT_CORE_TESTS / FARAMESH_INT_CREWAI_TESTS narrow a local run (empty = skip that venv).
core_tests=${FARAMESH_INT_CORE_TESTS-test_langchain.py test_langgraph.py test_seed_example.py \
  test_openai_agents.py test_llamaindex.py test_autogen.py test_agent_framework.py test_mcp_client.py test_examples.py}
[ -n "$core_tests" ] && run_pytest .venv-int $core_tests
crewai_tests=${FARAMESH_INT_CREWAI_TESTS-test_crewai.py}
[ -n "$crewai_tests" ] && run_pytest .venv-int-crewai $crewai_tests

if ! kill -0 "$server" 2>/dev/null; then echo "server died during the tests:"; cat "$log"; exit 1; fi
if grep -qF -f <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1])).values()))' "$tokens") "$log" \
   || grep -qF "$admin_token" "$log"; then
  echo "a token leaked into the server log"; exit 1
fi
[ "$status" -eq 0 ] && echo "--> python integration tests passed" || echo "--> python integration tests FAILED"
exit "$status"
