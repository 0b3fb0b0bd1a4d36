"""Ways to reach the test MCP server: directly, and through `faramesh mcp-proxy` in each mode."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from gatekeeper import Gatekeeper

try:  # mcp 2.x
    import httpx2 as httpx
except ImportError:  # mcp 1.x
    import httpx

HERE = Path(__file__).resolve().parent
SERVER = str(HERE / "mcp_test_server.py")
SERVER_NAME = "files"
LISTEN_TOKEN = "mcp-listen-secret-token"
DEAD_PORT = 18499
_ports = itertools.count(18410)


def next_port() -> int:
    port = next(_ports)
    if port >= DEAD_PORT:
        raise RuntimeError("out of test ports")
    return port


def dump(model: Any) -> Any:
    """The wire form (camelCase) of a result model of either mcp major version."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def proxy_command(gk: Gatekeeper, *extra: str, gatekeeper_url: str | None = None) -> list[str]:
    return [gk.bin, "mcp-proxy", "--name", SERVER_NAME, "--gatekeeper", gatekeeper_url or gk.base_url,
            "--token", gk.agent_token, "--heartbeat", "1s", *extra]


def server_command(mode: str = "stdio", port: int | None = None) -> list[str]:
    return [sys.executable, SERVER, mode, *([str(port)] if port else [])]


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (401, 405, 406 ...)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@contextlib.contextmanager
def background(command: list[str], env: dict[str, str]) -> Any:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=None)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.asynccontextmanager
async def session(kind: str, gk: Gatekeeper, log: str, *extra: str,
                  gatekeeper_url: str | None = None) -> AsyncIterator[ClientSession]:
    """An initialized ClientSession. kind: direct | stdio | http | http-upstream."""
    env = dict(os.environ, MCP_TEST_LOG=log)
    async with contextlib.AsyncExitStack() as stack:
        if kind == "direct":
            command = server_command()
        elif kind == "stdio":
            command = proxy_command(gk, *extra, gatekeeper_url=gatekeeper_url) + ["--", *server_command()]
        elif kind == "http-upstream":
            port = next_port()
            upstream = stack.enter_context(background(server_command("http", port), env))
            wait_http(f"http://127.0.0.1:{port}/mcp", upstream)
            command = proxy_command(gk, *extra, "--upstream", f"http://127.0.0.1:{port}/mcp", gatekeeper_url=gatekeeper_url)
        elif kind == "http":
            port = next_port()
            command = proxy_command(gk, *extra, "--listen", f"127.0.0.1:{port}", "--listen-token", LISTEN_TOKEN,
                                    gatekeeper_url=gatekeeper_url) + ["--", *server_command()]
            proxy = stack.enter_context(background(command, env))
            wait_http(f"http://127.0.0.1:{port}/mcp", proxy)
            client = httpx.AsyncClient(headers={"Authorization": f"Bearer {LISTEN_TOKEN}"},
                                       timeout=httpx.Timeout(30, read=300))
            await stack.enter_async_context(client)
            streams = await stack.enter_async_context(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=client))
            mcp = await stack.enter_async_context(ClientSession(streams[0], streams[1]))
            await mcp.initialize()
            yield mcp
            return
        else:
            raise ValueError(kind)
        params = StdioServerParameters(command=command[0], args=command[1:], env=env)
        read, write = await stack.enter_async_context(stdio_client(params))
        mcp = await stack.enter_async_context(ClientSession(read, write))
        await mcp.initialize()
        yield mcp


def executed(log: str, tool: str) -> list[dict[str, Any]]:
    """The calls of `tool` the test server ran."""
    if not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as f:
        return [entry for entry in map(json.loads, f) if entry["tool"] == tool]


class RawProxy:
    """The stdio proxy driven with raw JSON-RPC lines (for bad input and byte-level checks)."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout
        for line in self.process.stdout:
            self.lines.put(line.rstrip(b"\n"))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr
        for line in self.process.stderr:
            self.stderr.append(line)

    def send(self, message: Any) -> None:
        assert self.process.stdin
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = 15) -> bytes:
        line = self.lines.get(timeout=timeout)
        if line is None:
            raise EOFError("the proxy closed stdout")
        return line

    def receive_json(self, timeout: float = 15) -> dict[str, Any]:
        return json.loads(self.receive(timeout))

    def response(self, request_id: Any, timeout: float = 15) -> dict[str, Any]:
        """The response to `request_id` (notifications before it are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive_json(max(0.1, deadline - time.monotonic()))
            if message.get("id") == request_id and "method" not in message:
                return message

    def initialize(self) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                   "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                              "clientInfo": {"name": "raw-test-client", "version": "1.0"}}})
        result = self.response(0)
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def close(self) -> int:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
