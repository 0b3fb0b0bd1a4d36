"""AutoGen (``autogen-agentchat`` / ``autogen-core`` 0.7): a governed tool wrapper.

    tools = govern_tools([get_weather, send_email], client=client, agent_id="autogen-agent")
    agent = AssistantAgent("ops", model_client=model_client, tools=tools)

:class:`GovernedTool` wraps any AutoGen ``BaseTool`` (``FunctionTool`` included) with the same
name, description and schema. ``run_json(args, cancellation_token, call_id)`` - what the
agent's workbench calls - submits the call (the model's tool-call id is the
``Idempotency-Key``), waits (bounded by ``wait_timeout``) while a human decides, and runs the
tool only when allowed or approved, with ``/start`` and ``/result`` around it. A refusal raises
:class:`FarameshToolRefused`; AutoGen turns it into an error ``FunctionExecutionResult`` whose
content is the reason, so the model sees why.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

from autogen_core import CancellationToken
from autogen_core.tools import BaseTool
from pydantic import BaseModel

from ... import errors
from .. import _lifecycle as lc

__all__ = ["FarameshToolRefused", "GovernedTool", "govern_tools"]


class FarameshToolRefused(Exception):
    """Faramesh did not let the tool run; the message is what the model sees."""

    def __init__(self, message: str, *, error: errors.FarameshError) -> None:
        super().__init__(message)
        self.error = error
        self.reason: Optional[str] = getattr(error, "reason", None)


class GovernedTool(BaseTool[BaseModel, Any]):
    """``tool`` behind Faramesh; see the module docs."""

    def __init__(self, tool: BaseTool[Any, Any], *, client: Any, agent_id: str,
                 operation: str = lc.DEFAULT_OPERATION, wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT) -> None:
        if not agent_id:
            raise ValueError("agent_id is required")
        super().__init__(tool.args_type(), tool.return_type(), tool.name, tool.description,
                         strict=bool(tool.schema.get("strict", False)))
        self.tool = tool
        self.client = client
        self.agent_id = agent_id
        self.operation = operation
        self.wait_timeout = wait_timeout

    @property
    def schema(self) -> Any:
        return self.tool.schema

    def return_value_as_string(self, value: Any) -> str:
        return self.tool.return_value_as_string(value)

    async def run(self, args: BaseModel, cancellation_token: CancellationToken) -> Any:
        return await self.run_json(args.model_dump(), cancellation_token)

    async def run_json(self, args: Mapping[str, Any], cancellation_token: CancellationToken,
                       call_id: Optional[str] = None) -> Any:
        context: Dict[str, Any] = {"framework": "autogen"}
        if call_id:
            context["tool_call_id"] = call_id
        call = lc.ToolCall(agent_id=self.agent_id, tool=self.name, operation=self.operation,
                           params=lc.params_of(dict(args)), context=context,
                           idempotency_key=lc.call_key(self.agent_id, call_id))
        try:
            return await lc.arun_governed(self.client, call,
                                          lambda: self.tool.run_json(args, cancellation_token, call_id=call_id),
                                          self.wait_timeout)
        except lc.REFUSALS as exc:
            raise FarameshToolRefused(lc.refusal_message(exc, self.name), error=exc) from exc

    async def save_state_json(self) -> Mapping[str, Any]:
        return await self.tool.save_state_json()

    async def load_state_json(self, state: Mapping[str, Any]) -> None:
        await self.tool.load_state_json(state)


def govern_tools(tools: Iterable[BaseTool[Any, Any]], *, client: Any, agent_id: str, **kwargs: Any) -> List[GovernedTool]:
    """:class:`GovernedTool` for each tool."""
    return [GovernedTool(t, client=client, agent_id=agent_id, **kwargs) for t in tools]
