"""Runs the product README's Python snippets (examples/python/*.py, unchanged) against a real
server on 127.0.0.1:8000 — the address they hard-code — with the repository's default policy.

scripts/test-python-sdk.sh runs this file inside a private network namespace (unshare -rn), so
port 8000 there is nobody else's. The snippets pass no token: they get their agent token from
FARAMESH_TOKEN, which the SDK reads when no token argument is given. The test plays the human:
it approves or denies the snippet's pending action over the API with an approver token.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support import Server, start_server, stop_server  # noqa: E402

from faramesh.sdk.client import ExecutionGovernorClient  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "python"
PORT = int(os.environ.get("FARAMESH_EXAMPLES_PORT", "8000"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(os.environ["FARAMESH_BIN"], tmp_path_factory.mktemp("examples"), port=PORT,
                       policy=REPO / "policies" / "default.yaml")
    assert srv.url == "http://127.0.0.1:8000" or PORT != 8000
    yield srv
    stop_server(srv)


@pytest.fixture
def approver(server: Server) -> Iterator[ExecutionGovernorClient]:
    client = ExecutionGovernorClient(server.url, token=server.approver_token)
    yield client
    client.close()


def run_snippet(server: Server, name: str, agent: str, *code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FARAMESH_", "FARA_"))}
    env["FARAMESH_TOKEN"] = server.agent_token(agent)
    args = [sys.executable, str(EXAMPLES / name)] if not code else [sys.executable, "-c", "\n".join(code)]
    return subprocess.run(args, env=env, cwd=str(EXAMPLES), capture_output=True, text=True, timeout=timeout)


class Human(threading.Thread):
    """Decides the first pending action of ``agent`` that appears, like a person in the UI."""

    def __init__(self, approver: ExecutionGovernorClient, agent: str, approve: bool,
                 then_complete: Optional[ExecutionGovernorClient] = None) -> None:
        super().__init__(daemon=True)
        self.approver, self.agent, self.approve = approver, agent, approve
        self.then_complete = then_complete
        self.known = {a["id"] for a in approver.list_actions(limit=1000, agent_id=agent)}
        self.decided: Optional[str] = None

    def run(self) -> None:
        client = ExecutionGovernorClient(self.approver.base_url, token=self.approver.token)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.decided is None:
            for action in client.list_actions(limit=50, agent_id=self.agent, status="pending_approval"):
                if action["id"] not in self.known:
                    if self.approve:
                        client.approve_action(action["id"], reason="approved by the example test")
                        if self.then_complete is not None:
                            self.then_complete.start_action(action["id"])
                            self.then_complete.report_result(action["id"], True)
                    else:
                        client.deny_action(action["id"], reason="denied by the example test")
                    self.decided = action["id"]
                    break
            time.sleep(0.05)
        client.close()


def test_quickstart_functional(server: Server, approver: ExecutionGovernorClient) -> None:
    out = run_snippet(server, "quickstart.py", "my-agent")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Status: pending_approval", "Risk Level: medium"]
    newest = approver.list_actions(limit=1, agent_id="my-agent")[0]
    assert newest["params"] == {"cmd": "echo 'Hello Faramesh'"}


def test_quickstart_class_based(server: Server, approver: ExecutionGovernorClient) -> None:
    out = run_snippet(server, "quickstart_class.py", "my-agent")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Status: pending_approval", "Risk Level: medium"]
    newest = approver.list_actions(limit=1, agent_id="my-agent")[0]
    assert newest["context"] == {"agent_id": "my-agent"}


def test_sdk_functional_denied_by_human(server: Server, approver: ExecutionGovernorClient) -> None:
    human = Human(approver, "my-agent", approve=False)
    human.start()
    out = run_snippet(server, "sdk_functional.py", "my-agent")
    human.join()
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Status: pending_approval", "Risk Level: medium",
                                       "Decision: require_approval", "Final status: denied"]


def test_sdk_functional_approved_and_completed(server: Server, approver: ExecutionGovernorClient) -> None:
    executor = ExecutionGovernorClient(server.url, token=server.agent_token("my-agent"))
    human = Human(approver, "my-agent", approve=True, then_complete=executor)
    human.start()
    out = run_snippet(server, "sdk_functional.py", "my-agent")
    human.join()
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "Final status: succeeded"
    assert approver.get_action(human.decided)["status"] == "succeeded"


def test_sdk_class_legacy_approved_then_reports(server: Server, approver: ExecutionGovernorClient) -> None:
    human = Human(approver, "my-agent", approve=True)
    human.start()
    out = run_snippet(server, "sdk_class_legacy.py", "my-agent")
    human.join()
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Status: pending_approval", "Final status: approved"]
    events = [e["event_type"] for e in approver.get_events(human.decided)]
    assert events == ["created", "decision_made", "approved", "succeeded"]


def test_example1_runs_the_command_after_approval(server: Server, approver: ExecutionGovernorClient) -> None:
    human = Human(approver, "my-bot", approve=True)
    human.start()
    out = run_snippet(server, "example1_basic_agent.py", "my-bot",
                      "import runpy", "ns = runpy.run_path('example1_basic_agent.py')",
                      "print(ns['execute_command']('echo governed-hello'), end='')")
    human.join()
    assert out.returncode == 0, out.stderr
    assert out.stdout == "governed-hello\n"
    assert approver.get_action(human.decided)["status"] == "succeeded"


def test_example1_denied_never_runs(server: Server, approver: ExecutionGovernorClient, tmp_path: Path) -> None:
    marker = tmp_path / "must-not-exist"
    human = Human(approver, "my-bot", approve=False)
    human.start()
    out = run_snippet(server, "example1_basic_agent.py", "my-bot",
                      "import runpy", "ns = runpy.run_path('example1_basic_agent.py')",
                      f"ns['execute_command']('touch {marker}')")
    human.join()
    assert out.returncode != 0
    assert "PermissionError: Action denied" in out.stderr
    assert not marker.exists()
