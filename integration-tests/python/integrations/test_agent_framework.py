"""Microsoft Agent Framework: FarameshFunctionMiddleware on an Agent whose chat client is scripted
(a BaseChatClient with the framework's FunctionInvocationLayer; no network)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, List

from agent_framework import Agent, BaseChatClient, ChatResponse, Content, FunctionInvocationLayer, Message, tool

from conftest import Approver, agent_client, join, new_call_id
from faramesh.integrations.agent_framework import FarameshFunctionMiddleware

AGENT = "agent-framework-agent"


class ScriptedChatClient(FunctionInvocationLayer, BaseChatClient):
    """First answer: one function call; afterwards: quote the function result it was given."""

    def __init__(self, name: str, args: dict, call_id: str) -> None:
        super().__init__()
        self.call = (name, args, call_id)
        self.results: List[str] = []

    async def _respond(self, messages: Any) -> ChatResponse:
        results = [c for m in messages for c in (m.contents or []) if getattr(c, "type", None) == "function_result"]
        if results:
            text = str(results[-1].result)
            self.results.append(text)
            return ChatResponse(messages=[Message(role="assistant", contents=[f"Tool said: {text}"])])
        name, args, call_id = self.call
        return ChatResponse(messages=[Message(role="assistant", contents=[
            Content.from_function_call(call_id, name, arguments=json.dumps(args))])])

    def _inner_get_response(self, *, messages: Any, stream: bool, options: Any, **kwargs: Any) -> Any:
        assert not stream
        return self._respond(messages)


RAN: List[str] = []


@tool(approval_mode="never_require")
def get_weather(city: str) -> str:
    """Current weather for a city."""
    RAN.append(f"get_weather:{city}")
    return f"sunny in {city}"


@tool(approval_mode="never_require")
def delete_database(name: str) -> str:
    """Drop a database."""
    RAN.append(f"delete_database:{name}")
    return "dropped"


@tool(approval_mode="never_require")
def send_email(to: str, body: str) -> str:
    """Send an email."""
    RAN.append(f"send_email:{to}")
    return f"sent to {to}"


def run(name: str, args: dict, call_id: str) -> ScriptedChatClient:
    chat = ScriptedChatClient(name, args, call_id)
    agent = Agent(client=chat, tools=[get_weather, delete_database, send_email],
                  middleware=[FarameshFunctionMiddleware(agent_client(AGENT), agent_id=AGENT)])
    asyncio.run(agent.run("go"))
    return chat


def test_allowed_runs_and_is_audited(approver: Approver) -> None:
    RAN.clear()
    cid = new_call_id()
    assert run("get_weather", {"city": "Paris"}, cid).results == ["sunny in Paris"]
    assert RAN == ["get_weather:Paris"]
    [action] = approver.for_call(AGENT, cid)
    assert action["params"] == {"city": "Paris"}
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_denied_never_runs_and_model_sees_reason(approver: Approver) -> None:
    RAN.clear()
    [text] = run("delete_database", {"name": "prod"}, new_call_id()).results
    assert "Deleting databases is never allowed for agents" in text
    assert RAN == []


def test_pending_approved_then_denied(approver: Approver) -> None:
    RAN.clear()
    cid = new_call_id()
    bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
    assert run("send_email", {"to": "a@example.com", "body": "x"}, cid).results == ["sent to a@example.com"]
    join(bg)
    assert approver.events(approver.for_call(AGENT, cid)[0]["id"]) == [
        "created", "decision_made", "approved", "started", "succeeded"]
    cid2 = new_call_id()
    bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "not b"), call_id=cid2)
    [text] = run("send_email", {"to": "b@example.com", "body": "x"}, cid2).results
    join(bg)
    assert "not b" in text
    assert RAN == ["send_email:a@example.com"]


def test_replayed_call_id_does_not_double_submit_or_run(approver: Approver) -> None:
    RAN.clear()
    cid = new_call_id()
    run("get_weather", {"city": "Oslo"}, cid)
    [text] = run("get_weather", {"city": "Oslo"}, cid).results
    assert "already executed" in text
    assert RAN == ["get_weather:Oslo"]
    assert len(approver.for_call(AGENT, cid)) == 1
