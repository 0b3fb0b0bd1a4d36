"""Reads the top-level Dockerfile's instructions (continuation lines joined)."""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from support.chart import REPO

DOCKERFILE = REPO / "Dockerfile"


def instructions() -> List[Tuple[str, str]]:
    steps: List[Tuple[str, str]] = []
    current = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        name, _, args = current.partition(" ")
        steps.append((name.upper(), re.sub(r"\s+", " ", args).strip()))
        current = ""
    return steps


def image_environment() -> Dict[str, str]:
    """ENV of the runtime stage (what every container of the image starts with)."""
    env: Dict[str, str] = {}
    stage = 0
    for name, args in instructions():
        if name == "FROM":
            stage += 1
            env = {}
        elif name == "ENV":
            for key, value in re.findall(r"(\w+)=(\S+)", args):
                env[key] = value
    assert stage == 2
    return env
