"""The one governed-call lifecycle every integration uses.

``govern(client, agent_id=..., tool=..., operation=..., params=..., run=...)``:

1. submit (with ``idempotency_key``: a re-run framework step with the same tool-call id gets the
   same action back instead of a second one);
2. ``denied`` → raise :class:`~faramesh.errors.ActionDenied` with the policy's reason; the tool
   never runs;
3. ``pending_approval`` → wait (SSE, bounded by ``wait_timeout``) for the human; ``approved``
   continues, ``denied`` raises ``ActionDenied``, ``expired`` raises ``ApprovalExpired``, and a
   wait that times out raises ``ActionPending`` — in none of these cases does the tool run;
4. ``allowed`` / ``approved`` → ``/start``, ``run()``, then ``/result`` with ``success=True`` or
   ``success=False, error=<exception text>`` (the exception is re-raised), so the audit shows
   executing → succeeded | failed;
5. an action the same key already started or finished raises
   :class:`~faramesh.errors.AlreadyExecuted` — the tool is not run twice.

When the gatekeeper cannot be reached the call fails closed (``GatekeeperUnreachable``), unless
the client was created with ``fail_open=True``: then the tool runs ungoverned and a warning is
logged for that call.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Mapping, Optional, TypeVar, Union

from . import errors
from ._core import FINAL_STATUSES, PENDING_STATUSES, RUNNABLE_STATUSES, logger, new_idempotency_key, outcome_error

if TYPE_CHECKING:
    from .aio import AsyncExecutionGovernorClient
    from .sdk.client import ExecutionGovernorClient

T = TypeVar("T")

#: Characters of a tool exception kept in the ``error`` sent to ``/result``.
MAX_ERROR_CHARS = 4000


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text[:MAX_ERROR_CHARS]


def _fail_open(client: Any, tool: str, operation: str, agent_id: str, exc: errors.GatekeeperUnreachable) -> bool:
    if not getattr(client, "fail_open", False):
        return False
    logger.warning(
        "faramesh: FAIL-OPEN: gatekeeper unreachable (%s); running %s/%s for agent %s WITHOUT governance",
        exc, tool, operation, agent_id)
    return True


def _after_submit(action: Mapping[str, Any]) -> str:
    """What to do with a freshly submitted (or idempotently returned) action."""
    status = action.get("status")
    if status in RUNNABLE_STATUSES:
        return "run"
    if status in PENDING_STATUSES:
        return "wait"
    if status in ("executing",) or (status in FINAL_STATUSES and status not in ("denied", "expired")):
        raise errors.AlreadyExecuted(
            f"action {action.get('id')} for this idempotency key is already {status}; not running the tool again",
            action=action, current_status=status if isinstance(status, str) else None)
    raise outcome_error(action)


def _after_wait(action: Mapping[str, Any]) -> None:
    status = action.get("status")
    if status in RUNNABLE_STATUSES:
        return
    _after_submit(action)  # raises for every other status


def govern(
    client: "ExecutionGovernorClient",
    *,
    agent_id: str,
    tool: str,
    operation: str,
    params: Optional[Mapping[str, Any]],
    run: Callable[[], T],
    idempotency_key: Optional[str] = None,
    wait_timeout: float = 300.0,
    context: Optional[Mapping[str, Any]] = None,
) -> T:
    """Run ``run()`` only if Faramesh allows the call (see the module docs); return its result."""
    key = idempotency_key or new_idempotency_key()
    try:
        action = client.submit_action(tool, operation, params or {}, context, agent_id=agent_id, idempotency_key=key)
    except errors.GatekeeperUnreachable as exc:
        if _fail_open(client, tool, operation, agent_id, exc):
            return run()
        raise
    if _after_submit(action) == "wait":
        action = client.wait_for_decision(action["id"], timeout=wait_timeout)
        _after_wait(action)
    action_id = action["id"]
    client.start_action(action_id)
    try:
        value = run()
    except BaseException as exc:
        _report(client, action_id, False, _error_text(exc))
        raise
    _report(client, action_id, True, None)
    return value


def _report(client: Any, action_id: str, success: bool, error: Optional[str]) -> None:
    try:
        client.report_result(action_id, success, error)
    except errors.FarameshError as exc:
        # The tool already ran; its outcome is not discarded, but the audit gap is loud.
        logger.error("faramesh: could not report the result of action %s (success=%s): %s", action_id, success, exc)


async def _areport(client: Any, action_id: str, success: bool, error: Optional[str]) -> None:
    try:
        await client.report_result(action_id, success, error)
    except errors.FarameshError as exc:
        logger.error("faramesh: could not report the result of action %s (success=%s): %s", action_id, success, exc)


async def agovern(
    client: "AsyncExecutionGovernorClient",
    *,
    agent_id: str,
    tool: str,
    operation: str,
    params: Optional[Mapping[str, Any]],
    run: Callable[[], Union[Awaitable[T], T]],
    idempotency_key: Optional[str] = None,
    wait_timeout: float = 300.0,
    context: Optional[Mapping[str, Any]] = None,
) -> T:
    """:func:`govern` for the asyncio client; ``run`` may be a coroutine function or a plain
    callable (a plain callable runs on the event loop thread, so keep it short)."""
    key = idempotency_key or new_idempotency_key()

    async def call() -> T:
        result = run()
        if inspect.isawaitable(result):
            return await result
        return result

    try:
        action = await client.submit_action(tool, operation, params or {}, context, agent_id=agent_id,
                                            idempotency_key=key)
    except errors.GatekeeperUnreachable as exc:
        if _fail_open(client, tool, operation, agent_id, exc):
            return await call()
        raise
    if _after_submit(action) == "wait":
        action = await client.wait_for_decision(action["id"], timeout=wait_timeout)
        _after_wait(action)
    action_id = action["id"]
    await client.start_action(action_id)
    try:
        value = await call()
    except BaseException as exc:
        await _areport(client, action_id, False, _error_text(exc))
        raise
    await _areport(client, action_id, True, None)
    return value


__all__ = ["govern", "agovern"]
