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

CrewAI gives hooks no tool-call id (``ToolCallHookContext`` has tool name, input, tool, agent,
task and crew only; even the native function-calling path, which has the LLM's ``call_id``, does
not pass it on). The ``Idempotency-Key`` is therefore derived from what CrewAI keeps stable when it
re-runs a step (:func:`step_key`): the execution id (the crew's ``CrewKickoffStartedEvent`` id, or
a standalone agent's kickoff id), task id, agent id, the executor's iteration, the tool name and
the canonical arguments. CrewAI re-runs a task from its first iteration, with all these ids
unchanged, when an agent retries after an error (``max_retry_limit``) and when a crew resumes from
a checkpoint (``Crew.from_checkpoint`` / ``kickoff(from_checkpoint=...)``, also in a new
process); such a re-run submits the same key, so a call that already ran is not run again. A new
``kickoff()`` or ``replay()`` is a new execution. ``key_fn(ctx) -> str | None`` overrides the
derivation (``None``: a fresh key for that call).
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any, Callable, Collection, Dict, Optional, Tuple

from crewai.hooks.dispatch import HookAborted, InterceptionPoint, register, unregister
from crewai.tools.tool_failure import ToolFailure

from .. import _lifecycle as lc

__all__ = ["FarameshHooks", "step_key"]

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
        params = lc.params_of(dict(ctx.tool_input or {}))
        key = self.key_fn(ctx) if self.key_fn else step_key(ctx, params)
        return lc.ToolCall(agent_id=self.agent_id, tool=ctx.tool_name, operation=self.operation,
                           params=params, context=context,
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


def step_key(ctx: Any, params: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """A key for one CrewAI tool-call step that stays the same when CrewAI re-runs the step.

    Parts: the execution id (``crew._kickoff_event_id``, set from the ``CrewKickoffStartedEvent``
    of each ``kickoff()`` and restored from a checkpoint; a standalone ``Agent.kickoff()`` has its
    own), the task id, the agent id, the executor's ``iterations`` (0 at the start of every
    attempt, +1 per tool step), the tool name and the arguments as canonical JSON. ``None`` when
    the hook has no execution (a hook dispatched by hand): the call then gets a fresh key.
    Two identical calls (same tool, same arguments) in one model turn share the key.
    """
    crew, agent, task = getattr(ctx, "crew", None), getattr(ctx, "agent", None), getattr(ctx, "task", None)
    execution = getattr(crew, "_kickoff_event_id", None) or getattr(agent, "_kickoff_event_id", None)
    if not execution:
        return None
    executor = getattr(agent, "agent_executor", None)
    iteration = getattr(executor, "iterations", None)
    if params is None:
        params = lc.params_of(dict(getattr(ctx, "tool_input", None) or {}))
    parts = [str(execution), str(getattr(task, "id", "") or ""), str(getattr(agent, "id", "") or ""),
             "" if iteration is None else str(iteration), str(ctx.tool_name),
             json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)]
    return "crewai-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:48]
