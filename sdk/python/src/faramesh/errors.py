"""Typed errors raised by every Faramesh client.

The hierarchy keeps the class names of ``faramesh-sdk`` 0.3.3 (``FarameshAuthError``,
``FarameshNotFoundError``, ``FarameshPolicyError``, ...) so ``except`` clauses written for it keep
working, and adds the governance outcomes an integration has to tell apart:

====================== ================================================ ===========================
class                  raised when                                      0.3.3 name it also is
====================== ================================================ ===========================
``ActionDenied``       the policy or a human denied the action          ``FarameshPolicyError``,
                                                                        ``FarameshDeniedError``
``ActionPending``      a wait ended while the action still waits        ``FarameshTimeoutError``
``ApprovalExpired``    the approval deadline passed                     ``FarameshDeniedError``
``AuthError``          401 (missing/invalid token or approval token)    ``FarameshAuthError``
``Forbidden``          403 (role, self-approval, agent id mismatch)     ``FarameshAuthError``
``NotFound``           404                                              ``FarameshNotFoundError``
``Conflict``           409 (illegal transition, ambiguous id prefix)
``ValidationError``    400 / 413 / 415 / 422                            ``FarameshValidationError``
``GatekeeperUnreachable`` connection failure, timeout or 503 after       ``FarameshConnectionError``
                       every retry
``ServerError``        other 5xx                                        ``FarameshServerError``
====================== ================================================ ===========================
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence


class FarameshError(Exception):
    """Base class of every error this package raises.

    ``status_code`` is the HTTP status (``None`` when no response arrived), ``code`` the
    server's machine-readable error code (``ILLEGAL_TRANSITION``, ``AGENT_ID_MISMATCH``, ...),
    ``detail`` its human-readable message and ``body`` the decoded error body.
    """

    def __init__(
        self,
        message: str = "",
        *,
        status_code: Optional[int] = None,
        code: Optional[str] = None,
        detail: Optional[str] = None,
        body: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.detail = detail if detail is not None else message
        self.body: Mapping[str, Any] = body or {}


class FarameshTimeoutError(FarameshError):
    """A request or a wait did not finish in time (0.3.3 name)."""


class FarameshConnectionError(FarameshError):
    """The server could not be reached (0.3.3 name)."""


class GatekeeperUnreachable(FarameshConnectionError):
    """No answer from the gatekeeper after every retry: connection refused or reset, a request
    timeout, or 503 Service Unavailable. Governed calls fail closed on it unless the client was
    created with ``fail_open=True``."""


class RequestTimeout(GatekeeperUnreachable, FarameshTimeoutError):
    """The gatekeeper did not answer one request within the client's timeout."""


class FarameshServerError(FarameshError):
    """The server answered with a 5xx status (0.3.3 name)."""


ServerError = FarameshServerError


class ServiceUnavailable(GatekeeperUnreachable, FarameshServerError):
    """503 on every attempt (database down, replica draining, too many streams)."""


class FarameshAuthError(FarameshError):
    """401 Unauthorized (0.3.3 name)."""


AuthError = FarameshAuthError


class InvalidApprovalToken(AuthError):
    """401 ``INVALID_APPROVAL_TOKEN``: the approval token does not belong to the action."""


class Forbidden(AuthError):
    """403: the token's role may not do this, an approver tried to decide their own action, or
    an agent token submitted for another agent id (``AGENT_ID_MISMATCH``)."""


class FarameshNotFoundError(FarameshError):
    """404 (0.3.3 name)."""


NotFound = FarameshNotFoundError


