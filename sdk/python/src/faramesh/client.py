"""The functional API of ``faramesh-sdk`` 0.3.3 (same names, signatures, defaults and return
shapes), on top of one process-wide :class:`~faramesh.sdk.client.ExecutionGovernorClient`.

>>> from faramesh import configure, submit_action
>>> configure(base_url="http://127.0.0.1:8000", token="...")
>>> action = submit_action("my-agent", "http", "get", {"url": "https://example.com"})

Differences from 0.3.3, all in the safe direction: submits carry an ``Idempotency-Key`` so a
retried submit never records a second action; only connection errors, timeouts and 502/503/504
are retried (not other 5xx); ``max_retries=0`` means no retries (0.3.3 turned 0 into 3); waits
follow the server's event stream instead of polling once a second; errors are the typed
classes of :mod:`faramesh.errors`, which subclass the 0.3.3 ones.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

from . import _config
from ._config import ClientConfig, GovernorConfig
from ._core import submit_payload
from ._version import __version__
from .errors import (
    ActionDenied,
    DeferredError,
    DenyError,
    FarameshAuthError,
    FarameshBatchError,
    FarameshConnectionError,
    FarameshDeniedError,
    FarameshError,
    FarameshNotFoundError,
    FarameshPolicyError,
    FarameshServerError,
    FarameshTimeoutError,
    FarameshValidationError,
    GovernorAuthError,
    GovernorConnectionError,
    GovernorError,
    GovernorTimeoutError,
)
from .sdk.client import ExecutionGovernorClient

_lock = threading.Lock()
_client: Optional[ExecutionGovernorClient] = None
# Kept for 0.3.3 code that reads it.
_config_value: Optional[ClientConfig] = None


def configure(
    base_url: Optional[str] = None,
    token: Optional[str] = None,
    timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
    retry_backoff_factor: Optional[float] = None,
    on_request_start: Optional[Callable[[str, str], None]] = None,
    on_request_end: Optional[Callable[[str, str, int, float], None]] = None,
    on_error: Optional[Callable[[Exception], None]] = None,
    *,
    fail_open: bool = False,
    agent_id: Optional[str] = None,
) -> None:
    """Configure the process-wide client (arguments, else ``FARAMESH_BASE_URL`` /
    ``FARAMESH_TOKEN`` / legacy ``FARA_*``, else ``http://127.0.0.1:8000``; timeout 30 s,
    3 retries). Telemetry callbacks persist across calls unless replaced."""
    global _client, _config_value
    import os
    existing = _config.current()
    config = ClientConfig(
        base_url=base_url or os.getenv("FARAMESH_BASE_URL") or os.getenv("FARA_API_BASE") or "http://127.0.0.1:8000",
        token=token,
        timeout=30.0 if timeout is None else timeout,
        max_retries=3 if max_retries is None else max_retries,
        retry_backoff_factor=0.5 if retry_backoff_factor is None else retry_backoff_factor,
        on_request_start=on_request_start or (existing.on_request_start if existing else None),
        on_request_end=on_request_end or (existing.on_request_end if existing else None),
        on_error=on_error or (existing.on_error if existing else None),
        fail_open=fail_open,
        agent_id=agent_id or "default-agent",
    )
    backoff = retry_backoff_factor
    client = ExecutionGovernorClient(config, backoff=backoff)
    with _lock:
        old = _client
        _client, _config_value = client, config
        _config.set_current(config)
    if old is not None:
        old.close()


def _get_config() -> ClientConfig:
    _default_client()
    assert _config_value is not None
    return _config_value


def _default_client() -> ExecutionGovernorClient:
    global _client, _config_value
    client = _client
    if client is not None:
        return client
    with _lock:
        if _client is None:
            config = ClientConfig()
            _client, _config_value = ExecutionGovernorClient(config), config
            _config.set_current(config)
        return _client


def get_client() -> ExecutionGovernorClient:
    """The process-wide client used by the functions of this module."""
    return _default_client()


def _make_request(method: str, path: str, json_data: Optional[Dict[str, Any]] = None,
                  params: Optional[Dict[str, Any]] = None) -> Any:
    """Low-level request (0.3.3): raises the typed errors; a submit that comes back denied
    raises :class:`~faramesh.errors.ActionDenied` (a ``FarameshPolicyError``)."""
    from ._core import encode_path, new_idempotency_key
    client = _default_client()
    headers: Dict[str, str] = {}
    is_submit = method.upper() == "POST" and path.rstrip("/") == "/v1/actions"
    if is_submit:
        headers["Idempotency-Key"] = new_idempotency_key()
    body = json_data
    if body is None and method.upper() in ("POST", "PUT", "PATCH"):
        body = {}
    data = client._call(method.upper(), encode_path(path if path.startswith("/") else "/" + path, params),
                        body, headers=headers)
    if is_submit:
        _raise_if_denied(data)
    return data


def _raise_if_denied(action: Any) -> None:
    if isinstance(action, dict) and action.get("status") == "denied":
        reason = action.get("reason") or "Action denied by policy"
        raise ActionDenied(f"Action denied by policy: {reason}", action=action)


def submit_action(
    agent_id: str,
    tool: str,
    operation: str,
    params: Optional[Dict[str, Any]] = None,
    context: Optional[Dict[str, Any]] = None,
    *,
    idempotency_key: Optional[str] = None,
) -> Dict[str, Any]:
    """Submit an action; returns it (``allowed`` or ``pending_approval``) and raises
    :class:`~faramesh.errors.ActionDenied` (a ``FarameshPolicyError``) when denied."""
    submit_payload(agent_id, tool, operation, params, context)
    action = _default_client().submit_action(tool, operation, params, context, agent_id=agent_id,
                                             idempotency_key=idempotency_key)
    _raise_if_denied(action)
    return action


def submit_actions(actions: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Submit several actions one by one; failures become ``{"error", "action_spec"}`` entries."""
    results: List[Dict[str, Any]] = []
    for spec in actions:
        try:
            results.append(submit_action(spec["agent_id"], spec["tool"], spec["operation"],
                                         spec.get("params", {}), spec.get("context", {})))
        except Exception as exc:  # noqa: BLE001 - 0.3.3 reports every failure in the list
            results.append({"error": str(exc), "action_spec": spec})
    return results


