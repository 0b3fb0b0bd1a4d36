"""The tool-call interceptor shared by the LangGraph ``ToolNode`` and the LangChain agent
middleware (both call ``wrap_tool_call(request, handler)`` with a ``ToolCallRequest``)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Collection, Dict, Literal, Optional, Sequence, Union

from langchain_core.messages import ToolMessage
from langgraph.types import Command, interrupt
from pydantic import Discriminator
from typing_extensions import Annotated, NotRequired, TypedDict

from ... import errors
from .. import _lifecycle as lc

Mode = Literal["wait", "interrupt"]
Handler = Callable[[Any], Union[ToolMessage, Command]]
AsyncHandler = Callable[[Any], Awaitable[Union[ToolMessage, Command]]]


class ApproveDecision(TypedDict):
    """Resume value: "a human decided in Faramesh, check and go on"."""

    type: Literal["approve"]


class RejectDecision(TypedDict):
    """Resume value: drop this tool call without waiting for Faramesh; ``message`` reaches the model."""

    type: Literal["reject"]
    message: NotRequired[str]


#: The resume value of a Faramesh interrupt (``Command(resume=...)``); the same decision names as
#: LangChain's ``HumanInTheLoopMiddleware``.
Decision = Annotated[Union[ApproveDecision, RejectDecision], Discriminator("type")]


class FarameshAction(TypedDict):
    action_id: str
    status: str
    reason: Optional[str]
    risk_level: Optional[str]
    agent_id: str
    tool: str
    operation: str


class FarameshApprovalRequest(TypedDict):
    """The interrupt value: LangChain's per-call ``ToolApprovalRequest`` shape plus the action."""

    type: Literal["tool_approval"]
    tool_call_id: str
    name: str
    args: Dict[str, Any]
    description: str
    faramesh: FarameshAction


class _ToolFailed(Exception):
    """The tool ran and its node turned an exception into an error message: report ``failed``
    but hand the message back to the model."""

    def __init__(self, message: ToolMessage) -> None:
        super().__init__(str(message.content)[: lc.MAX_ERROR_CHARS])
        self.message = message


class _Rejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _checked(result: Any) -> Any:
    if isinstance(result, ToolMessage) and result.status == "error":
        raise _ToolFailed(result)
    return result


