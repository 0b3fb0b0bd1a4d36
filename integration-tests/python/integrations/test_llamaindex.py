"""LlamaIndex: governed tools in a FunctionAgent driven by LlamaIndex's MockFunctionCallingLLM with a
scripted response generator (no network), blocking waits and workflow approval events."""

from __future__ import annotations

import asyncio
from typing import Any, List, Sequence

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

from conftest import Approver, ToolBox, agent_client, join
from faramesh.integrations.llamaindex import FarameshApprovalRequired, GovernedTool, governed_tool, relay_decisions

AGENT = "llamaindex-agent"


class Script:
    """One tool call, then an answer that quotes the tool result the LLM was shown."""

    def __init__(self, name: str, kwargs: dict) -> None:
        self.name, self.kwargs = name, kwargs
        self.tool_results: List[str] = []

    def __call__(self, messages: Sequence[ChatMessage], **kw: Any) -> ChatMessage:
        if messages and messages[-1].role == MessageRole.TOOL:
            self.tool_results.append(str(messages[-1].content))
            return ChatMessage(role="assistant", content=f"Tool said: {messages[-1].content}")
        return ChatMessage(role="assistant", blocks=[
            ToolCallBlock(tool_call_id="call_1", tool_name=self.name, tool_kwargs=self.kwargs)])


wrap_tool = FunctionTool.from_defaults


def run_agent(tools: List[Any], script: Script) -> str:
    llm = MockFunctionCallingLLM(response_generator=script, is_chat_model=True)
    agent = FunctionAgent(tools=tools, llm=llm, streaming=False)

    async def go() -> str:
        return str(await agent.run(user_msg="go"))

    return asyncio.run(go())


def governed(tools: ToolBox, **kw: Any) -> List[Any]:
    return [governed_tool(t, client=agent_client(AGENT), agent_id=AGENT, **kw) for t in tools.all]


def newest(approver: Approver, tool: str) -> dict:
    return approver.actions(AGENT, tool)[0]


def test_allowed_runs_and_is_audited(approver: Approver, tools: ToolBox) -> None:
    script = Script("get_weather", {"city": "Paris"})
    assert run_agent(governed(tools), script) == "Tool said: sunny in Paris"
    assert tools.ran == ["get_weather:Paris"]
    action = newest(approver, "get_weather")
    assert action["params"] == {"city": "Paris"}
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_never_runs_and_llm_sees_reason(approver: Approver, tools: ToolBox) -> None:
    script = Script("delete_database", {"name": "prod"})
    run_agent(governed(tools), script)
    assert tools.ran == []
    assert "Deleting databases is never allowed for agents" in script.tool_results[0]


def test_pending_waits_then_approved_and_denied(approver: Approver, tools: ToolBox) -> None:
    script = Script("send_email", {"to": "a@example.com", "body": "x"})
    bg = approver.in_background(AGENT, "send_email", approver.approve)
    assert run_agent(governed(tools), script) == "Tool said: sent to a@example.com"
    join(bg)
    assert approver.events(newest(approver, "send_email")["id"]) == [
        "created", "decision_made", "approved", "started", "succeeded"]

    script = Script("send_email", {"to": "b@example.com", "body": "x"})
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "b never"))
    run_agent(governed(tools), script)
    join(bg)
    assert tools.ran == ["send_email:a@example.com"]
    assert "b never" in script.tool_results[0]


def test_call_and_acall_directly(approver: Approver, tools: ToolBox) -> None:
    weather = GovernedTool(tools.all[0], client=agent_client(AGENT), agent_id=AGENT)
    assert weather.metadata.name == "get_weather"
    assert weather.call(city="Bern").content == "sunny in Bern"
    assert asyncio.run(weather.acall(city="Graz")).content == "sunny in Graz"
    drop = GovernedTool(tools.all[1], client=agent_client(AGENT), agent_id=AGENT)
    out = drop.call(name="x")
    assert out.is_error and "never allowed" in out.content
    assert tools.ran == ["get_weather:Bern", "get_weather:Graz"]


def test_workflow_events_approval(approver: Approver, tools: ToolBox) -> None:
    script = Script("send_email", {"to": "c@example.com", "body": "x"})
    llm = MockFunctionCallingLLM(response_generator=script, is_chat_model=True)
    agent = FunctionAgent(tools=governed(tools, approvals="events"), llm=llm, streaming=False)
    seen: List[FarameshApprovalRequired] = []

    async def go() -> str:
        handler = agent.run(user_msg="go")
        decided = False
        async for ev in handler.stream_events():
            if isinstance(ev, FarameshApprovalRequired):
                seen.append(ev)
                assert tools.ran == []
                if not decided:
                    approver.approve(ev.action_id)
                    decided = True
                from faramesh.integrations.llamaindex import FarameshDecision
                handler.ctx.send_event(FarameshDecision(action_id=ev.action_id))
        return str(await handler)

    assert asyncio.run(go()) == "Tool said: sent to c@example.com"
    assert tools.ran == ["send_email:c@example.com"]
    assert len(seen) == 1 and seen[0].tool_kwargs == {"to": "c@example.com", "body": "x"}
    assert [a["id"] for a in approver.actions(AGENT, "send_email") if a["params"]["to"] == "c@example.com"] == [
        seen[0].action_id]
    assert approver.events(seen[0].action_id) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_workflow_events_relayed_from_faramesh_denial(approver: Approver, tools: ToolBox) -> None:
    script = Script("send_email", {"to": "d@example.com", "body": "x"})
    llm = MockFunctionCallingLLM(response_generator=script, is_chat_model=True)
    agent = FunctionAgent(tools=governed(tools, approvals="events"), llm=llm, streaming=False)
    client = agent_client(AGENT)

    async def go() -> str:
        handler = agent.run(user_msg="go")
        bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "d is out"))
        await relay_decisions(handler, client, wait_timeout=30)
        join(bg)
        return str(await handler)

    answer = asyncio.run(go())
    assert tools.ran == []
    assert "d is out" in answer
