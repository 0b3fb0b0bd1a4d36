"""CrewAI: FarameshHooks (PRE_TOOL_CALL raises HookAborted with the reason, POST_TOOL_CALL reports
the result) in a real Crew driven by a scripted BaseLLM (no network, no API key)."""

from __future__ import annotations

import json
from typing import Any, List

import pytest
from crewai import Agent, Crew, Task
from crewai.hooks.dispatch import HookAborted, InterceptionPoint, dispatch
from crewai.llms.base_llm import BaseLLM
from crewai.tools import tool

from conftest import Approver, agent_client, join
from faramesh.integrations.crewai import FarameshHooks

AGENT = "crewai-agent"


class ScriptedLLM(BaseLLM):
    """Answers with the given ReAct-format texts in order and records every prompt it saw."""

    script: List[str] = []
    seen: List[Any] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        self.seen.append(json.dumps(messages, default=str))
        return self.script.pop(0) if self.script else "Thought: I now know the final answer\nFinal Answer: done"

    def supports_function_calling(self) -> bool:
        return False


def react(tool_name: str, args: dict) -> str:
    return f"Thought: I need the tool.\nAction: {tool_name}\nAction Input: {json.dumps(args)}"


RAN: List[str] = []


@tool("get_weather")
def get_weather(city: str) -> str:
    """Current weather for a city."""
    RAN.append(f"get_weather:{city}")
    return f"sunny in {city}"


@tool("delete_database")
def delete_database(name: str) -> str:
    """Drop a database."""
    RAN.append(f"delete_database:{name}")
    return "dropped"


@tool("send_email")
def send_email(to: str, body: str) -> str:
    """Send an email."""
    RAN.append(f"send_email:{to}")
    return f"sent to {to}"


@pytest.fixture(autouse=True)
def clean() -> Any:
    RAN.clear()
    yield


def kickoff(llm: ScriptedLLM, **hook_kw: Any) -> Any:
    agent = Agent(role="ops", goal="do ops", backstory="an ops bot", llm=llm, allow_delegation=False,
                  tools=[get_weather, delete_database, send_email], max_iter=3, verbose=False)
    task = Task(description="Do the thing", expected_output="a short answer", agent=agent)
    with FarameshHooks(agent_client(AGENT), agent_id=AGENT, **hook_kw):
        return Crew(agents=[agent], tasks=[task], verbose=False).kickoff()


def newest(approver: Approver, tool_name: str) -> dict:
    return approver.actions(AGENT, tool_name)[0]


def test_allowed_tool_runs_and_result_is_reported(approver: Approver) -> None:
    llm = ScriptedLLM(model="scripted", script=[react("get_weather", {"city": "Paris"})], seen=[])
    out = kickoff(llm)
    assert str(out) == "done"
    assert RAN == ["get_weather:Paris"]
    assert "sunny in Paris" in llm.seen[-1]
    action = newest(approver, "get_weather")
    assert action["params"] == {"city": "Paris"} and action["context"]["framework"] == "crewai"
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_tool_is_aborted_and_model_sees_reason(approver: Approver) -> None:
    llm = ScriptedLLM(model="scripted", script=[react("delete_database", {"name": "prod"})], seen=[])
    kickoff(llm)
    assert RAN == []
    assert "Deleting databases is never allowed for agents" in llm.seen[-1]
    action = newest(approver, "delete_database")
    assert approver.events(action["id"]) == ["created", "decision_made"]


def test_pending_waits_then_approved_runs(approver: Approver) -> None:
    llm = ScriptedLLM(model="scripted", script=[react("send_email", {"to": "a@example.com", "body": "hi"})], seen=[])
    bg = approver.in_background(AGENT, "send_email", approver.approve)
    kickoff(llm)
    join(bg)
    assert RAN == ["send_email:a@example.com"]
    assert "sent to a@example.com" in llm.seen[-1]
    action = newest(approver, "send_email")
    assert approver.events(action["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_pending_waits_then_denied_never_runs(approver: Approver) -> None:
    llm = ScriptedLLM(model="scripted", script=[react("send_email", {"to": "b@example.com", "body": "hi"})], seen=[])
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "b is a spam trap"))
    kickoff(llm)
    join(bg)
    assert RAN == []
    assert "b is a spam trap" in llm.seen[-1]


def test_pre_hook_raises_hook_aborted_with_reason() -> None:
    """The hook itself, through CrewAI's dispatcher: HookAborted carries Faramesh's reason."""
    from crewai.hooks.tool_hooks import ToolCallHookContext

    ctx = ToolCallHookContext(tool_name="delete_database", tool_input={"name": "x"}, tool=delete_database)
    with FarameshHooks(agent_client(AGENT), agent_id=AGENT), pytest.raises(HookAborted) as info:
        dispatch(InterceptionPoint.PRE_TOOL_CALL, ctx)
    assert "Deleting databases is never allowed for agents" in info.value.reason
    assert info.value.source == "faramesh"


def test_stable_key_from_key_fn_does_not_double_submit(approver: Approver) -> None:
    for _ in range(2):
        llm = ScriptedLLM(model="scripted", script=[react("get_weather", {"city": "Oslo"})], seen=[])
        kickoff(llm, key_fn=lambda ctx: f"weather-oslo-{id(approver)}")
    assert RAN == ["get_weather:Oslo"]
    assert len([a for a in approver.actions(AGENT, "get_weather") if a["params"] == {"city": "Oslo"}]) == 1
    assert "already executed" in llm.seen[-1]


def test_example_script_runs(approver: Approver) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from conftest import BASE, TOKENS

    example = Path(__file__).resolve().parents[3] / "examples/python/integrations/crewai_hooks.py"
    env = {**os.environ, "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": TOKENS[AGENT]}
    out = subprocess.run([sys.executable, str(example)], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Deleting databases is never allowed for agents" in out.stdout


@tool("get_forecast")
def get_forecast(city: str) -> str:
    """Forecast for a city (always fails here)."""
    RAN.append(f"get_forecast:{city}")
    raise RuntimeError("forecast service down")


def test_tool_error_is_reported_failed(approver: Approver) -> None:
    llm = ScriptedLLM(model="scripted", script=[react("get_forecast", {"city": "Rome"})], seen=[])
    agent = Agent(role="ops", goal="do ops", backstory="an ops bot", llm=llm, allow_delegation=False,
                  tools=[get_forecast], max_iter=2, verbose=False)
    task = Task(description="Do the thing", expected_output="a short answer", agent=agent)
    with FarameshHooks(agent_client(AGENT), agent_id=AGENT, tools=["get_forecast"]) as hooks:
        assert hooks.tools == frozenset({"get_forecast"})
        Crew(agents=[agent], tasks=[task], verbose=False).kickoff()
    assert RAN and RAN[0] == "get_forecast:Rome"
    actions = approver.actions(AGENT, "get_forecast")
    assert actions and all(a["status"] == "failed" for a in actions), [a["status"] for a in actions]
