"""Renders and lints helm/faramesh through Helm's Go SDK (PyPI helm-python-sdk), no helm binary or cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import helm_python as helm
import yaml

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "helm" / "faramesh"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
RELEASE = "faramesh"
NAMESPACE = "faramesh"

Manifest = Dict[str, Any]


def load_values(path: Path) -> Dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict), f"{path}: values must be a mapping"
    return data


def render_templates(values: Dict[str, Any], *, release: str = RELEASE, namespace: str = NAMESPACE,
                     is_upgrade: bool = False) -> Dict[str, str]:
    """Template path -> rendered text, like `helm template` (hooks and tests included, NOTES.txt too)."""
    with helm.Chart.load(CHART) as chart:
        return chart.render(values=values, name=release, namespace=namespace,
                            is_install=not is_upgrade, is_upgrade=is_upgrade)


def render(values: Dict[str, Any], **kwargs: Any) -> List[Manifest]:
    """Every Kubernetes object the chart renders for these values."""
    documents: List[Manifest] = []
    for path, text in sorted(render_templates(values, **kwargs).items()):
        if path.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document is not None:
                documents.append(document)
    return documents


def lint(values: Dict[str, Any], *, kube_version: Optional[str] = None) -> Dict[str, Any]:
    return helm.lint(CHART, values, strict=True, namespace=NAMESPACE, kube_version=kube_version)


def find(manifests: List[Manifest], kind: str, name: Optional[str] = None) -> List[Manifest]:
    return [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]


def one(manifests: List[Manifest], kind: str) -> Manifest:
    found = find(manifests, kind)
    assert len(found) == 1, f"expected one {kind}, got {[m['metadata']['name'] for m in found]}"
    return found[0]


def hook_of(manifest: Manifest) -> Optional[str]:
    return (manifest["metadata"].get("annotations") or {}).get("helm.sh/hook")
