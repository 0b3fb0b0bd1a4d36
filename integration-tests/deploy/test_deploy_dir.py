"""deploy/: plain manifests rendered from the chart, their kustomization, and freshness against the chart."""

from __future__ import annotations

import shutil
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

import render_deploy
from support import chart

MANIFESTS = chart.REPO / "deploy" / "kubernetes"


def test_deploy_is_up_to_date_with_the_chart() -> None:
    assert render_deploy.stale() == [], "run scripts/render-deploy.sh"


def test_a_changed_chart_makes_deploy_stale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    copy = tmp_path / "faramesh"
    shutil.copytree(chart.CHART, copy)
    values = yaml.safe_load((copy / "values.yaml").read_text(encoding="utf-8"))
    values["replicaCount"] = 5
    (copy / "values.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    monkeypatch.setattr(chart, "CHART", copy)
    assert any("deployment-faramesh.yaml" in problem for problem in render_deploy.stale())


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text(encoding="utf-8"))
    files = sorted(p.name for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization" and kustomization["resources"] == files
    kinds = {yaml.safe_load((MANIFESTS / f).read_text(encoding="utf-8"))["kind"] for f in files}
    assert {"Deployment", "Service", "ConfigMap", "ServiceAccount", "PodDisruptionBudget"} <= kinds
    assert "Secret" not in kinds, "kubectl users create the Secret themselves (docs/deploy.md)"


@pytest.mark.parametrize("version", ["1.29.0", "1.33.0"])
def test_plain_manifests_validate(version: str) -> None:
    for path in MANIFESTS.glob("*.yaml"):
        if path.name != "kustomization.yaml":
            kubernetes_validate.validate(yaml.safe_load(path.read_text(encoding="utf-8")), version, strict=True)


def test_plain_manifests_migrate_in_an_init_container_from_the_named_secret() -> None:
    deployment = yaml.safe_load((MANIFESTS / "deployment-faramesh.yaml").read_text(encoding="utf-8"))
    pod = deployment["spec"]["template"]["spec"]
    assert [c["args"] for c in pod["initContainers"]] == [["migrate"]]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in pod["containers"][0]["env"] if "valueFrom" in e}
    assert refs["FARAMESH_POSTGRES_DSN"] == {"name": "faramesh", "key": "postgres-dsn"}
    assert refs["FARAMESH_LEDGER_KEY"] == {"name": "faramesh", "key": "ledger-key"}
    assert refs["FARAMESH_TOKEN"] == {"name": "faramesh", "key": "bootstrap-tokens"}
