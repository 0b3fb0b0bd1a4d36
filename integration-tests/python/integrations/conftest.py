"""Fixtures for the framework integration tests: a real `faramesh serve` started by
scripts/test-python-integrations.sh, agent tokens named after the agent ids, and an approver.

Environment (set by the script):
  FARAMESH_BASE_URL          the server under test (loopback, tokens on)
  FARAMESH_TEST_TOKENS_FILE  JSON object: token name -> token ("approver" has role approver,
                             every other name is an agent token whose name is its agent id)
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from faramesh.sdk.client import ExecutionGovernorClient

BASE = os.environ["FARAMESH_BASE_URL"]
with open(os.environ["FARAMESH_TEST_TOKENS_FILE"], encoding="utf-8") as fh:
    TOKENS: Dict[str, str] = json.load(fh)


def agent_client(agent_id: str, **kwargs: Any) -> ExecutionGovernorClient:
    """A client with the agent token named ``agent_id`` (the server checks the match)."""
    return ExecutionGovernorClient(BASE, token=TOKENS[agent_id], **kwargs)


def new_call_id(prefix: str = "call") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class Approver:
    """A human at the approval queue, over the HTTP API with an approver token."""

    def __init__(self) -> None:
        self.client = ExecutionGovernorClient(BASE, token=TOKENS["approver"], retries=0)

    def actions(self, agent_id: str, tool: Optional[str] = None) -> List[Dict[str, Any]]:
        return self.client.list_actions(limit=200, agent_id=agent_id, tool=tool)

    def for_call(self, agent_id: str, call_id: str) -> List[Dict[str, Any]]:
        """The actions submitted for one framework tool call (its id is in the context)."""
        return [a for a in self.actions(agent_id) if (a.get("context") or {}).get("tool_call_id") == call_id]

    def pending(self, agent_id: str, tool: str, call_id: Optional[str] = None, timeout: float = 20.0) -> Dict[str, Any]:
        """The one pending action of ``agent_id`` for ``tool`` (and ``call_id`` when given),
        waiting for it to appear."""
        deadline = time.monotonic() + timeout
        while True:
            found = [a for a in self.actions(agent_id, tool) if a["status"] == "pending_approval"
                     and (call_id is None or (a.get("context") or {}).get("tool_call_id") == call_id)]
            if found:
                assert len(found) == 1, found
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no pending {tool} action for {agent_id}")
            time.sleep(0.05)

    def approve(self, action_id: str, reason: str = "ok by the test") -> Dict[str, Any]:
        return self.client.approve_action(action_id, reason=reason)

    def deny(self, action_id: str, reason: str) -> Dict[str, Any]:
        return self.client.deny_action(action_id, reason=reason)

    def in_background(self, agent_id: str, tool: str, decide: Callable[[str], Any],
                      call_id: Optional[str] = None) -> threading.Thread:
        """Decide the next pending ``tool`` action of ``agent_id`` from another thread (while the
        framework blocks in its wait)."""
        errors: List[BaseException] = []

        def run() -> None:
            try:
                decide(self.pending(agent_id, tool, call_id)["id"])
            except BaseException as exc:  # surfaced by join()
                errors.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.errors = errors  # type: ignore[attr-defined]
        thread.start()
        return thread

    def events(self, action_id: str) -> List[str]:
        return [e["event_type"] for e in self.client.get_events(action_id)]


class ToolBox:
    """The three tools every framework test governs (allowed, denied and pending in policy.yaml),
    as plain functions that record each real run in ``ran``; ``all`` holds them wrapped in the
    framework's tool type."""

    def __init__(self, wrap: Callable[[Callable[..., str]], Any]) -> None:
        self.ran: List[str] = []
        ran = self.ran

        def get_weather(city: str) -> str:
            """Current weather for a city."""
            ran.append(f"get_weather:{city}")
            return f"sunny in {city}"

        def delete_database(name: str) -> str:
            """Drop a database."""
            ran.append(f"delete_database:{name}")
            return "dropped"

        def send_email(to: str, body: str) -> str:
            """Send an email."""
            ran.append(f"send_email:{to}")
            return f"sent to {to}"

        self.all: List[Any] = [wrap(f) for f in (get_weather, delete_database, send_email)]


@pytest.fixture
def tools(request: pytest.FixtureRequest) -> ToolBox:
    """Fresh recording tools, wrapped by the test module's ``wrap_tool`` (its framework's tool
    constructor, e.g. LangChain's ``tool``)."""
    return ToolBox(request.module.wrap_tool)


@pytest.fixture
def cid() -> str:
    """A fresh framework tool-call id."""
    return new_call_id()


def join(thread: threading.Thread, timeout: float = 30.0) -> None:
    thread.join(timeout)
    assert not thread.is_alive(), "approver thread did not finish"
    errs = getattr(thread, "errors", [])
    if errs:
        raise errs[0]


@pytest.fixture(scope="session")
def approver() -> Iterator[Approver]:
    a = Approver()
    yield a
    a.client.close()


__all__ = ["Approver", "BASE", "TOKENS", "ToolBox", "agent_client", "join", "new_call_id"]
