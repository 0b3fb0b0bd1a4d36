#!/usr/bin/env bash
# MCP gateway tests (issue 15): `faramesh mcp-proxy` with the real Python `mcp` client and a
# test MCP server (integration-tests/mcp), in the current 2.x release and in 1.x, against a real
# `faramesh serve` (SQLite, integration-tests/mcp/policy.yaml) on 127.0.0.1:18401. Proxy ports 18410-18499.
# Usage: scripts/test-mcp.sh BIN   (BIN = the faramesh binary, e.g. .build/debug/faramesh)
set -euo pipefail
bin="$(realpath "${1:?usage: scripts/test-mcp.sh BIN}")"
cd "$(dirname "$0")/.."
[ -x "$bin" ] || { echo "not an executable: $bin"; exit 2; }

mcp2=2.3.0
mcp1=1.30.0
pytest_version=9.2.0
pytest_timeout_version=2.4.0

status=0
for major in 2 1; do
  venv=".venv-mcp$major"
  want="mcp$major"
  want="${!want}"
  if ! "$venv/bin/python" - "$want" "$pytest_version" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
assert m.version("mcp") == sys.argv[1] and m.version("pytest") == sys.argv[2]
import pytest_timeout  # noqa: F401
PY
  then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      # Debian ships venv/ensurepip separately.
      rm -rf "$venv"
      apt-get install -y python3-venv >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-venv >/dev/null; }
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "mcp==$want" "pytest==$pytest_version" \
      "pytest-timeout==$pytest_timeout_version"
  fi
  echo "--> MCP gateway tests with mcp $want"
  set +e
  (cd integration-tests/mcp && FARAMESH_BIN="$bin" "../../$venv/bin/python" -m pytest -q -p no:cacheprovider -rfE)
  rc=$?
  set -e
  if [ "$rc" -eq 5 ]; then echo "no tests were collected"; rc=1; fi
  if [ "$rc" -ne 0 ]; then status=1; fi
done
exit "$status"
