"""Test support: a real `faramesh serve` with tokens, and a small fault-injecting HTTP proxy.

Ports come from the helper's loopback range (FARAMESH_TEST_PORT_BASE, default 18600, 100 ports).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
REPO_POLICY = HERE.parents[2] / "policies" / "default.yaml"
PORT_BASE = int(os.environ.get("FARAMESH_TEST_PORT_BASE", "18600"))
PORT_COUNT = int(os.environ.get("FARAMESH_TEST_PORT_COUNT", "100"))
_next_port = [PORT_BASE + 1]
_port_lock = threading.Lock()


def free_port() -> int:
    """The next bindable port of our range."""
    with _port_lock:
        for _ in range(PORT_COUNT):
            port = _next_port[0]
            _next_port[0] = PORT_BASE + 1 + (_next_port[0] - PORT_BASE) % (PORT_COUNT - 1)
            with socket.socket() as s:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port in the test range")


def unused_port() -> int:
    """A port of our range where nothing listens (connection refused)."""
    return free_port()


# ---------------------------------------------------------------------------------------------
# The server


@dataclass
class Server:
    url: str
    admin_token: str
    approver_token: str
    tokens: dict[str, str]
    process: subprocess.Popen
    log_path: Path
    bin: str
    env: dict[str, str] = field(default_factory=dict)

    def agent_token(self, name: str) -> str:
        return self.tokens[name]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


AGENTS = ("sdk-agent", "sdk-agent-2", "sdk-bench", "my-agent", "my-bot")


def _run(bin: str, args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run([bin, *args], env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"{bin} {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout


def _supports_agent_grants(bin: str, env: dict[str, str]) -> bool:
    out = subprocess.run([bin, "token", "create", "--help"], env=env, capture_output=True, text=True, timeout=30)
    return "--agent-id" in out.stdout + out.stderr


def _create_token(bin: str, env: dict[str, str], name: str, role: str, agent_ids: tuple[str, ...] = ()) -> str:
    args = ["token", "create", "--name", name, "--role", role, "--json"]
    if agent_ids and _supports_agent_grants(bin, env):
        # Servers that bind agent tokens to agent ids (issue 10) take extra grants; older ones
        # let any agent token act for any agent id.
        for grant in (name, *agent_ids):
            args += ["--agent-id", grant]
    return json.loads(_run(bin, args, env))["token"]


def start_server(bin: str, workdir: Path, *, port: Optional[int] = None, policy: Path = HERE / "policy.yaml",
                 with_tokens: bool = True, agents: tuple[str, ...] = AGENTS, approver_name: str = "sdk-approver",
                 agent_grants: Optional[dict[str, tuple[str, ...]]] = None,
                 extra_args: Optional[list[str]] = None, extra_env: Optional[dict[str, str]] = None) -> Server:
    """Start `faramesh serve` on loopback over a fresh SQLite file (or a fresh PostgreSQL
    database when FARAMESH_TEST_POSTGRES_DSN is set) and wait until it is ready."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FARAMESH_", "FARA_")) or k in ("FARAMESH_TEST_POSTGRES_DSN",)}
    env.pop("FARAMESH_TEST_POSTGRES_DSN", None)
    dsn = os.environ.get("FARAMESH_TEST_POSTGRES_DSN")
    if dsn:
        db = f"faramesh_pysdk_{os.getpid()}_{secrets.token_hex(3)}"
        subprocess.run(["psql", dsn, "-qc", f"CREATE DATABASE {db}"], check=True, capture_output=True)
        env.update(FARAMESH_DB_BACKEND="postgres", FARAMESH_POSTGRES_DSN=dsn.rsplit("/", 1)[0] + "/" + db)
    else:
        env.update(FARAMESH_DB_BACKEND="sqlite", FARAMESH_SQLITE_PATH=str(workdir / "actions.db"))
    env.update(extra_env or {})
    _run(bin, ["migrate"], env)
    tokens: dict[str, str] = {}
    admin = approver = ""
    serve_env = dict(env)
    if with_tokens:
        for name in agents:
            tokens[name] = _create_token(bin, env, name, "agent", (agent_grants or {}).get(name, ()))
        approver = _create_token(bin, env, approver_name, "approver")
        admin = "sdk-admin-" + secrets.token_hex(16)
        serve_env["FARAMESH_TOKEN"] = admin
    log_path = workdir / f"server-{port}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [bin, "serve", "--host", "127.0.0.1", "--port", str(port), "--policy", str(policy), *(extra_args or [])],
        env=serve_env, stdout=log, stderr=subprocess.STDOUT, cwd=str(workdir))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/ready", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"server not ready:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return Server(url, admin, approver, tokens, proc, log_path, bin, serve_env)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    db_url = server.env.get("FARAMESH_POSTGRES_DSN")
    admin_dsn = os.environ.get("FARAMESH_TEST_POSTGRES_DSN")
    if db_url and admin_dsn:
        db = db_url.rsplit("/", 1)[1].split("?")[0]
        subprocess.run(["psql", admin_dsn, "-qc", f"DROP DATABASE IF EXISTS {db}"], capture_output=True)


