#!/usr/bin/env bash
# Tests of the Python SDK (sdk/python, import package `faramesh`) against a real `faramesh serve`:
#   1. sdk/python/tests          — every call, errors, retries/idempotency, SSE waits, async, govern(),
#                                  request hashes (server with tokens on 127.0.0.1:18601.., SQLite, or a
#                                  fresh PostgreSQL database when FARAMESH_TEST_POSTGRES_DSN is set)
#   2. integration-tests/python/test_sdk_compat.py — the faramesh-sdk 0.3.3 compatibility suite, run against OUR package
#   3. faramesh-sdk 0.3.3 wheel tests/test_canonicalization.py, test_govern.py — its own unit tests, on OUR package
#   4. sdk/python/examples_tests  — the README's snippets in examples/python, unchanged, against a server
#                                   on 127.0.0.1:8000 inside a private network namespace (unshare -rn)
# Usage: scripts/test-python-sdk.sh PATH_TO_FARAMESH_BINARY
# Env: FARAMESH_PYSDK_VENV (default .venv-pysdk), FARAMESH_TEST_PORT_BASE (default 18600, uses 100 ports),
#      FARAMESH_EXAMPLES_NETNS=0 to run the examples on the host's port 8000 instead of a namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ $# -eq 1 ] || { echo "usage: $0 PATH_TO_FARAMESH_BINARY" >&2; exit 2; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || { echo "not an executable: $1" >&2; exit 2; }
export FARAMESH_BIN="$bin"
export FARAMESH_TEST_PORT_BASE="${FARAMESH_TEST_PORT_BASE:-18600}"

venv="${FARAMESH_PYSDK_VENV:-.venv-pysdk}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  if command -v apt-get >/dev/null 2>&1; then apt-get install -y python3-venv >/dev/null; fi
fi
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip -q --disable-pip-version-check)
if ! "$venv/bin/python" -c 'import pytest, pytest_timeout, requests, sys; sys.exit(pytest.__version__ != "8.3.4")' 2>/dev/null; then
  "${pip[@]}" install pytest==8.3.4 pytest-timeout==2.3.1 requests==2.32.3
fi
"${pip[@]}" install --no-deps --force-reinstall ./sdk/python  # in-tree backend: no index needed

pytest_run() {  # pytest exit 5 (nothing collected) is a failure too
  local rc=0
  "$venv/bin/python" -m pytest -p no:cacheprovider --timeout=180 "$@" || rc=$?
  if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: $*" >&2; return 1; fi
  return "$rc"
}

status=0
echo "--> Python SDK tests (sdk/python/tests)"
pytest_run -q sdk/python/tests || status=1

echo "--> faramesh-sdk 0.3.3 compatibility suite against our package (integration-tests/python/test_sdk_compat.py)"
"$venv/bin/python" sdk/python/tests/with_server.py -- "$venv/bin/python" -m pytest -p no:cacheprovider --timeout=180 -q integration-tests/python/test_sdk_compat.py \
  || status=1  # (both helpers turn pytest's exit 5, nothing collected, into a failure)

echo "--> faramesh-sdk 0.3.3's own unit tests (canonicalization, govern) against our package"
ref="$venv/faramesh-sdk-0.3.3"
if [ ! -f "$ref/tests/test_canonicalization.py" ]; then
  "${pip[@]}" download --no-deps faramesh-sdk==0.3.3 -d "$ref" >/dev/null
  # Only its tests/ directory: the 0.3.3 package itself must not be importable here.
  "$venv/bin/python" -c 'import sys, zipfile, glob
z = zipfile.ZipFile(glob.glob(sys.argv[1] + "/*.whl")[0])
z.extractall(sys.argv[1], [n for n in z.namelist() if n.startswith("tests/")])' "$ref"
fi
(cd "$ref/tests" && pytest_run -q test_canonicalization.py test_govern.py) || status=1

echo "--> README snippets (examples/python) against 127.0.0.1:8000"
netns="${FARAMESH_EXAMPLES_NETNS:-1}"
if [ "$netns" = "1" ] && ! unshare -rn true 2>/dev/null; then
  echo "    (no user/network namespaces here: using the host's port 8000)"
  netns=0
fi
if [ "$netns" = "0" ] && ! python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8000))' 2>/dev/null; then
  echo "port 8000 is taken on this host; the README snippets need it (or user namespaces for unshare -rn)" >&2
  status=1
elif [ "$netns" = "1" ]; then
  unshare -rn env -u FARAMESH_TEST_POSTGRES_DSN "$venv/bin/python" sdk/python/tests/netns.py -- \
    "$venv/bin/python" -m pytest -p no:cacheprovider --timeout=180 -q sdk/python/examples_tests || status=1
else
  env -u FARAMESH_TEST_POSTGRES_DSN "$venv/bin/python" sdk/python/tests/netns.py --no-netns -- \
    "$venv/bin/python" -m pytest -p no:cacheprovider --timeout=180 -q sdk/python/examples_tests || status=1
fi

if [ "$status" -ne 0 ]; then echo "--> Python SDK tests FAILED"; exit 1; fi
echo "--> Python SDK tests passed"
