"""Retries, idempotency, timeouts and fail-closed behaviour, through a fault-injecting proxy in
front of the real server (or a port where nothing listens)."""

from __future__ import annotations

import logging
import time

import pytest

from faramesh import errors
from faramesh.governed import govern
from faramesh.sdk.client import ExecutionGovernorClient

from conftest import unique
from support import Proxy, Server, unused_port


def _agent(url: str, server: Server, **kwargs) -> ExecutionGovernorClient:
    return ExecutionGovernorClient(url, token=server.agent_token("sdk-agent"), agent_id="sdk-agent", **kwargs)


def test_dropped_submit_response_is_retried_without_a_second_action(server: Server, agent) -> None:
    proxy = Proxy(server.url, lambda req, i: "drop" if i == 0 else "forward")
    try:
        marker = unique("drop")
        client = _agent(proxy.url, server, backoff=0.01)
        action = client.submit_action("http", "get", {"url": f"https://{marker}.example"})
        assert action["status"] == "allowed"
        submits = [r for r in proxy.requests if r.method == "POST" and r.path == "/v1/actions"]
        assert len(submits) == 2, "the first answer was dropped, so the client must have sent it again"
        assert submits[0].headers["idempotency-key"] == submits[1].headers["idempotency-key"]
        matching = [a for a in agent.list_actions(limit=1000, agent_id="sdk-agent")
                    if a["params"].get("url") == f"https://{marker}.example"]
        assert [a["id"] for a in matching] == [action["id"]]
    finally:
        proxy.close()


def test_each_logical_submit_gets_its_own_key(server: Server) -> None:
    proxy = Proxy(server.url)
    try:
        client = _agent(proxy.url, server)
        a = client.submit_action("http", "get", {"url": "https://same.example"})
        b = client.submit_action("http", "get", {"url": "https://same.example"})
        assert a["id"] != b["id"]
        keys = [r.headers["idempotency-key"] for r in proxy.requests if r.path == "/v1/actions"]
        assert len(set(keys)) == 2
        assert all(r.headers.get("content-type") == "application/json" for r in proxy.requests if r.method == "POST")
    finally:
        proxy.close()


def test_dropped_start_and_result_answers_are_recovered(server: Server, agent) -> None:
    action = agent.submit_action("http", "get", {"url": "https://transitions.example"})
    state = {"dropped": 0}

    def rule(req, i):
        if req.method == "POST" and req.path.endswith(("/start", "/result")) and state["dropped"] < 2:
            state["dropped"] += 1
            return "drop"
        return "forward"

    proxy = Proxy(server.url, rule)
    try:
        client = _agent(proxy.url, server, backoff=0.01)
        assert client.start_action(action["id"])["status"] == "executing"
        assert client.report_result(action["id"], True)["status"] == "succeeded"
        events = [e["event_type"] for e in agent.get_events(action["id"])]
        assert events == ["created", "decision_made", "started", "succeeded"]
        assert state["dropped"] == 2
    finally:
        proxy.close()


def test_503_is_retried_with_backoff(server: Server) -> None:
    proxy = Proxy(server.url, lambda req, i: "503" if i < 2 else "forward")
    try:
        client = _agent(proxy.url, server, retries=3, backoff=0.01)
        assert client.submit_action("http", "get", {"url": "https://retry.example"})["status"] == "allowed"
        assert len(proxy.requests) == 3
    finally:
        proxy.close()


def test_503_after_every_retry_is_unreachable(server: Server) -> None:
    proxy = Proxy(server.url, lambda req, i: "503")
    try:
        client = _agent(proxy.url, server, retries=2, backoff=0.01)
        with pytest.raises(errors.GatekeeperUnreachable) as err:
            client.list_actions()
        assert err.value.status_code == 503
        assert len(proxy.requests) == 3
    finally:
        proxy.close()


def test_4xx_is_not_retried(server: Server) -> None:
    proxy = Proxy(server.url)
    try:
        client = ExecutionGovernorClient(proxy.url, token="wrong", retries=3)
        with pytest.raises(errors.AuthError):
            client.list_actions()
        assert len(proxy.requests) == 1
    finally:
        proxy.close()


def test_server_down_fails_closed(server: Server) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    client = ExecutionGovernorClient(url, token="t", retries=2, backoff=0.01)
    with pytest.raises(errors.GatekeeperUnreachable):
        client.submit_action("http", "get", {}, agent_id="sdk-agent")
    ran = []
    with pytest.raises(errors.GatekeeperUnreachable):
        govern(client, agent_id="sdk-agent", tool="http", operation="get", params={}, run=lambda: ran.append(1))
    assert ran == []


def test_fail_open_is_opt_in_and_warns_per_call(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{unused_port()}"
    client = ExecutionGovernorClient(url, token="t", retries=0, fail_open=True)
    with caplog.at_level(logging.WARNING, logger="faramesh"):
        assert govern(client, agent_id="sdk-agent", tool="http", operation="get", params={}, run=lambda: "ran") == "ran"
        assert govern(client, agent_id="sdk-agent", tool="http", operation="get", params={}, run=lambda: "again") == "again"
    warnings = [r for r in caplog.records if "FAIL-OPEN" in r.getMessage()]
    assert len(warnings) == 2
    # Fail-open never overrides a decision: a reachable server's denial still stops the tool.
    live = _agent(server.url, server, fail_open=True)
    with pytest.raises(errors.ActionDenied):
        govern(live, agent_id="sdk-agent", tool="database", operation="drop", params={}, run=lambda: "no")


def test_request_timeout(server: Server) -> None:
    proxy = Proxy(server.url, lambda req, i: "hang")
    try:
        client = _agent(proxy.url, server, timeout=0.3, retries=1, backoff=0.01)
        started = time.monotonic()
        with pytest.raises(errors.RequestTimeout) as err:
            client.get_action("00000000-0000-0000-0000-000000000000")
        assert isinstance(err.value, errors.GatekeeperUnreachable)
        assert isinstance(err.value, errors.FarameshTimeoutError)
        assert len(proxy.requests) == 2
        assert time.monotonic() - started < 10
        ran = []
        with pytest.raises(errors.GatekeeperUnreachable):
            govern(client, agent_id="sdk-agent", tool="http", operation="get", params={}, run=lambda: ran.append(1))
        assert ran == []
    finally:
        proxy.close()


def test_keep_alive_connection_survives_server_side_close(server: Server) -> None:
    client = _agent(server.url, server)
    first = client.submit_action("http", "get", {"url": "https://ka.example"})
    # Close the pooled socket under the client, as an idle timeout on the server would.
    conn = client._transport._local.conn
    assert conn is not None and conn.sock is not None
    import socket
    conn.sock.shutdown(socket.SHUT_RDWR)
    assert client.get_action(first["id"])["id"] == first["id"]