def approve_over_api(server: Server, action_id: str, approve: bool = True, reason: str = "test decision") -> dict:
    """Decide as the approver with plain urllib (what a human's UI would do)."""
    def call(method: str, path: str, body: Optional[dict] = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(server.url + path, data=data, method=method, headers={
            "Authorization": f"Bearer {server.approver_token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    action = call("GET", f"/v1/actions/{action_id}")
    return call("POST", f"/v1/actions/{action_id}/approval",
                {"token": action["approval_token"], "approve": approve, "reason": reason})


# ---------------------------------------------------------------------------------------------
# A fault-injecting proxy (one request per client connection)

Rule = Callable[["ProxyRequest", int], str]


@dataclass
class ProxyRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def _read_request(conn: socket.socket) -> Optional[ProxyRequest]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return ProxyRequest(method, path, headers, rest[:length])


class Proxy:
    """Forwards to ``upstream``; ``rule(request, index)`` may instead answer ``"503"``,
    ``"404"``, ``"hang"`` (never answer), ``"drop"`` (forward, then close without answering) or
    ``"cut-after-frame"`` (forward an event stream's first frame, then close)."""

    def __init__(self, upstream: str, rule: Optional[Rule] = None) -> None:
        host_port = upstream.split("//", 1)[1]
        host, _, port = host_port.partition(":")
        self.upstream = (host, int(port))
        self.rule: Rule = rule or (lambda req, i: "forward")
        self.requests: list[ProxyRequest] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(64)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def count(self, method: str, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.method == method and r.path.startswith(path_prefix))

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self._open.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            req = _read_request(conn)
            if req is None:
                return
            with self._lock:
                index = len(self.requests)
                self.requests.append(req)
            action = self.rule(req, index)
            if action == "503":
                body = b'{"detail":"try later","code":"SERVICE_UNAVAILABLE"}'
                conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                             b"Retry-After: 0\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                return
            if action == "404":
                body = b'{"detail":"no such route","code":"NOT_FOUND"}'
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                             b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                return
            if action == "hang":
                self._stop.wait(30)
                return
            up = socket.create_connection(self.upstream, timeout=30)
            with self._lock:
                self._open.append(up)
            headers = dict(req.headers)
            headers["connection"] = "close"
            head = f"{req.method} {req.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            up.sendall(head.encode("latin-1") + b"\r\n" + req.body)
            if action == "drop":
                # Let the server finish (a submit or transition is committed), then close without
                # answering. For an event stream stop at its response head: it never ends.
                received = b""
                while True:
                    chunk = up.recv(65536)
                    if not chunk:
                        break
                    received += chunk
                    if b"\r\n\r\n" in received and b"text/event-stream" in received.split(b"\r\n\r\n")[0]:
                        break
                return
            forwarded = b""
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    return
                conn.sendall(chunk)
                if action == "cut-after-frame":
                    # Forward the stream's head and its first event frame, then cut the connection.
                    forwarded += chunk
                    body = forwarded.partition(b"\r\n\r\n")[2]
                    data_at = body.find(b"data:")
                    if data_at >= 0 and body.find(b"\n\n", data_at) >= 0:
                        return
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        with self._lock:
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


def python_snippet_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}


__all__ = ["Server", "Proxy", "ProxyRequest", "start_server", "stop_server", "approve_over_api", "free_port",
           "unused_port", "HERE", "python_snippet_env"]
