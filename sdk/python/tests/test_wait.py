"""Approval waits: the SSE stream unblocks them (no polling), resume after a broken stream,
fallback to polling when the stream is unavailable, timeouts and expiry."""

from __future__ import annotations

import threading
import time

import pytest

from faramesh import errors
from faramesh.sdk.client import ExecutionGovernorClient

from support import Proxy, Server, approve_over_api


def _agent(url: str, server: Server, **kwargs) -> ExecutionGovernorClient:
    return ExecutionGovernorClient(url, token=server.agent_token("sdk-agent"), agent_id="sdk-agent", **kwargs)


def _decide_later(server: Server, action_id: str, approve: bool = True, delay: float = 0.5) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        approve_over_api(server, action_id, approve)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_sse_wait_is_unblocked_by_approval_without_polling(server: Server) -> None:
    proxy = Proxy(server.url)
    try:
        client = _agent(proxy.url, server)
        action = client.submit_action("shell", "run", {"cmd": "echo sse"})
        decider = _decide_later(server, action["id"], delay=1.0)
        decided = client.wait_for_decision(action["id"], timeout=30)
        decider.join()
        assert decided["status"] == "approved"
        assert proxy.count("GET", "/v1/events") == 1
        # events (cursor) + one status read before subscribing + one read of the final action:
        # a polling wait over one second would have read it many more times.
        assert proxy.count("GET", f"/v1/actions/{action['id']}") <= 3
        stream = next(r for r in proxy.requests if r.path.startswith("/v1/events"))
        assert f"action_id={action['id']}" in stream.path
        assert stream.headers.get("last-event-id", "").isdigit()
    finally:
        proxy.close()


def test_wait_for_completion_follows_start_and_result(server: Server, agent) -> None:
    action = agent.submit_action("http", "get", {"url": "https://complete.example"})
    agent.start_action(action["id"])

    def finish() -> None:
        time.sleep(0.5)
        other = _agent(server.url, server)
        other.report_result(action["id"], False, "exit 1")
        other.close()

    thread = threading.Thread(target=finish)
    thread.start()
    final = agent.wait_for_completion(action["id"], timeout=30)
    thread.join()
    assert final["status"] == "failed"


def test_denial_unblocks_wait(server: Server, agent) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "echo deny"})
    decider = _decide_later(server, action["id"], approve=False, delay=0.3)
    assert agent.wait_for_decision(action["id"], timeout=30)["status"] == "denied"
    decider.join()


def test_fallback_to_polling_when_the_stream_is_missing(server: Server) -> None:
    proxy = Proxy(server.url, lambda req, i: "404" if req.path.startswith("/v1/events") else "forward")
    try:
        client = _agent(proxy.url, server)
        action = client.submit_action("shell", "run", {"cmd": "echo poll"})
        decider = _decide_later(server, action["id"], delay=0.8)
        decided = client.wait_for_decision(action["id"], timeout=30, poll_interval=0.2)
        decider.join()
        assert decided["status"] == "approved"
        assert proxy.count("GET", "/v1/events") == 1  # tried once, then polled
        assert proxy.count("GET", f"/v1/actions/{action['id']}") >= 3
    finally:
        proxy.close()


def test_fallback_when_the_client_disables_sse(server: Server) -> None:
    proxy = Proxy(server.url)
    try:
        client = _agent(proxy.url, server, sse=False)
        action = client.submit_action("shell", "run", {"cmd": "echo nosse"})
        decider = _decide_later(server, action["id"], delay=0.3)
        assert client.wait_for_decision(action["id"], timeout=30)["status"] == "approved"
        decider.join()
        assert proxy.count("GET", "/v1/events") == 0
    finally:
        proxy.close()


def test_broken_stream_is_resumed_with_last_event_id(server: Server) -> None:
    # The first stream connection is cut before any answer; the client reconnects and resumes
    # after the same event id, so the approval in between is not missed.
    seen = {"streams": 0}

    def rule(req, i):
        if req.path.startswith("/v1/events"):
            seen["streams"] += 1
            if seen["streams"] == 1:
                return "drop"
        return "forward"

    proxy = Proxy(server.url, rule)
    try:
        client = _agent(proxy.url, server)
        action = client.submit_action("shell", "run", {"cmd": "echo resume"})
        decider = _decide_later(server, action["id"], delay=0.5)
        assert client.wait_for_decision(action["id"], timeout=30)["status"] == "approved"
        decider.join()
        streams = [r for r in proxy.requests if r.path.startswith("/v1/events")]
        assert len(streams) >= 2
        assert streams[1].headers.get("last-event-id") == streams[0].headers.get("last-event-id")
    finally:
        proxy.close()


def test_decision_made_before_the_wait_returns_at_once(server: Server, agent) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "echo early"})
    approve_over_api(server, action["id"])
    assert agent.wait_for_decision(action["id"], timeout=5)["status"] == "approved"