def submit_actions_bulk(actions: List[Dict[str, Any]], *, raise_on_error: bool = False) -> List[Dict[str, Any]]:
    """Like :func:`submit_actions`; with ``raise_on_error`` a failure raises ``FarameshBatchError``."""
    successes: List[Dict[str, Any]] = []
    failures: List[Dict[str, Any]] = []
    for i, spec in enumerate(actions):
        try:
            successes.append(submit_action(spec["agent_id"], spec["tool"], spec["operation"],
                                           spec.get("params", {}), spec.get("context", {})))
        except Exception as exc:  # noqa: BLE001
            entry = {"error": str(exc), "index": i, "action_spec": spec}
            failures.append(entry)
            if not raise_on_error:
                successes.append(entry)
    if raise_on_error and failures:
        raise FarameshBatchError(f"Batch submission failed: {len(failures)} of {len(actions)} actions failed",
                                 successes=successes, errors=failures)
    return successes


def block_until_approved(action_id: str, *, poll_interval: int = 2, timeout: int = 300) -> Dict[str, Any]:
    """Wait until a pending action is decided; returns it when approved (or already past
    approval) and raises ``FarameshDeniedError`` (``ActionDenied``/``ApprovalExpired``) otherwise."""
    action = _default_client().wait_for_decision(action_id, timeout=timeout, poll_interval=poll_interval)
    status = action.get("status")
    if status in ("denied", "expired"):
        from ._core import outcome_error
        raise outcome_error(action)
    return action


def submit_and_wait(
    agent_id: str,
    tool: str,
    operation: str,
    params: Optional[Dict[str, Any]] = None,
    context: Optional[Dict[str, Any]] = None,
    *,
    require_approval: bool = False,
    auto_start: bool = False,
    timeout: int = 300,
    poll_interval: int = 1,
) -> Dict[str, Any]:
    """Submit, optionally wait for approval, optionally start and wait for completion (0.3.3)."""
    action = submit_action(agent_id, tool, operation, params, context)
    status = action.get("status")
    if status == "pending_approval":
        if not require_approval:
            return action
        action = block_until_approved(action["id"], poll_interval=poll_interval, timeout=timeout)
        status = action.get("status")
    if status in ("allowed", "approved") and auto_start:
        action = start_action(action["id"])
        return wait_for_completion(action["id"], poll_interval=poll_interval, timeout=timeout)
    return action


def get_action(action_id: str) -> Dict[str, Any]:
    """One action by id or unique prefix."""
    return _default_client().get_action(action_id)


