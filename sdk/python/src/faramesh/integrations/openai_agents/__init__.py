"""OpenAI Agents SDK: Faramesh decides ``needs_approval``, a tool input guardrail rejects denied
calls with the policy's reason, and the approval interruptions are resolved from Faramesh.

    gov = FarameshGovernor(client, agent_id="my-agent")
    agent = Agent(name="ops", tools=[gov.govern(send_email), gov.govern(get_weather)])
    result = await Runner.run(agent, "...")
    while result.interruptions:                      # calls waiting for a human in Faramesh
        state = await gov.resolve(result)            # approve/reject each from Faramesh's decision
        result = await Runner.run(agent, state)

Across processes: save ``result.to_state().to_string()`` and exit; later, in any process,
``state = await RunState.from_string(agent, saved)``, ``await gov.resolve(state)`` and
``Runner.run(agent, state)``.

Per call (the tool-call id is the ``Idempotency-Key``, so the three steps share one action):

* ``needs_approval`` submits the call; it is ``True`` only when Faramesh says
  ``pending_approval`` - the run stops with a ``ToolApprovalItem``;
* the input guardrail (it runs right before the tool) re-reads the action: allowed / approved
  → run; denied or expired → ``reject_content`` with the reason (the model sees it); still
  pending (someone approved in the SDK, not in Faramesh) → rejected too;
* the tool body is wrapped with ``/start`` and ``/result``.

:meth:`FarameshGovernor.resolve` waits (bounded by ``wait_timeout``) for each interruption's
Faramesh decision and turns it into ``state.approve(item)`` or ``state.reject(item,
rejection_message=<reason>)``; a wait that times out rejects (the tool never runs).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Optional

from agents import FunctionTool, RunContextWrapper, RunState, ToolGuardrailFunctionOutput, tool_input_guardrail
from agents.tool_context import ToolContext
from agents.tool_guardrails import ToolInputGuardrailData

from ... import errors
from .. import _lifecycle as lc

__all__ = ["FarameshGovernor"]


class FarameshGovernor:
    """Governs OpenAI Agents SDK function tools for one agent id (see the module docs)."""

    def __init__(self, client: Any, *, agent_id: str, operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        self.client = client
        self.agent_id = agent_id
        self.operation = operation
        self.wait_timeout = wait_timeout
        self.guardrail = tool_input_guardrail(name="faramesh")(self._guardrail)

    # -- mapping ---------------------------------------------------------------------------

    def call(self, tool: str, params: Any, call_id: Optional[str]) -> lc.ToolCall:
        context: Dict[str, Any] = {"framework": "openai-agents"}
        if call_id:
            context["tool_call_id"] = call_id
        return lc.ToolCall(agent_id=self.agent_id, tool=tool, operation=self.operation, params=lc.params_of(params),
                           context=context, idempotency_key=lc.call_key(self.agent_id, call_id))

    @staticmethod
    def _args(arguments: Optional[str]) -> Dict[str, Any]:
        parsed = json.loads(arguments) if arguments else {}
        return parsed if isinstance(parsed, dict) else {"input": parsed}

    async def action(self, tool: str, arguments: Optional[str], call_id: Optional[str]) -> Dict[str, Any]:
        """The (idempotent) action of one tool call: raises for denied / expired / executed."""
        return await lc.asubmit(self.client, self.call(tool, self._args(arguments), call_id))

    # -- the SDK's hooks -------------------------------------------------------------------

    def govern(self, tool: FunctionTool) -> FunctionTool:
        """A copy of ``tool`` with Faramesh's ``needs_approval``, guardrail and audit."""
        name = tool.name

        async def needs_approval(ctx: RunContextWrapper[Any], params: Dict[str, Any], call_id: str) -> bool:
            try:
                action = await lc.asubmit(self.client, self.call(name, params, call_id))
            except lc.REFUSALS:
                return False  # the guardrail rejects it with the reason; nothing to approve
            return action["status"] in lc.PENDING

        original = tool.on_invoke_tool
        inner = getattr(original, "_invoke_tool_impl", None)

        async def invoke(ctx: ToolContext[Any], arguments: str, _run: Any = inner or original) -> Any:
            # The guardrail has just checked this call; the re-submit returns the same action.
            action = await self.action(name, arguments, ctx.tool_call_id)
            return await lc.aexecute(self.client, action["id"], lambda: _run(ctx, arguments))

        on_invoke: Any = invoke
        if inner is not None and hasattr(original, "_on_handled_error"):
            # Keep the SDK's failure handling (errors shown to the model) outside the audit
            # wrapper, so a tool exception is still reported as failed.
            on_invoke = type(original)(invoke, original._on_handled_error)  # type: ignore[attr-defined]
        guardrails = [self.guardrail, *(tool.tool_input_guardrails or [])]
        return dataclasses.replace(tool, needs_approval=needs_approval, tool_input_guardrails=guardrails,
                                   on_invoke_tool=on_invoke)

    async def _guardrail(self, data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        ctx = data.context
        try:
            action = await self.action(ctx.tool_name, ctx.tool_arguments, ctx.tool_call_id)
        except lc.REFUSALS as exc:
            return ToolGuardrailFunctionOutput.reject_content(
                lc.refusal_message(exc, ctx.tool_name), output_info={"faramesh": _info(exc)})
        if action["status"] in lc.PENDING:
            return ToolGuardrailFunctionOutput.reject_content(
                f"Tool '{ctx.tool_name}' was not run: it is still waiting for approval in Faramesh "
                f"(action {action['id']}).", output_info={"faramesh": {"action_id": action["id"]}})
        return ToolGuardrailFunctionOutput.allow(output_info={"faramesh": {"action_id": action["id"]}})

    # -- approvals -------------------------------------------------------------------------

    async def resolve(self, result: Any, *, wait_timeout: Optional[float] = None) -> Any:
        """The run's state with every interruption approved or rejected from Faramesh.

        ``result`` is a run result (``result.to_state()`` is used) or a ``RunState`` itself, e.g.
        one loaded with ``RunState.from_string(agent, saved)`` in another process: the
        interruption's tool-call id finds the same action, so an approval given while no process
        was running is honoured and the tool runs once.
        """
        if isinstance(result, RunState):
            state, items = result, result.get_interruptions()
        else:
            state, items = result.to_state(), result.interruptions
        for item in items:
            raw = item.raw_item
            name = item.tool_name or getattr(raw, "name", None)
            arguments = getattr(raw, "arguments", None)
            call_id = getattr(raw, "call_id", None)
            try:
                action = await self.action(name, arguments, call_id)
                await lc.asettle(self.client, action, self.wait_timeout if wait_timeout is None else wait_timeout)
            except (*lc.REFUSALS, errors.ActionPending) as exc:
                state.reject(item, rejection_message=lc.refusal_message(exc, name))
                continue
            state.approve(item)
        return state


def _info(exc: BaseException) -> Dict[str, Any]:
    action = getattr(exc, "action", None) or {}
    return {"action_id": action.get("id"), "status": action.get("status"), "reason": action.get("reason")}
