"""Byte-level and failure behaviour of the proxy: raw JSON-RPC over stdio, crashes, shutdown, auth."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import anyio
import pytest

from clients import LISTEN_TOKEN, RawProxy, background, dump, executed, next_port, proxy_command, server_command, session, wait_http
from gatekeeper import Gatekeeper


def raw_proxy(gk: Gatekeeper, log: str, *extra: str) -> RawProxy:
    env = dict(os.environ, MCP_TEST_LOG=log)
    return RawProxy(proxy_command(gk, *extra) + ["--", *server_command()], env)


def raw_direct(log: str) -> RawProxy:
    return RawProxy(server_command(), dict(os.environ, MCP_TEST_LOG=log))


def list_tools_bytes(client: RawProxy) -> bytes:
    client.initialize()
    client.send({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    deadline = time.monotonic() + 15
    while True:
        line = client.receive(max(0.1, deadline - time.monotonic()))
        if json.loads(line).get("id") == 1:
            return line


def test_tools_list_is_byte_for_byte_the_servers(gk: Gatekeeper, log: str) -> None:
    direct = raw_direct(log)
    try:
        expected = list_tools_bytes(direct)
    finally:
        direct.close()
    proxy = raw_proxy(gk, log)
    try:
        assert list_tools_bytes(proxy) == expected
    finally:
        proxy.close()


def test_bad_input_gets_clear_json_rpc_errors(gk: Gatekeeper, log: str) -> None:
    proxy = raw_proxy(gk, log)
    try:
        proxy.initialize()
        proxy.send(b"this is not json")
        error = proxy.receive_json()
        assert error["id"] is None and error["error"]["code"] == -32700
        proxy.send(b"[]")
        assert proxy.receive_json()["error"]["code"] == -32600
        proxy.send({"jsonrpc": "1.0", "id": 7, "method": "ping"})
        assert proxy.response(7)["error"]["code"] == -32600
        # Unknown methods are the server's to answer: its error comes back byte for byte.
        unknown = {"jsonrpc": "2.0", "id": 8, "method": "no/such/method"}
        direct = raw_direct(log)
        try:
            direct.initialize()
            direct.send(unknown)
            expected = direct.receive()
        finally:
            direct.close()
        proxy.send(unknown)
        answer = proxy.receive()
        assert answer == expected
        assert json.loads(answer)["error"]["code"] in (-32601, -32602)  # 1.x FastMCP says -32602
        proxy.send({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"arguments": {}}})
        missing = proxy.response(9)
        assert missing["error"]["code"] == -32602 and "name" in missing["error"]["message"]
        proxy.send({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {"name": "echo", "arguments": [1]}})
        assert proxy.response(10)["error"]["code"] == -32602
        proxy.send({"jsonrpc": "2.0", "id": 11, "method": "ping"})
        assert proxy.response(11) == {"jsonrpc": "2.0", "id": 11, "result": {}}
        assert executed(log, "echo") == []
    finally:
        assert proxy.close() == 0


def test_cancellation_stops_the_wait_and_the_action_stays_pending(gk: Gatekeeper, log: str) -> None:
    path = f"/srv/{uuid.uuid4().hex}"
    proxy = raw_proxy(gk, log, "--hold", "60s")
    try:
        proxy.initialize()
        proxy.send({"jsonrpc": "2.0", "id": 21, "method": "tools/call",
                    "params": {"name": "delete_file", "arguments": {"path": path}}})
        action = gk.wait_for_action("delete_file", "pending_approval", path=path)
        proxy.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 21, "reason": "user"}})
        proxy.send({"jsonrpc": "2.0", "id": 22, "method": "ping"})
        # The cancelled request gets no response; the next one is answered at once.
        assert proxy.receive_json() == {"jsonrpc": "2.0", "id": 22, "result": {}}
        assert gk.action(action["id"])["status"] == "pending_approval"
        # Approve, then retry with the same id-less identity: the same action runs.
        gk.decide(action["id"], True, "go")
        proxy.send({"jsonrpc": "2.0", "id": 23, "method": "tools/call",
                    "params": {"name": "delete_file", "arguments": {"path": path}}})
        answer = proxy.response(23)
        assert answer["result"]["content"][0]["text"] == f"deleted {path}"
        assert gk.wait_for_action("delete_file", "succeeded", path=path)["id"] == action["id"]
    finally:
        proxy.close()


def test_server_killed_mid_call_gives_an_error_and_the_proxy_exits(gk: Gatekeeper, log: str) -> None:
    proxy = raw_proxy(gk, log)
    try:
        proxy.initialize()
        proxy.send({"jsonrpc": "2.0", "id": 31, "method": "tools/call", "params": {"name": "slow", "arguments": {"seconds": 60}}})
        deadline = time.monotonic() + 15
        while not executed(log, "slow"):
            assert time.monotonic() < deadline, "slow never started"
            time.sleep(0.05)
        pid = executed(log, "slow")[0]["pid"]
        os.kill(pid, signal.SIGKILL)
        answer = proxy.response(31, timeout=10)
        assert answer["error"]["code"] == -32002
        assert "files" in answer["error"]["message"] and "exited" in answer["error"]["message"]
        assert proxy.process.wait(timeout=10) != 0
        assert not os.path.exists(f"/proc/{pid}"), "the killed server was not reaped"
    finally:
        proxy.close()
    action = gk.wait_for_action("slow", "failed")
    assert gk.events(action["id"])[-2:] == ["started", "failed"]


@pytest.mark.anyio
async def test_server_killed_mid_call_with_the_mcp_client(gk: Gatekeeper, log: str) -> None:
    try:
        from mcp.shared.exceptions import MCPError as McpError  # mcp 2.x
    except ImportError:
        from mcp.shared.exceptions import McpError  # mcp 1.x

    async with session("stdio", gk, log) as proxied:
        async def kill_when_started() -> None:
            while not executed(log, "slow"):
                await anyio.sleep(0.05)
            os.kill(executed(log, "slow")[0]["pid"], signal.SIGKILL)

        async with anyio.create_task_group() as group:
            group.start_soon(kill_when_started)
            with anyio.fail_after(20), pytest.raises(McpError) as raised:
                await proxied.call_tool("slow", {"seconds": 60})
    assert "exited" in str(raised.value)


def test_server_garbage_gives_an_error_not_a_hang(gk: Gatekeeper, log: str) -> None:
    # The SDK servers protect their stdout, so a raw server plays the broken one.
    command = proxy_command(gk) + ["--", sys.executable, str(Path(__file__).parent / "bench_server.py")]
    proxy = RawProxy(command, dict(os.environ, MCP_TEST_LOG=log))
    try:
        proxy.initialize()
        proxy.send({"jsonrpc": "2.0", "id": 41, "method": "tools/call", "params": {"name": "garbage", "arguments": {}}})
        answer = proxy.response(41, timeout=15)
        assert answer["error"]["code"] == -32002 and "not JSON-RPC" in answer["error"]["message"]
    finally:
        proxy.close()


def test_client_going_away_ends_the_proxy_and_reaps_the_server(gk: Gatekeeper, log: str) -> None:
    proxy = raw_proxy(gk, log)
    proxy.initialize()
    proxy.send({"jsonrpc": "2.0", "id": 51, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "x"}}})
    proxy.response(51)
    server_pid = executed(log, "echo")[0]["pid"]
    assert proxy.close() == 0
    deadline = time.monotonic() + 10
    while os.path.exists(f"/proc/{server_pid}"):
        assert time.monotonic() < deadline, "the server process is still there (not reaped)"
        time.sleep(0.05)
    # The server's stderr was passed through.
    assert any(b"mcp-test-server: started" in line for line in proxy.stderr)


def test_sigterm_ends_the_proxy_and_the_server(gk: Gatekeeper, log: str) -> None:
    proxy = raw_proxy(gk, log)
    proxy.initialize()
    proxy.send({"jsonrpc": "2.0", "id": 61, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "y"}}})
    proxy.response(61)
    server_pid = executed(log, "echo")[0]["pid"]
    proxy.process.send_signal(signal.SIGTERM)
    assert proxy.process.wait(timeout=15) == 128 + signal.SIGTERM
    assert not os.path.exists(f"/proc/{server_pid}")


def test_http_listener_requires_the_bearer_token(gk: Gatekeeper, log: str) -> None:
    port = next_port()
    command = proxy_command(gk, "--listen", f"127.0.0.1:{port}", "--listen-token", LISTEN_TOKEN, "--", *server_command())
    with background(command, dict(os.environ, MCP_TEST_LOG=log)) as proxy:
        wait_http(f"http://127.0.0.1:{port}/mcp", proxy)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                           "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                      "clientInfo": {"name": "x", "version": "1"}}}).encode()
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=body, method="POST",
                                             headers={"Content-Type": "application/json",
                                                      "Accept": "application/json, text/event-stream", **headers})
            with pytest.raises(urllib.error.HTTPError) as raised:
                urllib.request.urlopen(request, timeout=5)
            assert raised.value.code == 401
        request = urllib.request.Request(f"http://127.0.0.1:{port}/mcp", data=b"{not json", method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "text/event-stream",
                                                  "Authorization": f"Bearer {LISTEN_TOKEN}"})
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=5)
        assert raised.value.code == 400
        assert json.loads(raised.value.read())["error"]["code"] == -32700


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_annotations_of_a_tool_the_client_never_listed_are_learnt(gk: Gatekeeper, log: str) -> None:
    path = f"/srv/{uuid.uuid4().hex}"
    proxy = raw_proxy(gk, log, "--hold", "1s")
    try:
        proxy.initialize()
        proxy.send({"jsonrpc": "2.0", "id": 71, "method": "tools/call",
                    "params": {"name": "delete_file", "arguments": {"path": path}}})
        # The proxy's own tools/list answer is not passed to the client: the next message is ours.
        answer = proxy.receive_json(timeout=20)
        assert answer["id"] == 71 and answer["result"]["isError"] is True
    finally:
        proxy.close()
    action = gk.wait_for_action("delete_file", "pending_approval", path=path)
    context = action["context"]
    assert context["mcp.listed"] is True
    assert context["mcp.destructiveHint"] is True and context["mcp.readOnlyHint"] is False
    assert context["mcp.annotations"]["destructiveHint"] is True
    assert context["mcp.client.name"] == "raw-test-client" and context["mcp.client.version"] == "1.0"
    assert context["mcp.protocolVersion"] == "2025-11-25"
    assert executed(log, "delete_file") == []
