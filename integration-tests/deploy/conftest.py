"""Shared fixtures of the deployment tests (integration-tests/deploy, run by scripts/test-deploy.sh BIN)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import postgres  # noqa: E402
from support.stack import Stack  # noqa: E402


@pytest.fixture(scope="session")
def binary() -> Path:
    """The faramesh binary under test (FARAMESH_BIN; scripts/test-deploy.sh sets it from its argument)."""
    value = os.environ.get("FARAMESH_BIN")
    if not value:
        pytest.fail("FARAMESH_BIN is not set: run scripts/test-deploy.sh PATH_TO_FARAMESH")
    path = Path(value).resolve()
    if not os.access(path, os.X_OK):
        pytest.fail(f"FARAMESH_BIN={value} is not an executable")
    return path


@pytest.fixture(scope="session")
def database_dsn() -> Iterator[str]:
    """A fresh database on the test PostgreSQL ($FARAMESH_TEST_POSTGRES_DSN), dropped afterwards."""
    base = os.environ.get("FARAMESH_TEST_POSTGRES_DSN")
    if not base:
        pytest.fail("FARAMESH_TEST_POSTGRES_DSN is not set: run scripts/test-deploy.sh")
    with postgres.scratch_database(base, f"faramesh_deploy_{os.getpid()}") as dsn:
        yield dsn


@pytest.fixture(scope="session")
def stack(binary: Path, database_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator["Stack"]:
    """Two replicas started exactly as the chart renders them (integration-tests/deploy/values-local.yaml)."""
    from support.stack import start

    with start(binary, database_dsn, tmp_path_factory.mktemp("stack")) as running:
        yield running
