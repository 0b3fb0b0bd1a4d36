"""Every rendered manifest passes kubernetes-validate --strict for Kubernetes 1.29 and 1.33, and checkov."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Dict, List

import kubernetes_validate
from kubernetes_validate.utils import all_versions
import pytest
import yaml

from support import chart, crd

KUBERNETES_VERSIONS = ["1.29.0", "1.33.0"]


def all_rendered() -> Dict[str, List[chart.Manifest]]:
    return {path.stem: chart.render(chart.load_values(path)) for path in chart.CI_VALUES}


RENDERED = all_rendered()


def test_supported_versions_are_bundled() -> None:
    versions = all_versions()
    for version in KUBERNETES_VERSIONS:
        assert version in versions


@pytest.mark.parametrize("case", sorted(RENDERED))
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_validate_strict(case: str, version: str) -> None:
    for manifest in RENDERED[case]:
        if crd.is_custom(manifest):
            crd.validate(manifest)
        else:
            kubernetes_validate.validate(manifest, version, strict=True)


def test_validators_reject_mistakes() -> None:
    """The checks above can fail: an unknown field, a wrong type, a typo in a custom resource."""
    deployment = copy.deepcopy(next(m for m in RENDERED["default-values"] if m["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/ready", "port": "http"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.29.0", strict=True)
    deployment = copy.deepcopy(next(m for m in RENDERED["default-values"] if m["kind"] == "Deployment"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.33.0", strict=True)
    monitor = copy.deepcopy(next(m for m in RENDERED["monitoring-values"] if m["kind"] == "ServiceMonitor"))
    monitor["spec"]["endpoints"][0]["intervall"] = "30s"
    with pytest.raises(ValueError, match="intervall"):
        crd.validate(monitor)
    rule = copy.deepcopy(next(m for m in RENDERED["monitoring-values"] if m["kind"] == "PrometheusRule"))
    rule["spec"]["groups"][0]["rules"][0]["expresion"] = "up"
    with pytest.raises(ValueError, match="expresion"):
        crd.validate(rule)


def checkov(directory: Path, framework: str, *files: Path) -> dict:
    executable = os.environ.get("CHECKOV", "checkov")
    target = ["-f", *map(str, files)] if files else ["-d", str(directory)]
    result = subprocess.run([executable, *target, "--framework", framework, "--skip-download", "--compact", "-o", "json"],
                            capture_output=True, text=True, timeout=600, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    return {"passed": sum(r["summary"]["passed"] for r in reports), "failed": [c for r in reports for c in r["results"]["failed_checks"]],
            "skipped": [c for r in reports for c in r["results"]["skipped_checks"]]}


def test_checkov_kubernetes_no_failed_check_without_a_written_skip(tmp_path: Path) -> None:
    for case, manifests in RENDERED.items():
        for index, manifest in enumerate(manifests):
            (tmp_path / f"{case}-{index:02d}.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    report = checkov(tmp_path, "kubernetes")
    failed = [f"{c['check_id']} {c['resource']}" for c in report["failed"]]
    assert failed == []
    assert report["passed"] > 1000
    for skipped in report["skipped"]:
        # Skips come from the chart's checkov.io/skipN annotations, each with its reason.
        assert len(skipped["check_result"].get("suppress_comment") or "") > 20, skipped["check_id"]


def test_checkov_flags_an_insecure_manifest(tmp_path: Path) -> None:
    deployment = copy.deepcopy(next(m for m in RENDERED["default-values"] if m["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(deployment), encoding="utf-8")
    failed = {c["check_id"] for c in checkov(tmp_path, "kubernetes")["failed"]}
    assert "CKV_K8S_16" in failed  # privileged container
