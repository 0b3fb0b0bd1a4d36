"""LlamaIndex: governed tools for ``FunctionAgent`` / ``AgentWorkflow`` / ``ReActAgent``, and
workflow events for approvals.

    weather = governed_tool(FunctionTool.from_defaults(get_weather), client=client, agent_id="li-agent")
    agent = FunctionAgent(tools=[weather, ...], llm=llm)

``governed_tool(tool, ..., approvals="wait")`` returns a :class:`GovernedTool` (an
``AsyncBaseTool`` with the wrapped tool's metadata): ``call`` / ``acall`` submit the call, block
(bounded by ``wait_timeout``) while a human decides, and run the tool only when allowed or
approved, with ``/start`` and ``/result`` around it. A refusal is a ``ToolOutput(is_error=True)``
whose content is the policy's (or approver's) reason, so the LLM sees it.

``approvals="events"`` returns a ``FunctionTool`` that takes the workflow ``Context``: a pending
call writes :class:`FarameshApprovalRequired` (an ``InputRequiredEvent``) to the event stream and
waits with ``ctx.wait_for_event`` for :class:`FarameshDecision` (a ``HumanResponseEvent``). The
application feeds it with :func:`relay_decisions` (which follows Faramesh's SSE stream) or sends
it itself after the human decided; either way the decision is re-read from Faramesh, an event
cannot approve anything. LlamaIndex replays the whole step when the event arrives, so the call's
``Idempotency-Key`` is kept in the workflow's ``ctx.store`` until the call finishes.
"""


import asyncio
import hashlib
import json
import uuid
from typing import Any, Dict, Literal, Optional

from llama_index.core.tools import FunctionTool, ToolMetadata, ToolOutput
from llama_index.core.tools.types import AsyncBaseTool, BaseTool, adapt_to_async_tool
from workflows import Context
from workflows.events import HumanResponseEvent, InputRequiredEvent

from ... import errors
from .. import _lifecycle as lc

__all__ = ["FarameshApprovalRequired", "FarameshDecision", "GovernedTool", "governed_tool", "relay_decisions"]


class FarameshApprovalRequired(InputRequiredEvent):
    """Written to the stream when a tool call waits for a human in Faramesh."""

    action_id: str
    tool_name: str
    tool_kwargs: Dict[str, Any]
    reason: Optional[str] = None


class FarameshDecision(HumanResponseEvent):
    """Tells the waiting tool to re-read its action (``response`` is informative only)."""

    action_id: str
    response: str = "decided"


class _ToolFailed(Exception):
    def __init__(self, output: ToolOutput) -> None:
        super().__init__(output.content[: lc.MAX_ERROR_CHARS])
        self.output = output


def _checked(output: ToolOutput) -> ToolOutput:
    if output.is_error:
        raise _ToolFailed(output)
    return output


