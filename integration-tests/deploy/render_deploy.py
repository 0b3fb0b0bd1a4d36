"""Writes deploy/ from the chart: plain manifests + kustomization.yaml, Prometheus rules and the Grafana dashboard.

    python integration-tests/deploy/render_deploy.py           # write (scripts/render-deploy.sh)
    python integration-tests/deploy/render_deploy.py --check   # exit 1 when deploy/ differs from a fresh render
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import chart  # noqa: E402

DEPLOY = chart.REPO / "deploy"
MANIFESTS = DEPLOY / "kubernetes"
VALUES = DEPLOY / "values.yaml"
HEADER = "# Rendered from helm/faramesh with deploy/values.yaml by scripts/render-deploy.sh: do not edit.\n"


def rendered_files() -> Dict[Path, str]:
    """Every file of deploy/ that comes from the chart, by path."""
    files: Dict[Path, str] = {}
    names = []
    for manifest in chart.render(chart.load_values(VALUES)):
        if chart.hook_of(manifest):
            continue  # helm hooks and `helm test` pods mean nothing to kubectl
        name = f"{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"
        files[MANIFESTS / name] = HEADER + yaml.safe_dump(manifest, sort_keys=False, width=120)
        names.append(name)
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "namespace": chart.NAMESPACE, "resources": sorted(names)}
    files[MANIFESTS / "kustomization.yaml"] = HEADER + yaml.safe_dump(kustomization, sort_keys=False)
    files[DEPLOY / "prometheus" / "rules.yaml"] = (chart.CHART / "files" / "prometheus-rules.yaml").read_text(encoding="utf-8")
    files[DEPLOY / "grafana" / "faramesh.json"] = (chart.CHART / "files" / "grafana-dashboard.json").read_text(encoding="utf-8")
    return files


def stale() -> list[str]:
    expected = rendered_files()
    problems = [str(p.relative_to(chart.REPO)) for p, text in expected.items()
                if not p.exists() or p.read_text(encoding="utf-8") != text]
    for existing in MANIFESTS.glob("*.yaml"):
        if existing != VALUES and existing not in expected:
            problems.append(f"{existing.relative_to(chart.REPO)} (not rendered any more)")
    return problems


def main() -> int:
    if "--check" in sys.argv[1:]:
        problems = stale()
        for problem in problems:
            print(f"stale: {problem} (run scripts/render-deploy.sh)", file=sys.stderr)
        return 1 if problems else 0
    expected = rendered_files()
    for existing in MANIFESTS.glob("*.yaml"):
        if existing != VALUES and existing not in expected:
            existing.unlink()
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(expected)} files under deploy/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