class Conflict(FarameshError):
    """409: the action is not in a state that allows this (``ILLEGAL_TRANSITION``; see
    ``current_status``), or an id prefix matched several actions (``matches``)."""

    def __init__(self, message: str = "", *, current_status: Optional[str] = None,
                 matches: Optional[Sequence[str]] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current_status = current_status
        self.matches = list(matches or [])


class AlreadyExecuted(Conflict):
    """A governed call found its action (same idempotency key) already started or finished;
    the tool is not run a second time."""

    def __init__(self, message: str = "", *, action: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.action: Mapping[str, Any] = action or {}


class FarameshValidationError(FarameshError):
    """400 / 413 / 415 / 422: the request was rejected as invalid (0.3.3 name). ``field`` names
    the offending member when the server says."""

    def __init__(self, message: str = "", *, field: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field = field


ValidationError = FarameshValidationError


class FarameshPolicyError(FarameshError):
    """An action was denied by policy (0.3.3 name)."""


class FarameshDeniedError(FarameshError):
    """An action was denied where success was expected (0.3.3 name)."""


class _OutcomeError(FarameshError):
    def __init__(self, message: str = "", *, action: Optional[Mapping[str, Any]] = None,
                 reason: Optional[str] = None, reason_code: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.action: Mapping[str, Any] = action or {}
        self.action_id: Optional[str] = self.action.get("id") if self.action else None
        self.reason = reason if reason is not None else (self.action.get("reason") if self.action else None)
        self.reason_code = reason_code if reason_code is not None else (
            self.action.get("reason_code") if self.action else None)


class ActionDenied(_OutcomeError, FarameshPolicyError, FarameshDeniedError):
    """The action was denied, by the policy at submit or by a human approver. ``reason`` is the
    policy's (or approver's) reason, ``reason_code`` the server's code, ``action`` the action."""


class ApprovalExpired(_OutcomeError, FarameshDeniedError):
    """Nobody decided before the approval deadline; the action is ``expired`` and never runs."""


class ActionPending(_OutcomeError, FarameshTimeoutError):
    """The wait ended (timeout) while the action is still ``pending_approval``; it did not run."""


class WaitTimeout(FarameshTimeoutError):
    """``wait_for_completion`` ran out of time; ``action`` is the last state seen."""

    def __init__(self, message: str = "", *, action: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.action: Mapping[str, Any] = action or {}


class FarameshBatchError(FarameshError):
    """Raised by ``submit_actions_bulk(..., raise_on_error=True)`` (0.3.3)."""

    def __init__(self, message: str, successes: list[dict[str, Any]], errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.successes = successes
        self.errors = errors


class DenyError(FarameshDeniedError):
    """Raised by :func:`faramesh.govern` (the 0.3.3 gate helper) on HALT."""

    def __init__(self, message: str, *, reason_code: str = "", reason: Optional[str] = None,
                 decision: Optional[Any] = None) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.reason = reason
        self.decision = decision


class DeferredError(FarameshError):
    """Raised by :func:`faramesh.govern` (the 0.3.3 gate helper) on ABSTAIN."""

    def __init__(self, message: str, *, reason_code: str = "", reason: Optional[str] = None,
                 decision: Optional[Any] = None) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.reason = reason
        self.decision = decision


# 0.3.x legacy aliases.
GovernorError = FarameshError
GovernorTimeoutError = FarameshTimeoutError
GovernorAuthError = FarameshAuthError
GovernorConnectionError = FarameshConnectionError


def error_for_response(status: int, body: Any, *, method: str, path: str) -> FarameshError:
    """The typed error for an HTTP error response (``{"detail", "code", ...}`` body)."""
    data: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    raw_detail = data.get("detail")
    if isinstance(raw_detail, str):
        detail = raw_detail
    elif raw_detail is not None:
        detail = str(raw_detail)
    else:
        detail = body if isinstance(body, str) and body else f"HTTP {status}"
    code = data.get("code") if isinstance(data.get("code"), str) else None
    message = f"{method} {path} -> {status}" + (f" {code}" if code else "") + f": {detail}"
    common: dict[str, Any] = {"status_code": status, "code": code, "detail": detail, "body": data}
    if status == 401:
        if code == "INVALID_APPROVAL_TOKEN":
            return InvalidApprovalToken(message, **common)
        return AuthError(message, **common)
    if status == 403:
        return Forbidden(message, **common)
    if status == 404:
        return NotFound(message, **common)
    if status == 409:
        current = data.get("current_status")
        matches = data.get("matches")
        return Conflict(message, current_status=current if isinstance(current, str) else None,
                        matches=matches if isinstance(matches, list) else None, **common)
    if status in (400, 413, 415, 422):
        field = data.get("field")
        return ValidationError(message, field=field if isinstance(field, str) else None, **common)
    if status == 503:
        return ServiceUnavailable(message, **common)
    if status >= 500:
        return ServerError(message, **common)
    return FarameshError(message, **common)


__all__ = [
    "FarameshError", "FarameshTimeoutError", "FarameshConnectionError", "GatekeeperUnreachable",
    "RequestTimeout", "FarameshServerError", "ServerError", "ServiceUnavailable", "FarameshAuthError",
    "AuthError", "InvalidApprovalToken", "Forbidden", "FarameshNotFoundError", "NotFound", "Conflict",
    "AlreadyExecuted", "FarameshValidationError", "ValidationError", "FarameshPolicyError",
    "FarameshDeniedError", "ActionDenied", "ApprovalExpired", "ActionPending", "WaitTimeout", "FarameshBatchError",
    "DenyError", "DeferredError", "GovernorError", "GovernorTimeoutError", "GovernorAuthError",
    "GovernorConnectionError", "error_for_response",
]
