"""CrewAI 1.x: Faramesh as ``PRE_TOOL_CALL`` / ``POST_TOOL_CALL`` hooks.

    hooks = FarameshHooks(client, agent_id="research-crew")
    with hooks:                       # registers both hooks globally (or hooks.register())
        crew.kickoff()

* ``PRE_TOOL_CALL``: submit the call (tool = CrewAI tool name, params = the tool input); allowed
  → ``/start`` and let CrewAI run it; pending → wait (bounded by ``wait_timeout``) for the
  human; denied / expired / timeout → ``raise HookAborted(reason, source="faramesh")``, so the
  tool never runs.
* ``POST_TOOL_CALL``: report the result (``succeeded``, or ``failed`` when CrewAI reports a tool
  error: an exception, a ``ToolFailure``, or its "I encountered an error ..." text; CrewAI's own
  retries of a failing tool stay inside this one action); for a blocked call it replaces CrewAI's generic "Tool execution blocked by hook"
  text with Faramesh's refusal, so the model sees the policy's (or approver's) reason.

CrewAI gives hooks no tool-call id, so each call gets its own ``Idempotency-Key`` (the
client's retries reuse it); pass ``key_fn(ctx) -> str`` to derive a stable one.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Collection, Dict, Optional, Tuple

from crewai.hooks.dispatch import HookAborted, InterceptionPoint, register, unregister
from crewai.tools.tool_failure import ToolFailure

from .. import _lifecycle as lc

__all__ = ["FarameshHooks"]

_ERROR_PREFIXES = ("Error executing tool", "I encountered an error while trying to use the tool")


class FarameshHooks:
    """A pair of CrewAI tool hooks that govern every tool call (see the module docs)."""

    def __init__(self, client: Any, *, agent_id: str, operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT, tools: Optional[Collection[str]] = None,
                 key_fn: Optional[Callable[[Any], Optional[str]]] = None) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        self.client = client
        self.agent_id = agent_id
        self.operation = operation
        self.wait_timeout = wait_timeout
        self.tools = frozenset(tools) if tools is not None else None
        self.key_fn = key_fn
        # PRE and POST get different context objects but the same tool_input dict: pair on it.
        self._open: Dict[int, Tuple[str, Optional[str], Optional[str]]] = {}
        self._lock = threading.Lock()

    # -- registration ----------------------------------------------------------------------

    def register(self) -> "FarameshHooks":
        register(InterceptionPoint.PRE_TOOL_CALL, self.pre_tool_call)
        register(InterceptionPoint.POST_TOOL_CALL, self.post_tool_call)
        return self

    def unregister(self) -> None:
        unregister(InterceptionPoint.PRE_TOOL_CALL, self.pre_tool_call)
        unregister(InterceptionPoint.POST_TOOL_CALL, self.post_tool_call)

    def __enter__(self) -> "FarameshHooks":
        return self.register()

    def __exit__(self, *exc: object) -> None:
        self.unregister()

    # -- hooks -----------------------------------------------------------------------------

    def governs(self, ctx: Any) -> bool:
        return self.tools is None or ctx.tool_name in self.tools

    def call(self, ctx: Any) -> lc.ToolCall:
        context: Dict[str, Any] = {"framework": "crewai"}
        # Only stable values: with a ``key_fn`` a re-run of the same call must hash the same.
        role = getattr(getattr(ctx, "agent", None), "role", None)
        if isinstance(role, str):
            context["crew_agent_role"] = role
        key = self.key_fn(ctx) if self.key_fn else None
        return lc.ToolCall(agent_id=self.agent_id, tool=ctx.tool_name, operation=self.operation,
                           params=lc.params_of(dict(ctx.tool_input or {})), context=context,
                           idempotency_key=lc.call_key(self.agent_id, key) if key else None)

    def pre_tool_call(self, ctx: Any) -> None:
        if not self.governs(ctx):
            return None
        try:
            action = lc.submit(self.client, self.call(ctx))
            action = lc.settle(self.client, action, self.wait_timeout)
            lc.start(self.client, action["id"])
        except lc.REFUSALS as exc:
            message = lc.refusal_message(exc, ctx.tool_name)
            self._remember(ctx, ("refused", None, message))
            raise HookAborted(message, source="faramesh") from exc
        except Exception as exc:
            # Unreachable gatekeeper (fail closed) or any client error: the tool must not run.
            message = lc.refusal_message(exc, ctx.tool_name) if hasattr(exc, "status_code") else \
                f"Tool '{ctx.tool_name}' was not run: {exc}"
            self._remember(ctx, ("refused", None, message))
            raise HookAborted(message, source="faramesh") from exc
        self._remember(ctx, ("started", action["id"], None))
        return None

    def post_tool_call(self, ctx: Any) -> Optional[str]:
        with self._lock:
            entry = self._open.pop(id(ctx.tool_input), None)
        if entry is None:
            return None
        state, action_id, message = entry
        if state == "refused":
            return message
        assert action_id is not None
        raw = getattr(ctx, "raw_tool_result", None)
        failed = isinstance(raw, (BaseException, ToolFailure)) or (
            isinstance(raw, str) and raw.lstrip().startswith(_ERROR_PREFIXES))
        lc.report(self.client, action_id, not failed, str(raw)[: lc.MAX_ERROR_CHARS] if failed else None)
        return None

    def _remember(self, ctx: Any, entry: Tuple[str, Optional[str], Optional[str]]) -> None:
        with self._lock:
            self._open[id(ctx.tool_input)] = entry
