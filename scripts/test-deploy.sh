#!/usr/bin/env bash
# Deployment tests (issue 12): Helm chart lint + template over helm/faramesh/ci/*.yaml (Helm's Go SDK via
# PyPI helm-python-sdk), kubernetes-validate --strict for 1.29 and 1.33, checkov, hadolint, promtool
# check/test rules, dashboard PromQL, docker-compose config, deploy/ freshness, and "run what the chart
# runs": BIN started exactly as the rendered Deployment and Job, two replicas on PostgreSQL, nginx in front.
#
#   scripts/test-deploy.sh PATH_TO_FARAMESH [pytest args]
#
# Installs what is missing (apt-get: prometheus, nginx-light, docker-compose, postgresql; pip: pinned
# integration-tests/deploy/requirements*.txt into .venv-deploy/). Uses $FARAMESH_TEST_POSTGRES_DSN when set, else starts
# its own PostgreSQL on 127.0.0.1:54405 (/tmp/pg-deploy) and stops it again. Loopback ports 18500-18599.
# $FARAMESH_SDK_SRC points the demo-agent test at a Python SDK source tree other than sdk/python/src.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 PATH_TO_FARAMESH [pytest args]" >&2; exit 2; }
bin="$1"; shift
[ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
if [ -z "${FARAMESH_TEST_POSTGRES_DSN:-}" ] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then need+=(postgresql); fi
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# One venv per requirements file, rebuilt only when the file changes (the pip cache keeps re-runs fast).
venv() {
  local dir="$1" requirements="$2"
  if [ -x "$dir/bin/python" ] && cmp -s "$requirements" "$dir/.requirements"; then return 0; fi
  echo "==> pip install -r $requirements ($dir)"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$dir/.requirements"
}
venv .venv-deploy/py integration-tests/deploy/requirements.txt
venv .venv-deploy/checkov integration-tests/deploy/requirements-checkov.txt

pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then bash scripts/stop-postgres.sh "$pg_dir" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
if [ -z "${FARAMESH_TEST_POSTGRES_DSN:-}" ]; then
  pg_dir=/tmp/pg-deploy
  eval "$(bash scripts/start-postgres.sh "$pg_dir" 54405)"
fi
export FARAMESH_TEST_POSTGRES_DSN FARAMESH_BIN="$bin" CHECKOV="$PWD/.venv-deploy/checkov/bin/checkov"
export PATH="$PWD/.venv-deploy/py/bin:$PATH" PYTHON="$PWD/.venv-deploy/py/bin/python"

echo "==> pytest integration-tests/deploy"
status=0
timeout "${FARAMESH_DEPLOY_TIMEOUT:-1200}" .venv-deploy/py/bin/pytest -q integration-tests/deploy "$@" || status=$?
if [ "$status" -eq 5 ]; then echo "no tests ran" >&2; exit 1; fi
exit "$status"
