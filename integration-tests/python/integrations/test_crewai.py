"""CrewAI: FarameshHooks (PRE_TOOL_CALL raises HookAborted with the reason, POST_TOOL_CALL reports
the result) in a real Crew driven by a scripted BaseLLM (no network, no API key)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, List

import pytest
from crewai import Agent, Crew, Task
from crewai.hooks.dispatch import HookAborted, InterceptionPoint, dispatch
from crewai.tools import tool

from conftest import BASE, TOKENS, Approver, agent_client, join
from crewai_checkpoint_run import ScriptedLLM, react
from faramesh.integrations.crewai import FarameshHooks

AGENT = "crewai-agent"


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


def crew_for(llm: ScriptedLLM, max_iter: int = 3) -> Crew:
    agent = Agent(role="ops", goal="do ops", backstory="an ops bot", llm=llm, allow_delegation=False,
                  tools=[get_weather, delete_database, send_email], max_iter=max_iter, verbose=False)
    task = Task(description="Do the thing", expected_output="a short answer", agent=agent)
    return Crew(agents=[agent], tasks=[task], verbose=False)


def kickoff(llm: ScriptedLLM, **hook_kw: Any) -> Any:
    with FarameshHooks(agent_client(AGENT), agent_id=AGENT, **hook_kw):
        return crew_for(llm).kickoff()


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


def test_key_fn_overrides_the_default_key(approver: Approver) -> None:
    """Two kickoffs are two executions by default; a key_fn that names the call makes them one."""
    for _ in range(2):
        llm = ScriptedLLM(model="scripted", script=[react("get_weather", {"city": "Oslo"})], seen=[])
        kickoff(llm, key_fn=lambda ctx: f"weather-oslo-{id(approver)}")
    assert RAN == ["get_weather:Oslo"]
    assert len([a for a in approver.actions(AGENT, "get_weather") if a["params"] == {"city": "Oslo"}]) == 1
    assert "already executed" in llm.seen[-1]


def unique_city(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def actions_for(approver: Approver, city: str) -> List[dict]:
    return [a for a in approver.actions(AGENT, "get_weather") if a["params"] == {"city": city}]


def test_retried_task_does_not_double_submit_without_key_fn(approver: Approver) -> None:
    """CrewAI re-runs a task from its first step when the agent retries after an error
    (Agent.max_retry_limit): same kickoff, task and agent ids, iteration 0 again. The default key
    makes the repeated call the same action, so the tool does not run twice."""
    city = unique_city("Retry")
    llm = ScriptedLLM(model="scripted", seen=[], script=[
        react("get_weather", {"city": city}), RuntimeError("provider hiccup"), react("get_weather", {"city": city})])
    assert str(kickoff(llm)) == "done"
    assert llm.script == []  # the retry really asked for the call again
    assert RAN == [f"get_weather:{city}"]
    [action] = actions_for(approver, city)
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]
    assert "was not run again: this tool call was already executed" in llm.seen[-1]


def test_checkpoint_resume_in_a_new_process_does_not_double_submit(approver: Approver, tmp_path: Path) -> None:
    """Process 1 runs the tool and dies; process 2 resumes the crew from CrewAI's checkpoint
    (Crew.from_checkpoint, same ids) and CrewAI re-runs the step: one action, one run."""
    city, ran_log = unique_city("Resume"), tmp_path / "ran.log"
    driver = Path(__file__).resolve().parent / "crewai_checkpoint_run.py"
    env = {**os.environ, "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": TOKENS[AGENT], "RAN_LOG": str(ran_log)}

    def run(mode: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(driver), mode, str(tmp_path / "checkpoints"), city], env=env,
                              capture_output=True, text=True, timeout=180)

    first = run("run1")
    assert first.returncode == 3, first.stderr[-3000:]
    assert ran_log.read_text().splitlines() == [f"get_weather:{city}"]
    [action] = actions_for(approver, city)
    assert action["status"] == "succeeded"
    second = run("run2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert ran_log.read_text().splitlines() == [f"get_weather:{city}"]
    assert "was not run again: this tool call was already executed" in second.stdout
    assert [a["id"] for a in actions_for(approver, city)] == [action["id"]]
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_distinct_calls_are_distinct_actions_without_key_fn(approver: Approver) -> None:
    """Different arguments, the same arguments at a later step, and a new kickoff of the same
    crew are distinct calls: each runs and gets its own action."""
    a, b = unique_city("A"), unique_city("B")
    llm = ScriptedLLM(model="scripted", seen=[], script=[
        react("get_weather", {"city": a}), react("get_weather", {"city": b}), react("get_weather", {"city": a})])
    crew = crew_for(llm, max_iter=5)
    with FarameshHooks(agent_client(AGENT), agent_id=AGENT):
        crew.kickoff()
        assert RAN == [f"get_weather:{a}", f"get_weather:{b}", f"get_weather:{a}"]
        assert (len(actions_for(approver, a)), len(actions_for(approver, b))) == (2, 1)
        llm.script[:] = [react("get_weather", {"city": a})]
        crew.kickoff()  # a new execution (new kickoff id), not a re-run
    assert RAN[-1] == f"get_weather:{a}" and len(RAN) == 4
    assert [a_["status"] for a_ in actions_for(approver, a)] == ["succeeded"] * 3


def test_example_script_runs(approver: Approver) -> None:
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
