"""AutoGen 0.7: GovernedTool in an AssistantAgent driven by ReplayChatCompletionClient (no network)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, List

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import ToolCallExecutionEvent
from autogen_core import FunctionCall
from autogen_core.models import CreateResult, ModelInfo, RequestUsage
from autogen_core.tools import FunctionTool
from autogen_ext.models.replay import ReplayChatCompletionClient

from conftest import Approver, ToolBox, agent_client, join, new_call_id
from faramesh.integrations.autogen import govern_tools

AGENT = "autogen-agent"
INFO = ModelInfo(vision=False, function_calling=True, json_output=False, family="unknown", structured_output=False)


def wrap_tool(f: Any) -> FunctionTool:
    return FunctionTool(f, description=f.__doc__ or "")


def run(tools: ToolBox, name: str, args: dict, call_id: str) -> List[Any]:
    """One scripted tool call; returns what the model is shown (the execution results)."""
    model = ReplayChatCompletionClient([
        CreateResult(finish_reason="function_calls", content=[FunctionCall(id=call_id, arguments=json.dumps(args),
                                                                           name=name)],
                     usage=RequestUsage(prompt_tokens=0, completion_tokens=0), cached=False),
        "done",
    ], model_info=INFO)
    agent = AssistantAgent("ops", model_client=model, reflect_on_tool_use=True,
                           tools=govern_tools(tools.all, client=agent_client(AGENT), agent_id=AGENT))
    result = asyncio.run(agent.run(task="go"))
    assert result.messages[-1].content == "done"
    return [r for m in result.messages if isinstance(m, ToolCallExecutionEvent) for r in m.content]


def test_allowed_runs_and_is_audited(approver: Approver, tools: ToolBox, cid: str) -> None:
    [res] = run(tools, "get_weather", {"city": "Paris"}, cid)
    assert (res.content, res.is_error) == ("sunny in Paris", False)
    assert tools.ran == ["get_weather:Paris"]
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_never_runs_and_model_sees_reason(approver: Approver, tools: ToolBox, cid: str) -> None:
    [res] = run(tools, "delete_database", {"name": "prod"}, cid)
    assert res.is_error and "Deleting databases is never allowed for agents" in res.content
    assert tools.ran == []


def test_pending_approved_then_denied(approver: Approver, tools: ToolBox, cid: str) -> None:
    bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
    [res] = run(tools, "send_email", {"to": "a@example.com", "body": "x"}, cid)
    join(bg)
    assert res.content == "sent to a@example.com"
    assert approver.events(approver.for_call(AGENT, cid)[0]["id"]) == [
        "created", "decision_made", "approved", "started", "succeeded"]

    cid2 = new_call_id()
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "no mail today"), call_id=cid2)
    [res] = run(tools, "send_email", {"to": "b@example.com", "body": "x"}, cid2)
    join(bg)
    assert res.is_error and "no mail today" in res.content
    assert tools.ran == ["send_email:a@example.com"]


def test_replayed_call_id_does_not_double_submit_or_run(approver: Approver, tools: ToolBox, cid: str) -> None:
    run(tools, "get_weather", {"city": "Oslo"}, cid)
    [res] = run(tools, "get_weather", {"city": "Oslo"}, cid)
    assert res.is_error and "already executed" in res.content
    assert tools.ran == ["get_weather:Oslo"]
    assert len(approver.for_call(AGENT, cid)) == 1


def test_tool_exception_is_reported_failed(approver: Approver, tools: ToolBox, cid: str) -> None:
    def get_forecast(city: str) -> str:
        """Forecast (always fails here)."""
        raise RuntimeError("forecast service down")

    tools.all = [FunctionTool(get_forecast, description="Forecast")]
    [res] = run(tools, "get_forecast", {"city": "Rome"}, cid)
    assert res.is_error and "forecast service down" in res.content
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"])[-2:] == ["started", "failed"]


def test_unreachable_fails_closed_unless_fail_open(caplog: Any) -> None:
    from faramesh.sdk.client import ExecutionGovernorClient

    for fail_open in (False, True):
        tools = ToolBox(wrap_tool)
        model = ReplayChatCompletionClient([
            CreateResult(finish_reason="function_calls", cached=False,
                         usage=RequestUsage(prompt_tokens=0, completion_tokens=0),
                         content=[FunctionCall(id=new_call_id(), arguments='{"city": "Paris"}', name="get_weather")]),
            "done"], model_info=INFO)
        dead = ExecutionGovernorClient("http://127.0.0.1:9", token="x", retries=0, timeout=1, fail_open=fail_open)
        agent = AssistantAgent("ops", model_client=model, reflect_on_tool_use=True,
                               tools=govern_tools(tools.all, client=dead, agent_id=AGENT))
        with caplog.at_level("WARNING", logger="faramesh"):
            result = asyncio.run(agent.run(task="go"))
        [res] = [r for m in result.messages if isinstance(m, ToolCallExecutionEvent) for r in m.content]
        if fail_open:
            assert tools.ran == ["get_weather:Paris"] and not res.is_error
            assert any("FAIL-OPEN" in r.getMessage() for r in caplog.records)
        else:
            assert tools.ran == [] and res.is_error
