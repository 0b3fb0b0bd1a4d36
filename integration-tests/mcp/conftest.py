from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients import SERVER_NAME
from gatekeeper import Gatekeeper, start_gatekeeper

GATEKEEPER_PORT = 18401


@pytest.fixture(scope="session")
def gk() -> Iterator[Gatekeeper]:
    bin_path = os.environ.get("FARAMESH_BIN")
    if not bin_path:
        raise RuntimeError("set FARAMESH_BIN to the faramesh binary (scripts/test-mcp.sh BIN does)")
    gatekeeper = start_gatekeeper(bin_path, GATEKEEPER_PORT, SERVER_NAME)
    yield gatekeeper
    gatekeeper.stop()
    log = Path(gatekeeper.log_path).read_text(errors="replace")
    for token in (gatekeeper.admin_token, gatekeeper.agent_token, gatekeeper.approver_token):
        assert token not in log, "a token leaked into the gatekeeper's log"


@pytest.fixture
def log(tmp_path: Path) -> str:
    """The test server's record of executed calls."""
    return str(tmp_path / "calls.jsonl")
