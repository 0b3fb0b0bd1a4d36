#!/usr/bin/env bash
# The whole test suite (README "Quick start", step 2). Installs missing test dependencies
# (PostgreSQL 15, python3-venv, promtool, nginx) with apt-get, starts a throwaway PostgreSQL on
# 127.0.0.1, then runs every test: Swift tests, policy packs, the live-server e2e run, the cluster
# tests, and each part's own suite (security sockets/TLS, web UI in headless Chromium, Python and
# Node SDKs, framework integrations, MCP gateway, deploy artefacts). Each part's script installs
# what it needs itself. Everything listens on 127.0.0.1 only and stops by itself.
#
# FARAMESH_TEST_PARTS="ui mcp" runs only the named parts after the Swift tests (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "==> PostgreSQL (throwaway cluster on 127.0.0.1)"
eval "$(bash scripts/start-postgres.sh)"
export FARAMESH_TEST_POSTGRES_DSN

# The code is formatted as .swift-format says, and every import is a declared dependency of its
# target: scripts/validate.sh lints, then builds the package and its tests with the import check.
bash scripts/validate.sh
bin="$(swift build --show-bin-path)/faramesh"

echo "==> swift test"
swift test --skip-build

echo "==> policy packs (faramesh policy test)"
for tests in policies/*.tests.yaml policies/packs/*.tests.yaml; do
  "$bin" policy test "${tests%.tests.yaml}.yaml" "$tests"
done

parts="${FARAMESH_TEST_PARTS:-e2e cluster security ui python-sdk python-integrations node-sdk mcp deploy}"
passed=0; failed=0; timings=()
for part in $parts; do
  case "$part" in
    e2e) script=scripts/e2e.sh; title="live server: published client faramesh-sdk 0.3.3, schemathesis, promtool" ;;
    cluster) script=scripts/cluster-test.sh; title="cluster: 3 replicas + nginx + PostgreSQL (live updates, exactly-once, SIGTERM, kill -9, PG restart)" ;;
    *) script="scripts/test-$part.sh"; title="$part" ;;
  esac
  echo "==> $title"
  start=$(date +%s)
  if bash "$script" "$bin"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "!! part failed: $part"; fi
  timings+=("$part $(( $(date +%s) - start ))s")
done

echo "==> part timings: ${timings[*]}"
echo "parts: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
echo "==> all tests passed"
