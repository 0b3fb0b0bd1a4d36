"""The top-level Dockerfile: hadolint, checkov, what the issue asks of it, and one source with `faramesh init-docker`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support.chart import REPO
from support.dockerfile import DOCKERFILE, image_environment, instructions
from test_manifests_validate import checkov


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("hadolint", path=os.environ.get("PATH")) or "hadolint"
    return subprocess.run([executable, "--no-color", str(path)], capture_output=True, text=True, timeout=120)


def test_hadolint_clean() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_flags_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM ubuntu\nRUN apt-get install curl\nCMD faramesh serve\n", encoding="utf-8")
    result = hadolint(bad)
    assert result.returncode != 0
    assert "DL3006" in result.stdout and "DL3025" in result.stdout


def test_checkov_dockerfile(tmp_path: Path) -> None:
    report = checkov(tmp_path, "dockerfile", DOCKERFILE)
    assert [c["check_id"] for c in report["failed"]] == []
    assert report["skipped"] == []
    assert report["passed"] >= 10


def test_multi_stage_non_root_read_only_friendly() -> None:
    steps = instructions()
    froms = [args for name, args in steps if name == "FROM"]
    assert froms[0].startswith("swift:6.3") and froms[0].endswith(" AS build") and len(froms) == 2
    build = next(args for name, args in steps if name == "RUN" and "build-release.sh" in args)
    assert "bash scripts/build-release.sh" in build and "*.resources" in build  # migrations are resource bundles
    assert ("USER", "10001:10001") in steps
    assert ("STOPSIGNAL", "SIGTERM") in steps
    assert ("EXPOSE", "8000") in steps
    assert ("VOLUME", '["/data"]') in steps
    assert any(name == "HEALTHCHECK" and "/health" in args for name, args in steps)
    assert ("COPY", "policies /etc/faramesh/policies") in steps
    env = image_environment()
    assert env["FARAMESH_SQLITE_PATH"].startswith("/data/") and env["FARAMESH_LEDGER_KEY_FILE"].startswith("/data/")
    # The runtime stage installs nothing but CA roots, time zones and libcurl (FoundationNetworking,
    # which the MCP SDK links; the static Swift runtime does not carry it).
    runtime_run = [args for name, args in steps if name == "RUN" and "apt-get install" in args]
    assert len(runtime_run) == 1
    assert re.findall(r"--no-install-recommends ([\w\s-]+?) &&", runtime_run[0]) == ["ca-certificates tzdata libcurl4t64"]


def test_healthcheck_command_probes_health(binary: Path, tmp_path: Path) -> None:
    """Runs the image's HEALTHCHECK command against a real server (and against nothing: it must fail)."""
    healthcheck = next(args for name, args in instructions() if name == "HEALTHCHECK")
    command = json.loads(healthcheck[healthcheck.index("CMD ") + 4:])
    assert command[:2] == ["bash", "-c"]
    script = command[2]
    port = 18540
    server = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--sqlite-path", str(tmp_path / "a.db"), "--ledger-key-file", str(tmp_path / "k")],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = {"PATH": os.environ["PATH"], "FARAMESH_PORT": str(port)}
        for _ in range(100):
            if subprocess.run(["bash", "-c", script], env=env, timeout=10).returncode == 0:
                break
            if server.poll() is not None:
                pytest.fail("server exited")
            subprocess.run(["sleep", "0.1"])
        else:
            pytest.fail("the HEALTHCHECK command never succeeded")
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert subprocess.run(["bash", "-c", script], env={**env, "FARAMESH_PORT": "18541"}, timeout=10).returncode != 0


def test_init_docker_writes_this_dockerfile(binary: Path, tmp_path: Path) -> None:
    result = subprocess.run([str(binary), "init-docker"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "Dockerfile").read_text(encoding="utf-8") == DOCKERFILE.read_text(encoding="utf-8")
    check = subprocess.run(["bash", str(REPO / "scripts" / "gen-dockerfile-template.sh"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_dockerignore_keeps_secrets_and_build_products_out() -> None:
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in [".build/", ".env", "data/", ".venv*/"]:
        assert entry in ignored
