"""LangGraph: the guarded ToolNode's approval interrupt survives a process restart (SqliteSaver
checkpoint; the second process resumes the thread after the human approved in Faramesh)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Dict

from conftest import BASE, TOKENS, Approver

EXAMPLE = Path(__file__).resolve().parents[3] / "examples/python/integrations/langgraph_guarded_tool_node.py"
AGENT = "langgraph-agent"


def run(phase: str, thread: str, db: Path, sent: Path) -> Dict[str, Any]:
    env = {**os.environ, "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": TOKENS[AGENT]}
    out = subprocess.run([sys.executable, str(EXAMPLE), phase, thread, str(db), str(sent)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def actions_of(approver: Approver, thread: str) -> list:
    return [a for a in approver.actions(AGENT) if (a.get("context") or {}).get("thread_id") == thread]


def test_interrupt_survives_restart_and_runs_after_approval(approver: Approver, tmp_path: Path) -> None:
    thread, db, sent = f"thread-{uuid.uuid4().hex[:8]}", tmp_path / "checkpoints.db", tmp_path / "sent.jsonl"
    first = run("start", thread, db, sent)
    [request] = first["interrupts"]
    assert request["type"] == "tool_approval" and request["name"] == "send_email"
    assert request["args"] == {"to": "ops@example.com", "body": "deploy done"}
    action_id = request["faramesh"]["action_id"]
    assert "Outgoing email needs a human" in request["description"]
    assert not sent.exists()

    # A new process before anyone decided: still interrupted, nothing sent, no second action.
    again = run("resume", thread, db, sent)
    assert again["interrupts"][0]["faramesh"]["action_id"] == action_id
    assert not sent.exists()

    approver.approve(action_id, reason="ship it")
    done = run("resume", thread, db, sent)
    assert done["interrupts"] == []
    assert done["answer"] == "Tool said: sent to ops@example.com"
    assert [json.loads(line) for line in sent.read_text().splitlines()] == [{"to": "ops@example.com", "body": "deploy done"}]
    [action] = actions_of(approver, thread)
    assert action["id"] == action_id and action["status"] == "succeeded"
    assert approver.events(action_id) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_denied_while_interrupted_never_runs(approver: Approver, tmp_path: Path) -> None:
    thread, db, sent = f"thread-{uuid.uuid4().hex[:8]}", tmp_path / "checkpoints.db", tmp_path / "sent.jsonl"
    action_id = run("start", thread, db, sent)["interrupts"][0]["faramesh"]["action_id"]
    approver.deny(action_id, reason="no email on Fridays")
    done = run("resume", thread, db, sent)
    assert done["interrupts"] == []
    assert "no email on Fridays" in done["answer"]
    assert not sent.exists()
    assert approver.events(action_id) == ["created", "decision_made", "denied"]
