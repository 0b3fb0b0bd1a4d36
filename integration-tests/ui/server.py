"""A real `faramesh serve` with tokens on, for the browser tests and the UI benchmark.

Bootstrap admin via FARAMESH_TOKEN; agent and approver tokens made with `faramesh token create`
(agent token names equal the agent ids they submit with). SQLite in a temporary folder, or a
fresh PostgreSQL database when FARAMESH_TEST_POSTGRES_DSN is set (as CI sets it).
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICY = """\
version: ui-test-1
rules:
  - name: http-get
    match: {tool: http, op: get}
    allow: true
    description: Read-only HTTP
    risk: low
  - name: shell-approval
    match: {tool: shell, op: "*"}
    require_approval: true
    description: Shell commands need a human
    risk: medium
  - name: default-deny
    match: {tool: "*", op: "*"}
    deny: true
    description: Everything else is denied
risk:
  rules:
    - name: dangerous_shell
      when: {tool: shell, pattern: "rm -rf|shutdown"}
      risk_level: high
"""

# Loopback ports this suite may use (the machine is shared); override with FARAMESH_UI_PORTS=LO-HI.
PORTS = os.environ.get("FARAMESH_UI_PORTS", "18100-18199")


def free_port() -> int:
    low, high = (int(p) for p in PORTS.split("-"))
    for port in range(low, high + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


class HTTPError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Server:
    binary: str
    base: str
    admin: str
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]
    workdir: Path
    log: Path
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cleanup: list[Any] = field(default_factory=list)

    def request(self, method: str, path: str, token: str | None, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if method == "POST":
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise HTTPError(error.code, parsed) from None
        return json.loads(text) if text else None

    def submit(self, agent: str, tool: str, operation: str, params: dict[str, Any],
               context: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submits with the token whose name is `agent` (agent ids equal token names)."""
        body = {"agent_id": agent, "tool": tool, "operation": operation, "params": params, "context": context or {}}
        return self.request("POST", "/v1/actions", self.tokens[agent], body)

    def decide(self, action_id: str, approver: str, approve: bool, reason: str | None = None) -> dict[str, Any]:
        token = self.tokens[approver]
        approval = self.request("GET", f"/v1/actions/{action_id}", token)["approval_token"]
        body: dict[str, Any] = {"token": approval, "approve": approve}
        if reason is not None:
            body["reason"] = reason
        return self.request("POST", f"/v1/actions/{action_id}/approval", token, body)

    def action(self, action_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/actions/{action_id}", self.admin)

    def events(self, action_id: str) -> list[dict[str, Any]]:
        return self.request("GET", f"/v1/actions/{action_id}/events", self.admin)

    def restart(self) -> None:
        """Stops the server (its SSE streams drop) and starts it again on the same port and data."""
        self.terminate()
        self.process = launch(self.command, self.env, self.workdir, self.log)
        wait_ready(self)

    def stop(self) -> None:
        self.terminate()
        for step in reversed(self.cleanup):
            step()

    def terminate(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


TOKENS = [("ui-agent", "agent"), ("ui-approver", "approver"), ("ui-approver-2", "approver"), ("bench-agent", "agent")]


def start(binary: str) -> Server:
    binary = str(Path(binary).resolve())
    workdir = Path(tempfile.mkdtemp(prefix="faramesh-ui-"))
    policy = workdir / "policy.yaml"
    policy.write_text(POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}
    cleanup: list[Any] = []
    dsn = os.environ.get("FARAMESH_TEST_POSTGRES_DSN")
    if dsn:
        database = f"faramesh_ui_{os.getpid()}_{secrets.token_hex(3)}"
        base_dsn = dsn.rsplit("/", 1)[0]
        subprocess.run(["psql", dsn, "-qc", f"CREATE DATABASE {database}"], check=True, capture_output=True)
        cleanup.append(lambda: subprocess.run(["psql", dsn, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                                              capture_output=True))
        env.update(FARAMESH_DB_BACKEND="postgres", FARAMESH_POSTGRES_DSN=f"{base_dsn}/{database}")
    else:
        env.update(FARAMESH_DB_BACKEND="sqlite", FARAMESH_SQLITE_PATH=str(workdir / "actions.db"))
    subprocess.run([binary, "migrate"], env=env, cwd=workdir, check=True, capture_output=True)
    tokens: dict[str, str] = {}
    for name, role in TOKENS:
        out = subprocess.run([binary, "token", "create", "--name", name, "--role", role, "--json"],
                             env=env, cwd=workdir, check=True, capture_output=True)
        tokens[name] = json.loads(out.stdout)["token"]
    admin = "ui-admin-" + secrets.token_hex(16)
    port = free_port()
    log = workdir / "serve.log"
    command = [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--policy", str(policy)]
    env = {**env, "FARAMESH_TOKEN": admin}
    process = launch(command, env, workdir, log)
    server = Server(binary, f"http://127.0.0.1:{port}", admin, tokens, process, workdir, log, command, env, cleanup)
    try:
        wait_ready(server)
    except Exception:
        server.stop()
        raise
    return server


def launch(command: list[str], env: dict[str, str], workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, cwd=workdir, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"faramesh serve exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.base + "/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"faramesh serve not ready:\n{server.log.read_text()}")
