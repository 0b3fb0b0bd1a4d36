#!/usr/bin/env bash
# The whole test suite (README "Quick start", step 2). Installs missing test dependencies
# (PostgreSQL 15, python3-venv, promtool) with apt-get, starts a throwaway PostgreSQL on 127.0.0.1,
# then runs every test. Everything listens on 127.0.0.1 only and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "==> PostgreSQL (throwaway cluster on 127.0.0.1)"
eval "$(bash scripts/start-postgres.sh)"
export FARAMESH_TEST_POSTGRES_DSN

echo "==> swift build"
swift build --build-tests
bin="$(swift build --show-bin-path)/faramesh"

echo "==> swift test"
swift test --skip-build

echo "==> policy packs (faramesh policy test)"
for tests in policies/*.tests.yaml policies/packs/*.tests.yaml; do
  "$bin" policy test "${tests%.tests.yaml}.yaml" "$tests"
done

echo "==> live server: published client faramesh-sdk 0.3.3, schemathesis, promtool"
bash scripts/e2e.sh "$bin"

echo "==> cluster: 3 replicas + nginx + PostgreSQL (live updates, exactly-once, SIGTERM, kill -9, PG restart)"
bash scripts/cluster-test.sh "$bin"

echo "==> all tests passed"
