"""A real `faramesh serve` per test module, on loopback ports 18300-18398 (issue 10 probes)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
import uuid
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "security-admin-token-0123456789abcdef"
PORTS = range(18300, 18399)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300-18398")


@dataclass
class Server:
    """One running server; `stop()` ends it."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    scheme: str = "http"
    workdir: Path = field(default_factory=Path)
    #: Database tokens: an agent whose name is its agent id, and an approver.
    agent: str = ""
    agent_token: str = ""
    approver_token: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def request(self, method: str, path: str, body: bytes | None = None, token: str | None = ADMIN_TOKEN,
                timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def json(self, method: str, path: str, value: object | None = None, token: str | None = ADMIN_TOKEN) -> tuple[int, object]:
        body = None if value is None else json.dumps(value).encode()
        status, _, data = self.request(method, path, body, token)
        return status, json.loads(data) if data else None


def start_server(args: list[str], env: dict[str, str] | None = None, prefix: list[str] | None = None,
                 backend: str = "sqlite", tls: bool = False) -> Server:
    binary = os.environ["FARAMESH_BIN"]
    workdir = Path(tempfile.mkdtemp(prefix="faramesh-security-"))
    port = free_port()
    log_path = workdir / "serve.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}
    environment.update({"FARAMESH_TOKEN": ADMIN_TOKEN, "HOME": str(workdir), "FARAMESH_LOG_LEVEL": "warning"})
    if backend == "sqlite":
        database = ["--db-backend", "sqlite", "--sqlite-path", str(workdir / "actions.db")]
    else:
        database = ["--db-backend", "postgres", "--dsn", os.environ["SECURITY_POSTGRES_DSN"]]
    environment.update(env or {})
    suffix = uuid.uuid4().hex[:8]
    tokens = {}
    for role in ("agent", "approver"):
        created = subprocess.run([binary, "token", "create", "--name", f"sec-{role}-{suffix}", "--role", role, "--json"]
                                 + database, env=environment, cwd=workdir, capture_output=True, text=True, check=True)
        tokens[role] = json.loads(created.stdout)["token"]
    command = (prefix or []) + [binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--policy", str(ROOT / "policies" / "default.yaml")] + database + args
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=workdir)
    server = Server(port=port, process=process, log_path=log_path, scheme="https" if tls else "http", workdir=workdir,
                    agent=f"sec-agent-{suffix}", agent_token=tokens["agent"], approver_token=tokens["approver"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {server.log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if tls:
                    return server
                if server.request("GET", "/health", token=None, timeout=2)[0] == 200:
                    return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start: {server.log()}")


@pytest.fixture
def launch() -> Iterator[type]:
    """`launch(args, ...)` starts a server that is stopped after the test."""
    started: list[Server] = []

    def run(args: list[str] | None = None, **kwargs: object) -> Server:
        server = start_server(args or [], **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield run  # type: ignore[misc]
    for server in started:
        server.stop()


def backends() -> list[str]:
    return ["sqlite", "postgres"] if os.environ.get("SECURITY_POSTGRES_DSN") else ["sqlite"]
