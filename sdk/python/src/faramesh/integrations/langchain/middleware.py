"""``FarameshMiddleware``: a LangChain 1.x agent middleware (``create_agent(..., middleware=[...])``)
whose ``wrap_tool_call`` / ``awrap_tool_call`` run every tool call through Faramesh.

``mode="wait"`` (default) blocks a call that needs approval until a human decides (bounded by
``wait_timeout``); ``mode="interrupt"`` turns it into a LangGraph ``interrupt()`` that the
application resumes with ``Command(resume={"type": "approve"})`` once the approver decided in
Faramesh (the decision is read from Faramesh, never taken from the resume value). Interrupt mode
needs a checkpointer and a ``thread_id``, as for LangChain's own ``HumanInTheLoopMiddleware``.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Collection, Optional, Union

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from .. import _lifecycle as lc
from ..langgraph._guard import Mode, ToolCallGuard


class _AgentGuard(ToolCallGuard):
    framework = "langchain"


class FarameshMiddleware(AgentMiddleware):
    """Govern the agent's tool calls; see the module docs."""

    def __init__(self, client: Any, *, agent_id: str, mode: Mode = "wait", operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT, resume_wait: float = 10.0,
                 tools: Optional[Collection[str]] = None) -> None:
        super().__init__()
        self.guard = _AgentGuard(client, agent_id=agent_id, mode=mode, operation=operation,
                                 wait_timeout=wait_timeout, resume_wait=resume_wait, tools=tools)

    def wrap_tool_call(self, request: Any, handler: Callable[[Any], Union[ToolMessage, Command]]
                       ) -> Union[ToolMessage, Command]:
        return self.guard.wrap_tool_call(request, handler)

    async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Union[ToolMessage, Command]]]
                              ) -> Union[ToolMessage, Command]:
        return await self.guard.awrap_tool_call(request, handler)