class ToolCallGuard:
    """Runs each tool call of a LangGraph/LangChain agent through Faramesh.

    * ``mode="wait"``: a pending call blocks (up to ``wait_timeout`` seconds) until a human
      decides; the tool never runs on a denial, an expiry or a timeout.
    * ``mode="interrupt"``: a pending call becomes ``interrupt(FarameshApprovalRequest)``; after
      the resume the decision is read from Faramesh (waiting up to ``resume_wait`` seconds), and
      the graph interrupts again while nobody has decided. Needs a checkpointer.

    A refused call returns ``ToolMessage(status="error")`` with the policy's (or approver's)
    reason, so the model sees why. ``tools`` limits governance to those tool names (default:
    all). ``operation`` is the action's operation for every tool.
    """

    framework = "langgraph"

    def __init__(self, client: Any, *, agent_id: str, mode: Mode = "interrupt", operation: str = lc.DEFAULT_OPERATION,
                 wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT, resume_wait: float = 10.0,
                 tools: Optional[Collection[str]] = None, description_prefix: str = "Faramesh requires approval") -> None:
        if mode not in ("wait", "interrupt"):
            raise ValueError(f"mode must be 'wait' or 'interrupt', not {mode!r}")
        if not agent_id:
            raise ValueError("agent_id is required")
        self.client = client
        self.agent_id = agent_id
        self.mode: Mode = mode
        self.operation = operation
        self.wait_timeout = wait_timeout
        self.resume_wait = resume_wait
        self.tools = frozenset(tools) if tools is not None else None
        self.description_prefix = description_prefix

    # -- mapping ---------------------------------------------------------------------------

    def governs(self, request: Any) -> bool:
        return self.tools is None or request.tool_call["name"] in self.tools

    def tool_call(self, request: Any) -> lc.ToolCall:
        tc = request.tool_call
        thread_id = _thread_id(request)
        context: Dict[str, Any] = {"framework": self.framework}
        if tc.get("id"):
            context["tool_call_id"] = tc["id"]
        if thread_id:
            context["thread_id"] = thread_id
        return lc.ToolCall(agent_id=self.agent_id, tool=tc["name"], operation=self.operation,
                           params=lc.params_of(tc.get("args") or {}), context=context,
                           idempotency_key=lc.call_key(self.agent_id, thread_id, tc.get("id")))

    def approval_request(self, action: Dict[str, Any], request: Any) -> FarameshApprovalRequest:
        tc = request.tool_call
        reason = action.get("reason")
        return FarameshApprovalRequest(
            type="tool_approval", tool_call_id=tc.get("id") or "", name=tc["name"], args=dict(tc.get("args") or {}),
            description=f"{self.description_prefix}: {reason}" if reason else self.description_prefix,
            faramesh=FarameshAction(action_id=action["id"], status=action["status"], reason=reason,
                                    risk_level=action.get("risk_level"), agent_id=self.agent_id, tool=tc["name"],
                                    operation=self.operation))

    def refusal(self, exc: BaseException, request: Any) -> ToolMessage:
        tc = request.tool_call
        text = exc.message if isinstance(exc, _Rejected) else lc.refusal_message(exc, tc["name"])  # type: ignore[arg-type]
        action = getattr(exc, "action", None) or {}
        return ToolMessage(content=text, tool_call_id=tc.get("id") or "", name=tc["name"], status="error",
                           artifact={"faramesh": {"action_id": action.get("id"), "status": action.get("status"),
                                                  "reason": action.get("reason")}})

    # -- sync ------------------------------------------------------------------------------

    def wrap_tool_call(self, request: Any, handler: Handler) -> Union[ToolMessage, Command]:
        if not self.governs(request):
            return handler(request)
        call = self.tool_call(request)
        try:
            if self.mode == "wait":
                return lc.run_governed(self.client, call, lambda: _checked(handler(request)), self.wait_timeout)
            action = lc.submit(self.client, call)
            while action["status"] in lc.PENDING:
                self._consume(interrupt(self.approval_request(action, request), response_schema=Decision))
                action = self._after_resume(action)
            return lc.execute(self.client, action["id"], lambda: _checked(handler(request)))
        except _ToolFailed as failed:
            return failed.message
        except (*lc.REFUSALS, _Rejected) as exc:
            return self.refusal(exc, request)

    def _after_resume(self, action: Dict[str, Any]) -> Dict[str, Any]:
        try:
            return lc.settle(self.client, action, self.resume_wait)
        except errors.ActionPending as still:
            return dict(still.action) if still.action else lc.refresh(self.client, action["id"])

    # -- async -----------------------------------------------------------------------------

    async def awrap_tool_call(self, request: Any, handler: AsyncHandler) -> Union[ToolMessage, Command]:
        if not self.governs(request):
            return await handler(request)
        call = self.tool_call(request)

        async def run() -> Any:
            return _checked(await handler(request))

        try:
            if self.mode == "wait":
                return await lc.arun_governed(self.client, call, run, self.wait_timeout)
            action = await lc.asubmit(self.client, call)
            while action["status"] in lc.PENDING:
                self._consume(interrupt(self.approval_request(action, request), response_schema=Decision))
                try:
                    action = await lc.asettle(self.client, action, self.resume_wait)
                except errors.ActionPending as still:
                    action = dict(still.action) if still.action else await lc.arefresh(self.client, action["id"])
            return await lc.aexecute(self.client, action["id"], run)
        except _ToolFailed as failed:
            return failed.message
        except (*lc.REFUSALS, _Rejected) as exc:
            return self.refusal(exc, request)

    @staticmethod
    def _consume(decision: Any) -> None:
        if isinstance(decision, dict) and decision.get("type") == "reject":
            message = decision.get("message")
            raise _Rejected(f"Tool call rejected by the user: {message}" if message else
                            "Tool call rejected by the user; it was not run. Do not retry it unless asked.")


def _thread_id(request: Any) -> Optional[str]:
    runtime = getattr(request, "runtime", None)
    config = getattr(runtime, "config", None) or {}
    configurable = config.get("configurable") or {} if isinstance(config, dict) else {}
    value = configurable.get("thread_id")
    return str(value) if value is not None else None


def guarded_tool_node(tools: Sequence[Any], *, client: Any, agent_id: str, mode: Mode = "interrupt",
                      operation: str = lc.DEFAULT_OPERATION, wait_timeout: float = lc.DEFAULT_WAIT_TIMEOUT,
                      resume_wait: float = 10.0, governed_tools: Optional[Collection[str]] = None,
                      **tool_node_kwargs: Any) -> Any:
    """A ``langgraph.prebuilt.ToolNode`` over ``tools`` whose every call goes through Faramesh."""
    from langgraph.prebuilt import ToolNode

    guard = ToolCallGuard(client, agent_id=agent_id, mode=mode, operation=operation, wait_timeout=wait_timeout,
                          resume_wait=resume_wait, tools=governed_tools)
    return ToolNode(list(tools), wrap_tool_call=guard.wrap_tool_call, awrap_tool_call=guard.awrap_tool_call,
                    **tool_node_kwargs)
