#!/usr/bin/env bash
# Regenerates deploy/ from the Helm chart (plain manifests + kustomization.yaml, Prometheus rules,
# Grafana dashboard). Uses the deployment test venv (created by scripts/test-deploy.sh).
# `scripts/render-deploy.sh --check` exits 1 when deploy/ is stale (integration-tests/deploy checks that too).
set -euo pipefail
cd "$(dirname "$0")/.."
python=".venv-deploy/py/bin/python"
[ -x "$python" ] || { echo "run scripts/test-deploy.sh once first (it creates .venv-deploy)" >&2; exit 1; }
exec "$python" integration-tests/deploy/render_deploy.py "$@"
