"""Strict validation of Prometheus Operator objects (ServiceMonitor, PrometheusRule).

kubernetes-validate only knows built-in kinds. These objects are checked against the pydantic models that
cloudcoil generates from the prometheus-operator CRDs (v0.80): types through the models, and, since the
models accept unknown fields, every key is also checked to be a field of its model (a typo fails).
"""

from __future__ import annotations

import typing
from typing import Any, List, Type

import pydantic
from cloudcoil.models.prometheus_operator import v1

KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor"): v1.ServiceMonitor,
         ("monitoring.coreos.com/v1", "PrometheusRule"): v1.PrometheusRule}


def is_custom(manifest: dict) -> bool:
    return (manifest.get("apiVersion"), manifest.get("kind")) in KINDS


def _models_in(annotation: Any) -> List[Type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _unknown_keys(model: Type[pydantic.BaseModel], data: Any, path: str) -> List[str]:
    if not isinstance(data, dict):
        return []
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    fields.update({name: f for name, f in model.model_fields.items()})
    problems: List[str] = []
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            problems.append(f"{path}.{key}: not a field of {model.__name__}")
            continue
        for sub in _models_in(field.annotation):
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = f"{path}.{key}[{index}]" if isinstance(value, list) else f"{path}.{key}"
                problems += _unknown_keys(sub, item, where)
            break
    return problems


def validate(manifest: dict) -> None:
    """Raises ValueError naming every unknown key, or pydantic.ValidationError on a wrong type."""
    model = KINDS[(manifest["apiVersion"], manifest["kind"])]
    model.model_validate(manifest)
    problems = _unknown_keys(model, manifest, manifest["kind"])
    if problems:
        raise ValueError("; ".join(problems))
