"""Microsoft Agent Framework (``agent-framework-core`` 1.x): Faramesh as function middleware.

    agent = Agent(client=chat_client, tools=[get_weather, send_email],
                  middleware=[FarameshFunctionMiddleware(client, agent_id="maf-agent")])

Every function invocation is submitted (tool = function name, params = its arguments; the
provider's ``call_id`` is the ``Idempotency-Key``). Allowed → ``call_next()`` between
``/start`` and ``/result``; pending → wait (bounded by ``wait_timeout``) for the human; denied,
expired or timed out → the function is not called and ``context.result`` is the refusal text
with the policy's (or approver's) reason, which is what the model sees.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Collection, Dict, Mapping, Optional

from agent_framework import FunctionInvocationContext, FunctionMiddleware

from .. import _lifecycle as lc

__all__ = ["FarameshFunctionMiddleware"]


class FarameshFunctionMiddleware(FunctionMiddleware):
    """Govern each function call of an Agent Framework agent (see the module docs)."""

    def __init__(self, client: Any, *, agent_id: str, operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT, tools: Optional[Collection[str]] = None) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        self.client = client
        self.agent_id = agent_id
        self.operation = operation
        self.wait_timeout = wait_timeout
        self.tools = frozenset(tools) if tools is not None else None

    def call(self, context: FunctionInvocationContext) -> lc.ToolCall:
        name = context.function.name
        args = context.arguments
        params = args.model_dump(mode="json") if hasattr(args, "model_dump") else dict(args or {})
        call_id = context.metadata.get("call_id") if isinstance(context.metadata, Mapping) else None
        ctx: Dict[str, Any] = {"framework": "agent-framework"}
        if call_id:
            ctx["tool_call_id"] = str(call_id)
        return lc.ToolCall(agent_id=self.agent_id, tool=name, operation=self.operation, params=lc.params_of(params),
                           context=ctx, idempotency_key=lc.call_key(self.agent_id, str(call_id) if call_id else None))

    async def process(self, context: FunctionInvocationContext, call_next: Callable[[], Awaitable[None]]) -> None:
        if self.tools is not None and context.function.name not in self.tools:
            await call_next()
            return
        try:
            await lc.arun_governed(self.client, self.call(context), call_next, self.wait_timeout)
        except lc.REFUSALS as exc:
            context.result = lc.refusal_message(exc, context.function.name)
