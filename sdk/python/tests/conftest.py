"""Fixtures: one real `faramesh serve` (tokens on) per test session; FARAMESH_BIN names the binary."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import Server, start_server, stop_server  # noqa: E402

import faramesh  # noqa: E402
from faramesh.sdk.client import ExecutionGovernorClient  # noqa: E402


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    bin = os.environ.get("FARAMESH_BIN")
    if not bin:
        pytest.fail("FARAMESH_BIN must name the faramesh binary (scripts/test-python-sdk.sh sets it)")
    srv = start_server(bin, tmp_path_factory.mktemp("server"))
    try:
        yield srv
    finally:
        stop_server(srv)
        log = srv.log()
        for secret in (srv.admin_token, srv.approver_token, *srv.tokens.values()):
            assert secret not in log, "a token leaked into the server log"


@pytest.fixture
def agent(server: Server) -> ExecutionGovernorClient:
    """Client with the `sdk-agent` agent token (agent id must be `sdk-agent`)."""
    client = ExecutionGovernorClient(server.url, token=server.agent_token("sdk-agent"), agent_id="sdk-agent")
    yield client
    client.close()


@pytest.fixture
def approver(server: Server) -> ExecutionGovernorClient:
    client = ExecutionGovernorClient(server.url, token=server.approver_token)
    yield client
    client.close()


@pytest.fixture
def admin(server: Server) -> ExecutionGovernorClient:
    client = ExecutionGovernorClient(server.url, token=server.admin_token)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("FARAMESH_", "FARA_")) and name not in ("FARAMESH_BIN", "FARAMESH_TEST_POSTGRES_DSN",
                                                                     "FARAMESH_TEST_PORT_BASE"):
            monkeypatch.delenv(name, raising=False)
    yield
    faramesh.client._client = None
    faramesh.client._config_value = None
    faramesh._config.set_current(None)


def unique(prefix: str = "p") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
