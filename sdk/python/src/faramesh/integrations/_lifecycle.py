"""The pieces of the governed-call lifecycle that every integration shares.

Integrations whose framework hands over the whole tool execution (a wrapped tool, a tool-call
middleware) call :func:`faramesh.governed.govern` / :func:`~faramesh.governed.agovern` through
:func:`run_governed` / :func:`arun_governed`. Frameworks that split a tool call over several hooks
(CrewAI's PRE/POST hooks, the OpenAI Agents SDK's approval + guardrail, a LangGraph interrupt that
resumes in another process) use the phases below, which keep exactly the same rules:

* :func:`submit` - one submit per framework tool call (its id is the ``Idempotency-Key``); a denial
  raises :class:`~faramesh.errors.ActionDenied`, an action that the same key already started or
  finished raises :class:`~faramesh.errors.AlreadyExecuted`;
* :func:`settle` - a pending action waits (bounded) for the human; approved continues, denied /
  expired / still pending after the wait raise - the tool never runs;
* :func:`start` then :func:`report` around the tool - the audit shows executing -> succeeded |
  failed.

How a framework call maps to an action (documented in ``docs/integrations.md``): ``agent_id`` is
given to the integration; ``tool`` is the framework's tool name; ``operation`` is the
integration's ``operation`` argument (default ``"invoke"``); ``params`` are the tool's arguments
(a plain string input becomes ``{"input": ...}``); ``context`` names the framework and the
tool-call id.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, TypeVar, Union

from .. import errors
from ..governed import agovern, govern

logger = logging.getLogger("faramesh.integrations")

T = TypeVar("T")

DEFAULT_OPERATION = "invoke"
DEFAULT_WAIT_TIMEOUT = 300.0
MAX_KEY_CHARS = 255
#: Characters of a tool exception kept in the ``error`` sent to ``/result``.
MAX_ERROR_CHARS = 4000

RUNNABLE = frozenset({"allowed", "approved"})
PENDING = frozenset({"pending_approval", "pending_decision"})
EXECUTED = frozenset({"executing", "succeeded", "failed", "timeout"})


@dataclass(frozen=True)
class ToolCall:
    """One framework tool call, as Faramesh sees it."""

    agent_id: str
    tool: str
    params: Dict[str, Any]
    operation: str = DEFAULT_OPERATION
    idempotency_key: Optional[str] = None
    context: Dict[str, Any] = field(default_factory=dict)


def call_key(*parts: Optional[str]) -> Optional[str]:
    """An ``Idempotency-Key`` built from stable parts (agent, thread, tool-call id).

    Returns ``None`` when the framework gave no tool-call id (the last part): then every call
    gets a fresh key. Keys longer than the server's 255 visible ASCII characters, or with other
    characters, are replaced by a SHA-256 digest of the parts.
    """
    if not parts or not parts[-1]:
        return None
    key = ":".join(p for p in parts if p)
    if len(key) <= MAX_KEY_CHARS and all(33 <= ord(c) <= 126 for c in key):
        return key
    return "fm-" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def params_of(tool_input: Any) -> Dict[str, Any]:
    """The action ``params`` for a tool input: a mapping as JSON-safe values, anything else as
    ``{"input": value}``."""
    if isinstance(tool_input, Mapping):
        return {str(k): _json_safe(v) for k, v in tool_input.items()}
    return {"input": _json_safe(tool_input)}


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        if hasattr(value, "model_dump"):
            return _json_safe(value.model_dump(mode="json"))
        if isinstance(value, Mapping):
            return {str(k): _json_safe(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [_json_safe(v) for v in value]
        return str(value)


def error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR_CHARS]


def refusal_message(exc: errors.FarameshError, tool: str) -> str:
    """The text a model gets instead of a tool result when Faramesh refuses the call."""
    action = getattr(exc, "action", None) or {}
    action_id = action.get("id") if isinstance(action, Mapping) else None
    reason = getattr(exc, "reason", None) or (action.get("reason") if isinstance(action, Mapping) else None)
    where = f" (Faramesh action {action_id})" if action_id else ""
    if isinstance(exc, errors.ApprovalExpired):
        head = f"Tool '{tool}' was not run: the approval expired"
    elif isinstance(exc, errors.ActionPending):
        head = f"Tool '{tool}' was not run: no approval decision in time"
    elif isinstance(exc, errors.AlreadyExecuted):
        head = f"Tool '{tool}' was not run again: this tool call was already executed"
        reason = None
    elif isinstance(exc, errors.ActionDenied):
        head = f"Tool '{tool}' was denied by Faramesh"
    elif isinstance(exc, errors.GatekeeperUnreachable):
        head = f"Tool '{tool}' was not run: the Faramesh gatekeeper is unreachable"
        reason = None
    else:
        head = f"Tool '{tool}' was not run: {exc}"
        reason = None
    return f"{head}{where}" + (f": {reason}" if reason else ".")


#: The errors after which a tool must not run; integrations turn them into the framework's
#: native refusal.
REFUSALS = (errors.ActionDenied, errors.ApprovalExpired, errors.ActionPending, errors.AlreadyExecuted)


def _raise_for(action: Mapping[str, Any]) -> None:
    status = action.get("status")
    if status in RUNNABLE:
        return
    if status in EXECUTED:
        raise errors.AlreadyExecuted(
            f"action {action.get('id')} for this idempotency key is already {status}; not running the tool again",
            action=action, current_status=status if isinstance(status, str) else None)
    reason = action.get("reason")
    if status == "expired":
        raise errors.ApprovalExpired(f"approval expired for action {action.get('id')}: {reason or 'no decision'}",
                                     action=action)
    if status in PENDING:
        raise errors.ActionPending(f"action {action.get('id')} is still {status}", action=action)
    raise errors.ActionDenied(f"action denied: {reason or 'denied'}", action=action)


# -- sync phases -------------------------------------------------------------------------------

def submit(client: Any, call: ToolCall) -> Dict[str, Any]:
    """Submit ``call``; return the action when it may run or must wait, raise otherwise."""
    action = client.submit_action(call.tool, call.operation, call.params, call.context or None,
                                  agent_id=call.agent_id, idempotency_key=call.idempotency_key)
    if action.get("status") not in PENDING:
        _raise_for(action)
    return action


def settle(client: Any, action: Dict[str, Any], wait_timeout: float) -> Dict[str, Any]:
    """Wait for a pending action's decision; return it only if the tool may run."""
    if action.get("status") in PENDING:
        action = client.wait_for_decision(action["id"], timeout=wait_timeout)
    _raise_for(action)
    return action


