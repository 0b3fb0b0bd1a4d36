#!/usr/bin/env bash
# Security probes of issue 10 that need real sockets, processes and TLS clients, against a real
# `faramesh serve`: slowloris and idle sockets shed under the connection cap and by the idle /
# head / body deadlines while /health answers, event streams outliving the deadlines, a low
# descriptor limit, TLS versions and ciphers (openssl s_client), HSTS, JSON 400s for malformed
# HTTP, NUL in text fields on both backends, nosniff, HEAD, unknown list parameters.
#
#   scripts/test-security.sh PATH_TO_FARAMESH_BINARY
#
# Servers listen on 127.0.0.1:18300-18398. PostgreSQL: $FARAMESH_TEST_POSTGRES_DSN when set (a
# fresh database is created and dropped); without it a throwaway cluster is started on
# 127.0.0.1:18399 in .pg-security/ and stopped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$bin" ] || { echo "usage: $0 PATH_TO_FARAMESH_BINARY" >&2; exit 2; }

need_apt=()
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v prlimit >/dev/null 2>&1 || need_apt+=(util-linux)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get install -y -q "${need_apt[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need_apt[@]}" >/dev/null; }
fi

venv=.venv-security
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/pytest" --version 2>&1 | grep -q '8.3.4'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check pytest==8.3.4
fi

started_pg=0
if [ -z "${FARAMESH_TEST_POSTGRES_DSN:-}" ]; then
  eval "$(bash scripts/start-postgres.sh "$PWD/.pg-security" 18399)"
  started_pg=1
fi
db="faramesh_security_$$"
psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "CREATE DATABASE $db" >/dev/null
cleanup() {
  psql "$FARAMESH_TEST_POSTGRES_DSN" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if [ "$started_pg" = 1 ]; then bash scripts/stop-postgres.sh "$PWD/.pg-security" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

set +e
FARAMESH_BIN="$bin" SECURITY_POSTGRES_DSN="${FARAMESH_TEST_POSTGRES_DSN%/*}/$db" \
  "$venv/bin/pytest" -q -rA -p no:cacheprovider integration-tests/security
status=$?
set -e
if [ "$status" = 5 ]; then echo "no tests were collected"; exit 1; fi
exit "$status"
