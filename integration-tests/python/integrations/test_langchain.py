"""LangChain 1.x: FarameshMiddleware in create_agent (wait and interrupt modes) and GovernedTool,
with a scripted chat model (no network) against the real server."""

from __future__ import annotations

import asyncio
from typing import Any, List, Optional, Sequence

import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from conftest import Approver, ToolBox, agent_client, join, new_call_id
from faramesh.integrations.langchain import FarameshMiddleware, FarameshToolRefused, GovernedTool

AGENT = "langchain-agent"


class ScriptedChatModel(GenericFakeChatModel):
    """GenericFakeChatModel that accepts tools and records every conversation it was shown."""

    seen: List[List[BaseMessage]] = []

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "ScriptedChatModel":
        return self

    def _generate(self, messages: List[BaseMessage], stop: Optional[List[str]] = None, run_manager: Any = None,
                  **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def scripted(*calls: tuple[str, dict, str]) -> ScriptedChatModel:
    """One AIMessage per (tool, args, call_id), then a final answer."""
    msgs = [AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": i, "type": "tool_call"}]) for n, a, i in calls]
    return ScriptedChatModel(messages=iter(msgs + [AIMessage(content="done")]), seen=[])


wrap_tool = tool


def tool_messages(model: ScriptedChatModel) -> List[ToolMessage]:
    return [m for m in model.seen[-1] if isinstance(m, ToolMessage)]


def agent(model: ScriptedChatModel, tools: ToolBox, mode: str = "wait", checkpointer: Any = None, **kw: Any) -> Any:
    mw = FarameshMiddleware(agent_client(AGENT), agent_id=AGENT, mode=mode, **kw)  # type: ignore[arg-type]
    return create_agent(model, tools.all, middleware=[mw], checkpointer=checkpointer)


def test_allowed_tool_runs_and_is_audited(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("get_weather", {"city": "Paris"}, cid))
    out = agent(model, tools).invoke({"messages": [("user", "weather?")]})
    assert tools.ran == ["get_weather:Paris"]
    assert out["messages"][-1].content == "done"
    assert tool_messages(model)[-1].content == "sunny in Paris"
    [action] = approver.for_call(AGENT, cid)
    assert (action["tool"], action["operation"], action["params"]) == ("get_weather", "invoke", {"city": "Paris"})
    assert action["status"] == "succeeded"
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_tool_never_runs_and_model_sees_reason(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("delete_database", {"name": "prod"}, cid))
    agent(model, tools).invoke({"messages": [("user", "drop prod")]})
    assert tools.ran == []
    [msg] = tool_messages(model)
    assert msg.status == "error" and msg.tool_call_id == cid
    assert "Deleting databases is never allowed for agents" in msg.content
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "denied"
    assert approver.events(action["id"]) == ["created", "decision_made"]


def test_pending_waits_then_approved_runs(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "a@example.com", "body": "hi"}, cid))
    bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
    agent(model, tools).invoke({"messages": [("user", "mail a")]})
    join(bg)
    assert tools.ran == ["send_email:a@example.com"]
    assert tool_messages(model)[-1].content == "sent to a@example.com"
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_pending_waits_then_denied_never_runs(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "b@example.com", "body": "hi"}, cid))
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "not to b, ever"), call_id=cid)
    agent(model, tools).invoke({"messages": [("user", "mail b")]})
    join(bg)
    assert tools.ran == []
    [msg] = tool_messages(model)
    assert msg.status == "error" and "not to b, ever" in msg.content
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "denied"


def test_wait_timeout_never_runs(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "c@example.com", "body": "hi"}, cid))
    agent(model, tools, wait_timeout=0.5).invoke({"messages": [("user", "mail c")]})
    assert tools.ran == []
    [msg] = tool_messages(model)
    assert msg.status == "error" and "no approval decision in time" in msg.content
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "pending_approval"
    approver.deny(action["id"], "cleanup")


