"""A real `faramesh serve` for the MCP gateway tests, and the API calls the tests make."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass
class Gatekeeper:
    bin: str
    port: int
    admin_token: str
    agent_token: str
    approver_token: str
    agent_name: str
    process: subprocess.Popen[bytes] | None = None
    workdir: str = ""
    log_path: str = ""
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token or self.admin_token}")
        if method == "POST":
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def actions(self, operation: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Actions of the test agent, newest first; filtered by operation and params values."""
        found = self.request("GET", f"/v1/actions?agent_id={self.agent_name}&limit=200")
        result = []
        for action in found:
            if operation and action["operation"] != operation:
                continue
            if any(action["params"].get(k) != v for k, v in params.items()):
                continue
            result.append(action)
        return result

    def action(self, action_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/actions/{action_id}", token=self.approver_token)

    def events(self, action_id: str) -> list[str]:
        return [e["event_type"] for e in self.request("GET", f"/v1/actions/{action_id}/events")]

    def wait_for_action(self, operation: str, status: str, timeout: float = 15.0, **params: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for action in self.actions(operation, **params):
                if action["status"] == status:
                    return action
            time.sleep(0.1)
        raise AssertionError(f"no {status} action {operation} {params}: {self.actions(operation, **params)}")

    def decide(self, action_id: str, approve: bool, reason: str) -> dict[str, Any]:
        token = self.action(action_id)["approval_token"]
        body = {"token": token, "approve": approve, "reason": reason}
        return self.request("POST", f"/v1/actions/{action_id}/approval", body, token=self.approver_token)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gatekeeper(bin_path: str, port: int, agent_name: str) -> Gatekeeper:
    workdir = tempfile.mkdtemp(prefix="faramesh-mcp-tests-")
    env = dict(os.environ)
    env.update({
        "FARAMESH_DB_BACKEND": "sqlite",
        "FARAMESH_SQLITE_PATH": os.path.join(workdir, "actions.db"),
        "FARAMESH_POLICY_FILE": str(HERE / "policy.yaml"),
    })
    for key in ("FARAMESH_POSTGRES_DSN", "FARA_POSTGRES_DSN", "DATABASE_URL", "FARA_DB_BACKEND", "FARAMESH_BASE_URL"):
        env.pop(key, None)
    subprocess.run([bin_path, "migrate"], env=env, check=True, cwd=workdir, capture_output=True)

    def token(name: str, role: str) -> str:
        out = subprocess.run([bin_path, "token", "create", "--name", name, "--role", role, "--json"],
                             env=env, check=True, cwd=workdir, capture_output=True)
        return json.loads(out.stdout)["token"]

    agent_token = token(agent_name, "agent")
    approver_token = token("mcp-test-approver", "approver")
    admin_token = "mcp-admin-" + secrets.token_hex(16)
    log_path = os.path.join(workdir, "serve.log")
    serve_env = dict(env, FARAMESH_TOKEN=admin_token)
    log = open(log_path, "wb")
    process = subprocess.Popen([bin_path, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=serve_env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    gk = Gatekeeper(bin_path, port, admin_token, agent_token, approver_token, agent_name, process, workdir, log_path, env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("faramesh serve exited: " + Path(log_path).read_text())
        try:
            with urllib.request.urlopen(gk.base_url + "/ready", timeout=1):
                return gk
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    gk.stop()
    raise RuntimeError("faramesh serve did not become ready: " + Path(log_path).read_text())
