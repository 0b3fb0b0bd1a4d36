"""``GovernedTool``: any LangChain ``BaseTool``, governed by Faramesh.

    governed = GovernedTool(tool=some_tool, client=client, agent_id="my-langchain-agent")
    governed.run("ls -la")            # or .invoke(...), await .ainvoke(...), or give it to an agent

The governed tool has the wrapped tool's name, description and argument schema. Each call is
submitted as an action (tool = the tool's name, operation = ``operation``, params = the tool's
arguments, or ``{"input": <string>}``); it runs only when allowed or approved, with ``/start``
and ``/result`` around it. When an agent calls it with a tool call (``invoke({"type":
"tool_call", "id": ..., ...})``) the tool-call id is the idempotency key and a refusal comes back
as ``ToolMessage(status="error")`` carrying the reason for the model; a direct call raises
:class:`FarameshToolRefused` (a ``ToolException``) instead.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException
from pydantic import model_validator

from ... import errors
from .. import _lifecycle as lc
from ..langgraph._guard import _checked, _ToolFailed


class FarameshToolRefused(ToolException):
    """Faramesh did not let the tool run; ``error`` is the Faramesh error (``ActionDenied``,
    ``ApprovalExpired``, ``ActionPending`` or ``AlreadyExecuted``), ``reason`` its reason."""

    def __init__(self, message: str, *, error: errors.FarameshError) -> None:
        super().__init__(message)
        self.error = error
        self.action: Dict[str, Any] = dict(getattr(error, "action", None) or {})
        self.reason: Optional[str] = getattr(error, "reason", None)


class GovernedTool(BaseTool):
    """A ``BaseTool`` that runs the wrapped ``tool`` only when Faramesh allows it."""

    tool: BaseTool
    client: Any
    agent_id: str
    operation: str = lc.DEFAULT_OPERATION
    wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT

    @model_validator(mode="before")
    @classmethod
    def _copy_tool_interface(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("tool"), BaseTool):
            wrapped: BaseTool = data["tool"]
            data = dict(data)
            data.setdefault("name", wrapped.name)
            data.setdefault("description", wrapped.description)
            if wrapped.args_schema is not None:
                data.setdefault("args_schema", wrapped.args_schema)
            data.setdefault("return_direct", wrapped.return_direct)
            data.setdefault("response_format", wrapped.response_format)
        return data

    def _call(self, tool_input: Any, tool_call_id: Optional[str]) -> lc.ToolCall:
        context: Dict[str, Any] = {"framework": "langchain"}
        if tool_call_id:
            context["tool_call_id"] = tool_call_id
        return lc.ToolCall(agent_id=self.agent_id, tool=self.name, operation=self.operation,
                           params=lc.params_of(tool_input), context=context,
                           idempotency_key=lc.call_key(self.agent_id, tool_call_id))

    def _refused(self, exc: errors.FarameshError, tool_call_id: Optional[str]) -> ToolMessage:
        message = lc.refusal_message(exc, self.name)
        if tool_call_id is None:
            raise FarameshToolRefused(message, error=exc) from exc
        action = getattr(exc, "action", None) or {}
        return ToolMessage(content=message, tool_call_id=tool_call_id, name=self.name, status="error",
                           artifact={"faramesh": {"action_id": action.get("id"), "status": action.get("status"),
                                                  "reason": action.get("reason")}})

    def run(self, tool_input: Any, *args: Any, tool_call_id: Optional[str] = None, **kwargs: Any) -> Any:
        call = self._call(tool_input, tool_call_id)
        try:
            return lc.run_governed(
                self.client, call,
                lambda: _checked(self.tool.run(tool_input, *args, tool_call_id=tool_call_id, **kwargs)),
                self.wait_timeout)
        except _ToolFailed as failed:
            return failed.message
        except lc.REFUSALS as exc:
            return self._refused(exc, tool_call_id)

    async def arun(self, tool_input: Any, *args: Any, tool_call_id: Optional[str] = None, **kwargs: Any) -> Any:
        call = self._call(tool_input, tool_call_id)

        async def inner() -> Any:
            return _checked(await self.tool.arun(tool_input, *args, tool_call_id=tool_call_id, **kwargs))

        try:
            return await lc.arun_governed(self.client, call, inner, self.wait_timeout)
        except _ToolFailed as failed:
            return failed.message
        except lc.REFUSALS as exc:
            return self._refused(exc, tool_call_id)

    def _run(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - run() never calls it
        raise NotImplementedError("GovernedTool delegates through run()/arun()")