class GovernedTool(AsyncBaseTool):
    """``tool`` behind Faramesh (blocking approval waits); see the module docs."""

    def __init__(self, tool: BaseTool, *, client: Any, agent_id: str, operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        self.tool: AsyncBaseTool = adapt_to_async_tool(tool)
        self.client = client
        self.agent_id = agent_id
        self.operation = operation
        self.wait_timeout = wait_timeout

    @property
    def metadata(self) -> ToolMetadata:
        return self.tool.metadata

    def _call(self, kwargs: Dict[str, Any], key: Optional[str] = None) -> lc.ToolCall:
        return _tool_call(self.metadata.get_name(), self.agent_id, self.operation, kwargs, key)

    def _refused(self, exc: errors.FarameshError, kwargs: Dict[str, Any]) -> ToolOutput:
        return _refusal_output(self.metadata.get_name(), exc, kwargs)

    def call(self, *args: Any, **kwargs: Any) -> ToolOutput:
        params = _params(args, kwargs)
        try:
            return lc.run_governed(self.client, self._call(params), lambda: _checked(self.tool.call(*args, **kwargs)),
                                   self.wait_timeout)
        except _ToolFailed as failed:
            return failed.output
        except lc.REFUSALS as exc:
            return self._refused(exc, params)

    async def acall(self, *args: Any, **kwargs: Any) -> ToolOutput:
        params = _params(args, kwargs)

        async def run() -> ToolOutput:
            return _checked(await self.tool.acall(*args, **kwargs))

        try:
            return await lc.arun_governed(self.client, self._call(params), run, self.wait_timeout)
        except _ToolFailed as failed:
            return failed.output
        except lc.REFUSALS as exc:
            return self._refused(exc, params)


def _params(args: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    if args and not kwargs:
        return lc.params_of(args[0] if len(args) == 1 else list(args))
    return lc.params_of({**kwargs, **({"args": list(args)} if args else {})})


def _tool_call(name: str, agent_id: str, operation: str, params: Dict[str, Any], key: Optional[str]) -> lc.ToolCall:
    return lc.ToolCall(agent_id=agent_id, tool=name, operation=operation, params=params,
                       context={"framework": "llamaindex"}, idempotency_key=key)


def _refusal_output(name: str, exc: errors.FarameshError, params: Dict[str, Any]) -> ToolOutput:
    message = lc.refusal_message(exc, name)
    return ToolOutput(content=message, tool_name=name, raw_input={"kwargs": params}, raw_output=message,
                      is_error=True)


def governed_tool(tool: BaseTool, *, client: Any, agent_id: str, operation: str = lc.DEFAULT_OPERATION,
                  wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT, approvals: Literal["wait", "events"] = "wait",
                  resume_wait: float = 10.0) -> AsyncBaseTool:
    """``tool`` governed by Faramesh; ``approvals`` picks blocking waits or workflow events."""
    if approvals == "wait":
        return GovernedTool(tool, client=client, agent_id=agent_id, operation=operation, wait_timeout=wait_timeout)
    if approvals != "events":
        raise ValueError(f"approvals must be 'wait' or 'events', not {approvals!r}")
    inner = adapt_to_async_tool(tool)
    name = inner.metadata.get_name()

    async def governed(ctx: Context, **kwargs: Any) -> Any:
        params = lc.params_of(kwargs)
        slot = "faramesh:" + hashlib.sha256(json.dumps([agent_id, name, params], sort_keys=True, default=str)
                                            .encode()).hexdigest()[:32]
        key = await ctx.store.get(slot, default=None)
        if key is None:
            key = f"li-{uuid.uuid4().hex}"
            await ctx.store.set(slot, key)
        try:
            action = await lc.asubmit(client, _tool_call(name, agent_id, operation, params, key))
            if action["status"] in lc.PENDING:
                # Replays the step when the event arrives (everything above is idempotent).
                await ctx.wait_for_event(
                    FarameshDecision,
                    waiter_event=FarameshApprovalRequired(prefix=f"Faramesh approval needed for {name}",
                                                          action_id=action["id"], tool_name=name,
                                                          tool_kwargs=params, reason=action.get("reason")),
                    waiter_id=f"faramesh:{action['id']}", requirements={"action_id": action["id"]},
                    timeout=wait_timeout)
                action = await lc.asettle(client, action, resume_wait)
            output = await lc.aexecute(client, action["id"], lambda: _checked_async(inner, kwargs))
        except _ToolFailed as failed:
            await ctx.store.set(slot, None)
            return failed.output
        except (*lc.REFUSALS, asyncio.TimeoutError) as exc:
            await ctx.store.set(slot, None)
            if isinstance(exc, asyncio.TimeoutError):
                exc = errors.ActionPending(f"no decision within {wait_timeout:g}s")
            return _refusal_output(name, exc, params)
        await ctx.store.set(slot, None)
        return output

    return FunctionTool(async_fn=governed, metadata=inner.metadata)


async def _checked_async(tool: AsyncBaseTool, kwargs: Dict[str, Any]) -> ToolOutput:
    return _checked(await tool.acall(**kwargs))


async def relay_decisions(handler: Any, client: Any, *, wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT) -> None:
    """Follow a running workflow's event stream; for every :class:`FarameshApprovalRequired`,
    wait (SSE) for the Faramesh decision and send :class:`FarameshDecision` back. Returns when
    the stream ends."""
    pending: set[asyncio.Task[None]] = set()

    async def relay(event: FarameshApprovalRequired) -> None:
        try:
            action = await lc._acall(client, "wait_for_decision", event.action_id, timeout=wait_timeout)
            status = str(action.get("status"))
        except errors.ActionPending:
            status = "pending_approval"
        handler.ctx.send_event(FarameshDecision(action_id=event.action_id, response=status))

    async for event in handler.stream_events():
        if isinstance(event, FarameshApprovalRequired):
            task = asyncio.create_task(relay(event))
            pending.add(task)
            task.add_done_callback(pending.discard)
    for task in list(pending):
        task.cancel()
