"""faramesh.governed.govern: the lifecycle every integration uses, against the real server."""

from __future__ import annotations

import threading
import time

import pytest

from faramesh import errors
from faramesh.governed import govern
from faramesh.sdk.client import ExecutionGovernorClient

from conftest import unique
from support import Server, approve_over_api


def _timeline(client: ExecutionGovernorClient, action_id: str) -> list[str]:
    return [e["event_type"] for e in client.get_events(action_id)]


def _only_action(client: ExecutionGovernorClient, marker: str) -> dict:
    found = [a for a in client.list_actions(limit=1000, agent_id="sdk-agent") if a["params"].get("marker") == marker]
    assert len(found) == 1, found
    return found[0]


def test_allowed_call_runs_and_is_audited(agent: ExecutionGovernorClient) -> None:
    marker = unique()
    calls = []
    result = govern(agent, agent_id="sdk-agent", tool="http", operation="get",
                    params={"url": "https://ok.example", "marker": marker}, run=lambda: calls.append(1) or "body")
    assert result == "body"
    assert calls == [1]
    action = _only_action(agent, marker)
    assert action["status"] == "succeeded"
    assert _timeline(agent, action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_tool_error_is_reported_and_reraised(agent: ExecutionGovernorClient) -> None:
    marker = unique()

    def boom() -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        govern(agent, agent_id="sdk-agent", tool="http", operation="get", params={"marker": marker}, run=boom)
    action = _only_action(agent, marker)
    assert action["status"] == "failed"
    last = agent.get_events(action["id"])[-1]
    assert last["event_type"] == "failed"
    assert "RuntimeError: disk full" in str(last["meta"])


def test_denied_call_never_runs_and_carries_the_reason(agent: ExecutionGovernorClient) -> None:
    ran = []
    with pytest.raises(errors.ActionDenied) as err:
        govern(agent, agent_id="sdk-agent", tool="database", operation="drop", params={"table": "users"},
               run=lambda: ran.append(1))
    assert ran == []
    assert err.value.reason == "Dropping tables is never allowed"
    assert err.value.action["status"] == "denied"
    assert "Dropping tables is never allowed" in str(err.value)


def test_pending_call_waits_for_approval_then_runs(server: Server, agent: ExecutionGovernorClient) -> None:
    marker = unique()
    ran = []

    def approve_when_pending() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pending = [a for a in agent.list_actions(limit=1000, agent_id="sdk-agent", status="pending_approval")
                       if a["params"].get("marker") == marker]
            if pending:
                approve_over_api(server, pending[0]["id"])
                return
            time.sleep(0.05)

    approver = threading.Thread(target=approve_when_pending)
    approver.start()
    result = govern(agent, agent_id="sdk-agent", tool="shell", operation="run",
                    params={"cmd": "echo hi", "marker": marker}, run=lambda: ran.append(1) or "hi")
    approver.join()
    assert result == "hi" and ran == [1]
    action = _only_action(agent, marker)
    assert _timeline(agent, action["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_pending_call_denied_by_human_never_runs(server: Server, agent: ExecutionGovernorClient) -> None:
    key = unique("call")
    pending = agent.submit_action("shell", "run", {"cmd": "rm -rf /tmp/x"}, idempotency_key=key)
    approve_over_api(server, pending["id"], approve=False, reason="no deleting")
    ran = []
    with pytest.raises(errors.ActionDenied) as err:
        govern(agent, agent_id="sdk-agent", tool="shell", operation="run", params={"cmd": "rm -rf /tmp/x"},
               run=lambda: ran.append(1), idempotency_key=key)
    assert ran == []
    assert err.value.reason == "no deleting"


def test_wait_timeout_never_runs(agent: ExecutionGovernorClient) -> None:
    marker = unique()
    ran = []
    with pytest.raises(errors.ActionPending):
        govern(agent, agent_id="sdk-agent", tool="shell", operation="run", params={"marker": marker},
               run=lambda: ran.append(1), wait_timeout=0.5)
    assert ran == []
    assert _only_action(agent, marker)["status"] == "pending_approval"


def test_expired_approval_never_runs(agent: ExecutionGovernorClient) -> None:
    ran = []
    with pytest.raises(errors.ApprovalExpired):
        govern(agent, agent_id="sdk-agent", tool="quick", operation="run", params={}, run=lambda: ran.append(1),
               wait_timeout=30)
    assert ran == []


def test_rerun_with_the_same_tool_call_id_does_not_double_submit_or_run(agent: ExecutionGovernorClient) -> None:
    marker = unique()
    key = unique("tool-call")
    calls = []
    params = {"url": "https://idem.example", "marker": marker}
    assert govern(agent, agent_id="sdk-agent", tool="http", operation="get", params=params,
                  run=lambda: calls.append(1) or 1, idempotency_key=key) == 1
    with pytest.raises(errors.AlreadyExecuted) as err:
        govern(agent, agent_id="sdk-agent", tool="http", operation="get", params=params,
               run=lambda: calls.append(2) or 2, idempotency_key=key)
    assert calls == [1]
    assert err.value.current_status == "succeeded"
    _only_action(agent, marker)


def test_resumed_step_after_approval_runs_once(server: Server, agent: ExecutionGovernorClient) -> None:
    """A framework step interrupted while pending is re-run with the same tool-call id after the
    human approved: it finds the same action, runs the tool once."""
    marker = unique()
    key = unique("tool-call")
    params = {"cmd": "echo resumed", "marker": marker}
    with pytest.raises(errors.ActionPending):
        govern(agent, agent_id="sdk-agent", tool="shell", operation="run", params=params, run=lambda: 0,
               idempotency_key=key, wait_timeout=0.2)
    approve_over_api(server, _only_action(agent, marker)["id"])
    calls = []
    assert govern(agent, agent_id="sdk-agent", tool="shell", operation="run", params=params,
                  run=lambda: calls.append(1) or "ok", idempotency_key=key) == "ok"
    assert calls == [1]
    assert _only_action(agent, marker)["status"] == "succeeded"


def test_base_exception_in_tool_is_reported(agent: ExecutionGovernorClient) -> None:
    marker = unique()

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        govern(agent, agent_id="sdk-agent", tool="http", operation="get", params={"marker": marker}, run=interrupted)
    assert _only_action(agent, marker)["status"] == "failed"
