"""MCP client side: GovernedClientSession around a real mcp.ClientSession talking to a real MCP
server subprocess over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, List

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import TextContent

from conftest import BASE, TOKENS, Approver, join, new_call_id
from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.mcp import GovernedClientSession

AGENT = "mcp-agent"
SERVER = Path(__file__).with_name("mcp_tools_server.py")


def with_session(tmp_path: Path, body: Callable[[GovernedClientSession], Awaitable[Any]]) -> List[str]:
    log = tmp_path / "ran.log"

    async def go() -> None:
        params = StdioServerParameters(command=sys.executable, args=[str(SERVER), str(log)])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            async with AsyncExecutionGovernorClient(BASE, token=TOKENS[AGENT]) as client:
                await body(GovernedClientSession(session, client, agent_id=AGENT, server="test-tools"))

    asyncio.run(go())
    return log.read_text().splitlines() if log.exists() else []


def text(result: Any) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def test_allowed_denied_and_listing(approver: Approver, tmp_path: Path) -> None:
    cid = new_call_id()
    out: dict = {}

    async def body(s: GovernedClientSession) -> None:
        out["tools"] = sorted(t.name for t in (await s.list_tools()).tools)  # passes through
        out["ok"] = await s.call_tool("get_weather", {"city": "Paris"}, call_id=cid)
        out["no"] = await s.call_tool("delete_database", {"name": "prod"})

    ran = with_session(tmp_path, body)
    assert out["tools"] == ["delete_database", "get_forecast", "get_weather", "send_email"]
    assert not out["ok"].is_error and "sunny in Paris" in text(out["ok"])
    assert out["no"].is_error and "Deleting databases is never allowed for agents" in text(out["no"])
    assert ran == ["get_weather:Paris"]
    [action] = approver.for_call(AGENT, cid)
    assert action["context"]["mcp_server"] == "test-tools"
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]


def test_pending_approved_then_denied(approver: Approver, tmp_path: Path) -> None:
    cid, cid2 = new_call_id(), new_call_id()
    out: dict = {}

    async def body(s: GovernedClientSession) -> None:
        bg = approver.in_background(AGENT, "send_email", approver.approve, call_id=cid)
        out["a"] = await s.call_tool("send_email", {"to": "a@example.com", "body": "x"}, call_id=cid)
        join(bg)
        bg = approver.in_background(AGENT, "send_email", lambda i: approver.deny(i, "b bounced"), call_id=cid2)
        out["b"] = await s.call_tool("send_email", {"to": "b@example.com", "body": "x"}, call_id=cid2)
        join(bg)

    ran = with_session(tmp_path, body)
    assert "sent to a@example.com" in text(out["a"])
    assert out["b"].is_error and "b bounced" in text(out["b"])
    assert ran == ["send_email:a@example.com"]
    assert approver.events(approver.for_call(AGENT, cid)[0]["id"]) == [
        "created", "decision_made", "approved", "started", "succeeded"]


def test_retry_with_same_call_id_does_not_double_submit(approver: Approver, tmp_path: Path) -> None:
    cid = new_call_id()
    out: dict = {}

    async def body(s: GovernedClientSession) -> None:
        await s.call_tool("get_weather", {"city": "Oslo"}, call_id=cid)
        out["again"] = await s.call_tool("get_weather", {"city": "Oslo"}, call_id=cid)

    ran = with_session(tmp_path, body)
    assert out["again"].is_error and "already executed" in text(out["again"])
    assert ran == ["get_weather:Oslo"]
    assert len(approver.for_call(AGENT, cid)) == 1


def test_server_tool_error_is_reported_failed(approver: Approver, tmp_path: Path) -> None:
    cid = new_call_id()
    out: dict = {}

    async def body(s: GovernedClientSession) -> None:
        out["r"] = await s.call_tool("get_forecast", {"city": "Rome"}, call_id=cid)

    ran = with_session(tmp_path, body)
    assert ran == ["get_forecast:Rome"]
    assert out["r"].is_error and text(out["r"]) == "Error executing tool get_forecast"  # the server hides details
    [action] = approver.for_call(AGENT, cid)
    assert approver.events(action["id"])[-2:] == ["started", "failed"]