def test_wait_timeouts_raise_typed_errors(agent: ExecutionGovernorClient) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "echo slow"})
    with pytest.raises(errors.ActionPending) as err:
        agent.wait_for_decision(action["id"], timeout=0.3)
    assert err.value.action["status"] == "pending_approval"
    with pytest.raises(errors.FarameshTimeoutError):
        agent.wait_for_completion(action["id"], timeout=0.3)
    allowed = agent.submit_action("http", "get", {"url": "https://never-finishes.example"})
    with pytest.raises(errors.WaitTimeout) as timeout:
        agent.wait_for_completion(allowed["id"], timeout=0.3)
    assert timeout.value.action["status"] == "allowed"


def test_expired_approval_ends_the_wait(agent: ExecutionGovernorClient) -> None:
    action = agent.submit_action("quick", "run", {})
    assert action["status"] == "pending_approval"
    decided = agent.wait_for_decision(action["id"], timeout=30)
    assert decided["status"] == "expired"
    assert agent.wait_for_completion(action["id"], timeout=5)["status"] == "expired"


def test_stream_events_filters_and_stops(server: Server, agent) -> None:
    action = agent.submit_action("http", "get", {"url": "https://stream.example"})
    events = agent.get_events(action["id"])
    frames: list = []

    def follow() -> None:
        agent_two = _agent(server.url, server)
        for frame in agent_two.iter_events(action_id=action["id"], last_event_id=str(events[0]["seq"] - 1)):
            frames.append(frame)
            if frame["data"]["event_type"] == "succeeded":
                break
        agent_two.close()

    thread = threading.Thread(target=follow)
    thread.start()
    agent.start_action(action["id"])
    agent.report_result(action["id"], True)
    thread.join(timeout=30)
    assert [f["data"]["event_type"] for f in frames] == ["created", "decision_made", "started", "succeeded"]
    assert [f["type"] for f in frames][0] == "action.created"

    with pytest.raises(errors.FarameshTimeoutError):
        agent.stream_events(frames.append, action_id=action["id"], timeout=0.5)  # nothing new happens


def test_stream_events_stop_after(server: Server, agent) -> None:
    pending = agent.submit_action("shell", "run", {"cmd": "echo stream"})
    after = str(agent.get_events(pending["id"])[-1]["seq"])
    approve_over_api(server, pending["id"])
    got: list = []
    listener = threading.Thread(target=lambda: agent.stream_events(
        got.append, event_types=["action.approved"], stop_after=1, timeout=30, action_id=pending["id"],
        last_event_id=after))
    listener.start()
    listener.join(timeout=30)
    assert not listener.is_alive()
    assert [f["type"] for f in got] == ["action.approved"]
    assert got[0]["data"]["id"] == pending["id"]
    assert "approval_token" not in str(got[0])


def test_stream_cut_mid_way_resumes_after_the_last_frame(server: Server, agent) -> None:
    streams = {"n": 0}

    def rule(req, i):
        if req.path.startswith("/v1/events"):
            streams["n"] += 1
            return "cut-after-frame" if streams["n"] == 1 else "forward"
        return "forward"

    proxy = Proxy(server.url, rule)
    try:
        client = _agent(proxy.url, server)
        action = agent.submit_action("http", "get", {"url": "https://cut.example"})

        def run_then_finish() -> None:
            time.sleep(0.4)
            agent_two = _agent(server.url, server)
            agent_two.start_action(action["id"])  # frame 1 (executing): delivered, then the stream is cut
            time.sleep(0.4)
            agent_two.report_result(action["id"], True)  # frame 2: only on the resumed stream
            agent_two.close()

        worker = threading.Thread(target=run_then_finish)
        worker.start()
        final = client.wait_for_completion(action["id"], timeout=30)
        worker.join()
        assert final["status"] == "succeeded"
        events = agent.get_events(action["id"])
        started_seq = next(e["seq"] for e in events if e["event_type"] == "started")
        requests = [r for r in proxy.requests if r.path.startswith("/v1/events")]
        assert len(requests) == 2
        assert int(requests[1].headers["last-event-id"]) == started_seq
    finally:
        proxy.close()


def test_heartbeats_do_not_stretch_a_wait_past_its_timeout(tmp_path) -> None:
    """A stream that only ever sends heartbeats must not keep a wait alive past its deadline."""
    import os

    from support import start_server, stop_server

    fast = start_server(os.environ["FARAMESH_BIN"], tmp_path, extra_env={"FARAMESH_SSE_HEARTBEAT": "200ms"})
    try:
        client = _agent(fast.url, fast)
        action = client.submit_action("shell", "run", {"cmd": "echo heartbeat"})
        started = time.monotonic()
        with pytest.raises(errors.ActionPending):
            client.wait_for_decision(action["id"], timeout=1.5)
        with pytest.raises(errors.FarameshTimeoutError):
            client.stream_events(lambda frame: None, action_id=action["id"], timeout=1.0)
        assert time.monotonic() - started < 10  # without the deadline it would never return
        client.close()
    finally:
        stop_server(fast)