def refresh(client: Any, action_id: str) -> Dict[str, Any]:
    """The action's current state, raising unless the tool may run (or it still waits)."""
    action = client.get_action(action_id)
    if action.get("status") not in PENDING:
        _raise_for(action)
    return action


def start(client: Any, action_id: str) -> None:
    client.start_action(action_id)


def report(client: Any, action_id: str, success: bool, error: Optional[str] = None) -> None:
    try:
        client.report_result(action_id, success, error)
    except errors.FarameshError as exc:
        # The tool already ran: its outcome is kept, but the audit gap is logged loudly.
        logger.error("faramesh: could not report the result of action %s (success=%s): %s", action_id, success, exc)


def execute(client: Any, action_id: str, run: Callable[[], T]) -> T:
    """``/start``, ``run()``, ``/result`` (re-raising the tool's own exception)."""
    start(client, action_id)
    try:
        value = run()
    except BaseException as exc:
        report(client, action_id, False, error_text(exc))
        raise
    report(client, action_id, True)
    return value


def run_governed(client: Any, call: ToolCall, run: Callable[[], T], wait_timeout: float) -> T:
    """The whole lifecycle for one call (sync client): :func:`faramesh.governed.govern`."""
    return govern(client, agent_id=call.agent_id, tool=call.tool, operation=call.operation, params=call.params,
                  run=run, idempotency_key=call.idempotency_key, wait_timeout=wait_timeout,
                  context=call.context or None)


# -- async phases (sync or asyncio client) ----------------------------------------------------

async def _acall(client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    fn = getattr(client, method)
    if inspect.iscoroutinefunction(fn):
        return await fn(*args, **kwargs)
    return await asyncio.to_thread(fn, *args, **kwargs)


async def asubmit(client: Any, call: ToolCall) -> Dict[str, Any]:
    action = await _acall(client, "submit_action", call.tool, call.operation, call.params, call.context or None,
                          agent_id=call.agent_id, idempotency_key=call.idempotency_key)
    if action.get("status") not in PENDING:
        _raise_for(action)
    return action  # type: ignore[no-any-return]


async def asettle(client: Any, action: Dict[str, Any], wait_timeout: float) -> Dict[str, Any]:
    if action.get("status") in PENDING:
        action = await _acall(client, "wait_for_decision", action["id"], timeout=wait_timeout)
    _raise_for(action)
    return action


async def arefresh(client: Any, action_id: str) -> Dict[str, Any]:
    action = await _acall(client, "get_action", action_id)
    if action.get("status") not in PENDING:
        _raise_for(action)
    return action  # type: ignore[no-any-return]


async def astart(client: Any, action_id: str) -> None:
    await _acall(client, "start_action", action_id)


async def areport(client: Any, action_id: str, success: bool, error: Optional[str] = None) -> None:
    try:
        await _acall(client, "report_result", action_id, success, error)
    except errors.FarameshError as exc:
        logger.error("faramesh: could not report the result of action %s (success=%s): %s", action_id, success, exc)


async def aexecute(client: Any, action_id: str, run: Callable[[], Union[Awaitable[T], T]]) -> T:
    await astart(client, action_id)
    try:
        value = run()
        if inspect.isawaitable(value):
            value = await value
    except BaseException as exc:
        await areport(client, action_id, False, error_text(exc))
        raise
    await areport(client, action_id, True)
    return value  # type: ignore[return-value]


async def arun_governed(client: Any, call: ToolCall, run: Callable[[], Union[Awaitable[T], T]],
                        wait_timeout: float) -> T:
    """The whole lifecycle for one call from async code: :func:`faramesh.governed.agovern` with an
    asyncio client; with a sync client the same phases, each HTTP call in a worker thread."""
    if inspect.iscoroutinefunction(getattr(client, "submit_action", None)):
        return await agovern(client, agent_id=call.agent_id, tool=call.tool, operation=call.operation,
                             params=call.params, run=run, idempotency_key=call.idempotency_key,
                             wait_timeout=wait_timeout, context=call.context or None)
    try:
        action = await asubmit(client, call)
    except errors.GatekeeperUnreachable as exc:
        if not getattr(client, "fail_open", False):
            raise
        logger.warning("faramesh: FAIL-OPEN: gatekeeper unreachable (%s); running %s/%s for agent %s WITHOUT "
                       "governance", exc, call.tool, call.operation, call.agent_id)
        value = run()
        return await value if inspect.isawaitable(value) else value  # type: ignore[no-any-return]
    action = await asettle(client, action, wait_timeout)
    return await aexecute(client, action["id"], run)