def list_actions(limit: int = 20, offset: int = 0, agent_id: Optional[str] = None, tool: Optional[str] = None,
                 status: Optional[str] = None) -> List[Dict[str, Any]]:
    """Newest first, filtered by agent, tool and status."""
    return _default_client().list_actions(limit=limit, offset=offset, agent_id=agent_id, tool=tool, status=status)


def get_events(action_id: str) -> List[Dict[str, Any]]:
    """The action's event timeline."""
    return _default_client().get_events(action_id)


def approve_action(action_id: str, token: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
    """Approve a pending action (needs an approver or admin bearer token)."""
    return _default_client().approve_action(action_id, token=token, reason=reason)


def deny_action(action_id: str, token: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
    """Deny a pending action (needs an approver or admin bearer token)."""
    return _default_client().deny_action(action_id, token=token, reason=reason)


def start_action(action_id: str) -> Dict[str, Any]:
    """``allowed``/``approved`` → ``executing``."""
    return _default_client().start_action(action_id)


def report_result(action_id: str, success: bool, error: Optional[str] = None) -> Dict[str, Any]:
    """Record the outcome of a started (or allowed/approved) action."""
    return _default_client().report_result(action_id, success, error)


def replay_action(action_id: str) -> Dict[str, Any]:
    """Submit a copy of an allowed/approved/succeeded action (context gets ``replayed_from``)."""
    action = _default_client().replay_action(action_id)
    _raise_if_denied(action)
    return action


def wait_for_completion(action_id: str, poll_interval: float = 1.0, timeout: float = 60.0) -> Dict[str, Any]:
    """Block until the action is final (succeeded, failed, timeout, denied, expired). Follows the
    event stream; ``poll_interval`` only bounds the fallback polling. Raises
    ``FarameshTimeoutError`` (``WaitTimeout`` / ``ActionPending``) after ``timeout`` seconds."""
    return _default_client().wait_for_completion(action_id, poll_interval=poll_interval, timeout=timeout)


def wait_for_decision(action_id: str, timeout: float = 300.0) -> Dict[str, Any]:
    """Block until the action leaves ``pending_approval``."""
    return _default_client().wait_for_decision(action_id, timeout=timeout)


def apply(file_path: Union[str, Path]) -> Dict[str, Any]:
    """Submit the action described in a YAML/JSON file."""
    from .sdk.client import load_action_file
    data = load_action_file(file_path)
    return submit_action(data["agent_id"], data["tool"], data["operation"], data.get("params", {}),
                         data.get("context", {}))


def tail_events(callback: Optional[Callable[[Dict[str, Any]], None]] = None, action_id: Optional[str] = None) -> None:
    """Follow the event stream forever, printing frames unless ``callback`` is given."""
    handler = callback or (lambda frame: print(frame, flush=True))
    for frame in _default_client().iter_events(action_id=action_id):
        handler(frame)


def stream_events(
    callback: Callable[[Dict[str, Any]], None],
    *,
    event_types: Optional[List[str]] = None,
    stop_after: Optional[int] = None,
    timeout: Optional[int] = None,
    action_id: Optional[str] = None,
) -> None:
    """Call ``callback`` for each SSE frame (``{"type", "data", "timestamp"}``); stops after
    ``stop_after`` frames; raises ``FarameshTimeoutError`` after ``timeout`` seconds."""
    _default_client().stream_events(callback, event_types=event_types, stop_after=stop_after, timeout=timeout,
                                    action_id=action_id)


allow = approve_action
deny = deny_action

__all__ = [
    "configure", "ClientConfig", "GovernorConfig", "get_client", "submit_action", "submit_actions",
    "submit_actions_bulk", "submit_and_wait", "block_until_approved", "get_action", "list_actions", "get_events",
    "approve_action", "deny_action", "start_action", "report_result", "replay_action", "wait_for_completion",
    "wait_for_decision", "apply", "tail_events", "stream_events", "allow", "deny", "ExecutionGovernorClient",
    "FarameshError", "FarameshAuthError", "FarameshNotFoundError", "FarameshPolicyError", "FarameshTimeoutError",
    "FarameshConnectionError", "FarameshValidationError", "FarameshServerError", "FarameshBatchError",
    "FarameshDeniedError", "DenyError", "DeferredError", "GovernorError", "GovernorTimeoutError",
    "GovernorAuthError", "GovernorConnectionError", "__version__",
]