def test_rerun_with_same_tool_call_id_does_not_double_submit_or_run(approver: Approver, tools: ToolBox, cid: str) -> None:
    for _ in range(2):
        model = scripted(("get_weather", {"city": "Oslo"}, cid))
        agent(model, tools).invoke({"messages": [("user", "weather?")]})
    assert tools.ran == ["get_weather:Oslo"]
    assert len(approver.for_call(AGENT, cid)) == 1
    assert "already executed" in tool_messages(model)[-1].content


def test_tool_error_is_reported_failed(approver: Approver, cid: str) -> None:
    @tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        raise RuntimeError("weather service down")

    model = scripted(("get_weather", {"city": "Rome"}, cid))
    mw = FarameshMiddleware(agent_client(AGENT), agent_id=AGENT)
    with pytest.raises(RuntimeError, match="weather service down"):
        create_agent(model, [get_weather], middleware=[mw]).invoke({"messages": [("user", "w")]})
    [action] = approver.for_call(AGENT, cid)
    assert action["status"] == "failed"
    assert approver.events(action["id"])[-2:] == ["started", "failed"]


def test_interrupt_mode_resumes_with_faramesh_decision(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "d@example.com", "body": "hi"}, cid))
    graph = agent(model, tools, mode="interrupt", checkpointer=InMemorySaver(), resume_wait=0.3)
    config = {"configurable": {"thread_id": f"t-{cid}"}}
    first = graph.invoke({"messages": [("user", "mail d")]}, config)
    [intr] = first["__interrupt__"]
    assert intr.value["type"] == "tool_approval" and intr.value["tool_call_id"] == cid
    action_id = intr.value["faramesh"]["action_id"]
    assert intr.value["faramesh"]["status"] == "pending_approval"
    assert tools.ran == []

    # A resume cannot approve: nobody decided in Faramesh, so the graph interrupts again.
    again = graph.invoke(Command(resume={"type": "approve"}), config)
    assert again["__interrupt__"][0].value["faramesh"]["action_id"] == action_id
    assert tools.ran == []

    approver.approve(action_id)
    done = graph.invoke(Command(resume={"type": "approve"}), config)
    assert "__interrupt__" not in done
    assert tools.ran == ["send_email:d@example.com"]
    assert done["messages"][-1].content == "done"
    assert len(approver.for_call(AGENT, cid)) == 1
    assert approver.events(action_id) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_interrupt_mode_denied_in_faramesh(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "e@example.com", "body": "hi"}, cid))
    graph = agent(model, tools, mode="interrupt", checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": f"t-{cid}"}}
    action_id = graph.invoke({"messages": [("user", "mail e")]}, config)["__interrupt__"][0].value["faramesh"]["action_id"]
    approver.deny(action_id, "e is on holiday")
    graph.invoke(Command(resume={"type": "approve"}), config)
    assert tools.ran == []
    assert "e is on holiday" in tool_messages(model)[-1].content


def test_async_agent_with_middleware(approver: Approver, tools: ToolBox, cid: str) -> None:
    cid2 = new_call_id()
    model = scripted(("get_weather", {"city": "Lima"}, cid), ("delete_database", {"name": "x"}, cid2))
    asyncio.run(agent(model, tools).ainvoke({"messages": [("user", "w")]}))
    assert tools.ran == ["get_weather:Lima"]
    assert "never allowed" in tool_messages(model)[-1].content
    assert approver.for_call(AGENT, cid)[0]["status"] == "succeeded"


def test_unreachable_gatekeeper_fails_closed(tools: ToolBox, cid: str) -> None:
    from faramesh.sdk.client import ExecutionGovernorClient

    model = scripted(("get_weather", {"city": "Paris"}, cid))
    dead = ExecutionGovernorClient("http://127.0.0.1:9", token="x", retries=0, timeout=1)
    mw = FarameshMiddleware(dead, agent_id=AGENT)
    with pytest.raises(Exception) as info:
        create_agent(model, tools.all, middleware=[mw]).invoke({"messages": [("user", "w")]})
    assert type(info.value).__name__ in ("GatekeeperUnreachable", "RequestTimeout", "ServiceUnavailable")
    assert tools.ran == []


# -- GovernedTool ------------------------------------------------------------------------------

def test_governed_tool_run_invoke_ainvoke(approver: Approver, tools: ToolBox) -> None:
    governed = GovernedTool(tool=tools.all[0], client=agent_client(AGENT), agent_id=AGENT)
    assert governed.name == "get_weather" and governed.args == tools.all[0].args
    assert governed.run({"city": "Bern"}) == "sunny in Bern"
    assert governed.invoke({"city": "Graz"}) == "sunny in Graz"
    cid = new_call_id()
    msg = asyncio.run(governed.ainvoke({"type": "tool_call", "id": cid, "name": "get_weather", "args": {"city": "Linz"}}))
    assert isinstance(msg, ToolMessage) and msg.content == "sunny in Linz"
    assert tools.ran == ["get_weather:Bern", "get_weather:Graz", "get_weather:Linz"]
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_governed_tool_denied_direct_raises_and_tool_call_returns_error(approver: Approver, tools: ToolBox) -> None:
    governed = GovernedTool(tool=tools.all[1], client=agent_client(AGENT), agent_id=AGENT)
    with pytest.raises(FarameshToolRefused) as info:
        governed.run({"name": "prod"})
    assert info.value.reason == "Deleting databases is never allowed for agents"
    cid = new_call_id()
    msg = governed.invoke({"type": "tool_call", "id": cid, "name": "delete_database", "args": {"name": "prod"}})
    assert isinstance(msg, ToolMessage) and msg.status == "error"
    assert "never allowed" in msg.content
    assert tools.ran == []


def test_governed_tool_in_agent_approval(approver: Approver, tools: ToolBox, cid: str) -> None:
    governed = [GovernedTool(tool=t, client=agent_client(AGENT), agent_id=AGENT) for t in tools.all]
    model = scripted(("send_email", {"to": "f@example.com", "body": "x"}, cid))
    bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
    create_agent(model, governed).invoke({"messages": [("user", "mail f")]})
    join(bg)
    assert tools.ran == ["send_email:f@example.com"]
    assert tool_messages(model)[-1].content == "sent to f@example.com"


def test_interrupt_mode_async(approver: Approver, tools: ToolBox, cid: str) -> None:
    model = scripted(("send_email", {"to": "g@example.com", "body": "hi"}, cid))
    graph = agent(model, tools, mode="interrupt", checkpointer=InMemorySaver(), resume_wait=0.3)
    config = {"configurable": {"thread_id": f"t-{cid}"}}

    async def scenario() -> Any:
        first = await graph.ainvoke({"messages": [("user", "mail g")]}, config)
        action_id = first["__interrupt__"][0].value["faramesh"]["action_id"]
        approver.approve(action_id)
        return await graph.ainvoke(Command(resume={"type": "approve"}), config)

    done = asyncio.run(scenario())
    assert "__interrupt__" not in done
    assert tools.ran == ["send_email:g@example.com"]
    [action] = approver.for_call(AGENT, cid)
    assert action["context"]["thread_id"] == f"t-{cid}"
    assert approver.events(action["id"]) == ["created", "decision_made", "approved", "started", "succeeded"]


def test_fail_open_is_explicit_and_logged(caplog: Any, tools: ToolBox, cid: str) -> None:
    from faramesh.sdk.client import ExecutionGovernorClient

    model = scripted(("get_weather", {"city": "Paris"}, cid))
    dead = ExecutionGovernorClient("http://127.0.0.1:9", token="x", retries=0, timeout=1, fail_open=True)
    with caplog.at_level("WARNING", logger="faramesh"):
        create_agent(model, tools.all, middleware=[FarameshMiddleware(dead, agent_id=AGENT)]).invoke(
            {"messages": [("user", "w")]})
    assert tools.ran == ["get_weather:Paris"]
    assert any("FAIL-OPEN" in r.getMessage() and "get_weather" in r.getMessage() for r in caplog.records)
