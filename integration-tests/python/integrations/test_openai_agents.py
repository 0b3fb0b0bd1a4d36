"""OpenAI Agents SDK: FarameshGovernor (needs_approval + tool input guardrail + audit) with the
SDK's own ScriptedModel (no network, no API key)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from agents import Agent, Runner, function_tool
from agents.testing import ScriptedModel, assistant_message, function_call

from conftest import BASE, TOKENS, Approver, ToolBox, agent_client, join
from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.openai_agents import FarameshGovernor

AGENT = "openai-agents-agent"


wrap_tool = function_tool


def model_for(name: str, args: dict, call_id: str) -> ScriptedModel:
    return ScriptedModel([[function_call(name, args, call_id=call_id)], [assistant_message("done")]])


def tool_outputs(model: ScriptedModel) -> List[str]:
    """What the model was shown as tool results on its last call."""
    items = model.last_call.input if model.last_call else []
    return [str(i.get("output")) for i in items if isinstance(i, dict) and i.get("type") == "function_call_output"]


def make(tools: ToolBox, model: ScriptedModel, client: Any = None, **kw: Any) -> tuple[FarameshGovernor, Agent]:
    gov = FarameshGovernor(client or agent_client(AGENT), agent_id=AGENT, **kw)
    return gov, Agent(name="ops", model=model, tools=[gov.govern(t) for t in tools.all])


async def run_to_end(gov: FarameshGovernor, agent: Agent, prompt: str) -> Any:
    result = await Runner.run(agent, prompt)
    while result.interruptions:
        result = await Runner.run(agent, await gov.resolve(result))
    return result


def test_allowed_runs_and_is_audited(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("get_weather", {"city": "Paris"}, cid)
    gov, agent = make(tools, model)
    result = asyncio.run(run_to_end(gov, agent, "weather?"))
    assert result.final_output == "done"
    assert tools.ran == ["get_weather:Paris"]
    assert tool_outputs(model) == ["sunny in Paris"]
    [action] = approver.for_call(AGENT, cid)
    assert (action["tool"], action["params"]) == ("get_weather", {"city": "Paris"})
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_is_rejected_by_guardrail_with_reason(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("delete_database", {"name": "prod"}, cid)
    gov, agent = make(tools, model)
    result = asyncio.run(Runner.run(agent, "drop prod"))
    assert not result.interruptions
    assert tools.ran == []
    [out] = tool_outputs(model)
    assert "Deleting databases is never allowed for agents" in out
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"]) == ["created", "decision_made"]


def test_pending_interrupts_then_approved_in_faramesh_runs(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("send_email", {"to": "a@example.com", "body": "hi"}, cid)
    gov, agent = make(tools, model)

    async def scenario() -> Any:
        result = await Runner.run(agent, "mail a")
        [item] = result.interruptions
        assert item.raw_item.call_id == cid and tools.ran == []
        bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
        state = await gov.resolve(result)
        join(bg)
        return await Runner.run(agent, state)

    result = asyncio.run(scenario())
    assert result.final_output == "done"
    assert tools.ran == ["send_email:a@example.com"]
    assert tool_outputs(model) == ["sent to a@example.com"]
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_pending_denied_in_faramesh_never_runs(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("send_email", {"to": "b@example.com", "body": "hi"}, cid)
    gov, agent = make(tools, model)
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "b unsubscribed"), call_id=cid)
    asyncio.run(run_to_end(gov, agent, "mail b"))
    join(bg)
    assert tools.ran == []
    [out] = tool_outputs(model)
    assert "b unsubscribed" in out
    assert approver.for_call(AGENT, cid)[0]["status"] == "denied"


def test_sdk_side_approval_without_faramesh_is_rejected(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("send_email", {"to": "c@example.com", "body": "hi"}, cid)
    gov, agent = make(tools, model)

    async def scenario() -> None:
        result = await Runner.run(agent, "mail c")
        state = result.to_state()
        state.approve(result.interruptions[0])  # the app approves, Faramesh has not
        await Runner.run(agent, state)

    asyncio.run(scenario())
    assert tools.ran == []
    assert "still waiting for approval in Faramesh" in tool_outputs(model)[0]
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "pending_approval"
    approver.deny(action["id"], "cleanup")


def test_wait_timeout_rejects(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("send_email", {"to": "d@example.com", "body": "hi"}, cid)
    gov, agent = make(tools, model, wait_timeout=0.3)
    asyncio.run(run_to_end(gov, agent, "mail d"))
    assert tools.ran == []
    assert "no approval decision in time" in tool_outputs(model)[0]
    approver.deny(approver.for_call(AGENT, cid)[0]["id"], "cleanup")


def test_same_call_id_again_does_not_double_submit_or_run(approver: Approver, tools: ToolBox, cid: str) -> None:
    for _ in range(2):
        model = model_for("get_weather", {"city": "Oslo"}, cid)
        gov, agent = make(tools, model)
        asyncio.run(run_to_end(gov, agent, "weather?"))
    assert tools.ran == ["get_weather:Oslo"]
    assert len(approver.for_call(AGENT, cid)) == 1
    assert "already executed" in tool_outputs(model)[0]


def test_tool_exception_reported_failed_and_shown_to_model(approver: Approver, cid: str) -> None:
    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        raise RuntimeError("weather service down")

    model = model_for("get_weather", {"city": "Rome"}, cid)
    gov = FarameshGovernor(agent_client(AGENT), agent_id=AGENT)
    agent = Agent(name="ops", model=model, tools=[gov.govern(get_weather)])
    asyncio.run(Runner.run(agent, "w"))
    # The SDK's own failure handling still answers the model (its default text hides the error).
    assert tool_outputs(model) == ["An error occurred while running the tool. Please try again."]
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "failed"
    assert "weather service down" in approver.client.get_events(action["id"])[-1]["meta"]["error"]


def test_async_client(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = model_for("get_weather", {"city": "Kyiv"}, cid)

    async def scenario() -> None:
        async with AsyncExecutionGovernorClient(BASE, token=TOKENS[AGENT]) as client:
            gov, agent = make(tools, model, client=client)
            await run_to_end(gov, agent, "w")

    asyncio.run(scenario())
    assert tools.ran == ["get_weather:Kyiv"]
    assert approver.for_call(AGENT, cid)[0]["status"] == "succeeded"


def test_resume_in_a_new_process_after_approval_runs_the_tool_once(approver: Approver, cid: str,
                                                                    tmp_path: Path) -> None:
    """Process 1 hits the pending action: the run is interrupted, its RunState is written to a
    file and the process exits. The approver approves over the API while no process runs. Process
    2 loads the state (RunState.from_string), resolves it from Faramesh and resumes: the tool runs
    once, in the same action (the tool-call id is the idempotency key)."""
    state_file, ran_log = tmp_path / "run_state.json", tmp_path / "ran.log"
    driver = Path(__file__).resolve().parent / "openai_agents_resume_run.py"
    env = {**os.environ, "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": TOKENS[AGENT], "RAN_LOG": str(ran_log)}

    def run(mode: str) -> dict:
        out = subprocess.run([sys.executable, str(driver), mode, str(state_file), cid, "h@example.com"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert run("run1") == {"interrupted": cid}
    assert state_file.stat().st_size > 0 and not ran_log.exists()
    pending = approver.pending(AGENT, "send_email", cid)
    approver.approve(pending["id"])
    second = run("run2")
    assert second == {"final_output": "done", "interruptions": 0, "tool_outputs": ["sent to h@example.com"]}
    assert ran_log.read_text().splitlines() == ["send_email:h@example.com"]
    assert [a["id"] for a in approver.for_call(AGENT, cid)] == [pending["id"]]
    assert approver.events(pending["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]
