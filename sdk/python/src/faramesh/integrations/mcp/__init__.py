"""MCP client side: :class:`GovernedClientSession` governs ``mcp.ClientSession.call_tool``.

    async with ClientSession(read, write) as session:
        await session.initialize()
        governed = GovernedClientSession(session, client, agent_id="mcp-agent", server="files")
        result = await governed.call_tool("read_file", {"path": "README.md"}, call_id=tool_call_id)

Each ``call_tool`` is submitted first (tool = the MCP tool name, params = its arguments,
context = ``{"framework": "mcp", "mcp_server": server}``; ``call_id`` - the agent's tool-call id,
when it has one - is the ``Idempotency-Key``). Allowed or approved (after a bounded wait) →
the real ``call_tool`` between ``/start`` and ``/result`` (``failed`` when the server returns
``is_error``). Denied / expired / timed out → the server is never called and the caller gets
a ``CallToolResult(is_error=True)`` whose text is the reason (MCP's own channel for tool
execution errors, which models can read). Every other attribute is the wrapped session's.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from mcp.types import CallToolResult, TextContent

from .. import _lifecycle as lc

__all__ = ["GovernedClientSession"]


class _ServerToolError(Exception):
    def __init__(self, result: CallToolResult) -> None:
        texts = [c.text for c in result.content if isinstance(c, TextContent)]
        super().__init__(" ".join(texts)[: lc.MAX_ERROR_CHARS] or "MCP tool returned is_error")
        self.result = result


class GovernedClientSession:
    """Wraps an ``mcp.ClientSession`` (or anything with its ``call_tool``); see the module docs."""

    def __init__(self, session: Any, client: Any, *, agent_id: str, server: Optional[str] = None,
                 operation: str = lc.DEFAULT_OPERATION, wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        self.session = session
        self.client = client
        self.agent_id = agent_id
        self.server = server
        self.operation = operation
        self.wait_timeout = wait_timeout

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    async def call_tool(self, name: str, arguments: Optional[Dict[str, Any]] = None, *args: Any,
                        call_id: Optional[str] = None, **kwargs: Any) -> CallToolResult:
        context: Dict[str, Any] = {"framework": "mcp"}
        if self.server:
            context["mcp_server"] = self.server
        if call_id:
            context["tool_call_id"] = call_id
        call = lc.ToolCall(agent_id=self.agent_id, tool=name, operation=self.operation,
                           params=lc.params_of(arguments or {}), context=context,
                           idempotency_key=lc.call_key(self.agent_id, self.server, call_id) if call_id else None)

        async def run() -> CallToolResult:
            result: CallToolResult = await self.session.call_tool(name, arguments, *args, **kwargs)
            if result.is_error:
                raise _ServerToolError(result)
            return result

        try:
            return await lc.arun_governed(self.client, call, run, self.wait_timeout)
        except _ServerToolError as failed:
            return failed.result
        except lc.REFUSALS as exc:
            return CallToolResult(content=[TextContent(type="text", text=lc.refusal_message(exc, name))], is_error=True)
