"""Faramesh Python SDK: submit every tool call to the Faramesh gatekeeper before running it.

Functional API (same names and signatures as ``faramesh-sdk`` 0.3.3)::

    from faramesh import configure, submit_action, start_action, report_result
    configure(base_url="http://127.0.0.1:8000", token="...")
    action = submit_action("my-agent", "http", "get", {"url": "https://example.com"})

Class-based clients: :class:`faramesh.sdk.client.ExecutionGovernorClient` and
:class:`faramesh.aio.AsyncExecutionGovernorClient`. The governed-call lifecycle used by every
integration: :func:`faramesh.governed.govern`. Errors: :mod:`faramesh.errors`.
"""

from ._config import ClientConfig, GovernorConfig
from ._models import GateDecision, ReplayResult
from ._version import __version__
from .canonicalization import (
    CanonicalizeError,
    canonicalize,
    canonicalize_action_payload,
    compute_hash,
    compute_request_hash,
)
from .client import (
    allow,
    apply,
    approve_action,
    block_until_approved,
    configure,
    deny,
    deny_action,
    get_action,
    get_client,
    get_events,
    list_actions,
    replay_action,
    report_result,
    start_action,
    stream_events,
    submit_action,
    submit_actions,
    submit_actions_bulk,
    submit_and_wait,
    tail_events,
    wait_for_completion,
    wait_for_decision,
)
from .errors import (
    ActionDenied,
    ActionPending,
    AlreadyExecuted,
    ApprovalExpired,
    AuthError,
    Conflict,
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
    Forbidden,
    GatekeeperUnreachable,
    GovernorAuthError,
    GovernorConnectionError,
    GovernorError,
    GovernorTimeoutError,
    NotFound,
    ValidationError,
    WaitTimeout,
)
from .gate import execute_if_allowed, gate_decide, gate_decide_dict, replay_decision, verify_request_hash
from .govern import govern
from .sdk.client import ExecutionGovernorClient

__all__ = [
    "__version__",
    # configuration
    "configure", "ClientConfig", "GovernorConfig", "get_client",
    # functional API
    "submit_action", "submit_actions", "submit_actions_bulk", "submit_and_wait", "block_until_approved",
    "get_action", "list_actions", "get_events", "approve_action", "deny_action", "start_action", "report_result",
    "replay_action", "wait_for_completion", "wait_for_decision", "apply", "tail_events", "stream_events",
    "allow", "deny",
    # gate and hashing
    "gate_decide", "gate_decide_dict", "replay_decision", "verify_request_hash", "execute_if_allowed",
    "GateDecision", "ReplayResult", "govern", "canonicalize", "canonicalize_action_payload",
    "compute_request_hash", "compute_hash", "CanonicalizeError",
    # clients
    "ExecutionGovernorClient",
    # errors
    "FarameshError", "ActionDenied", "ActionPending", "ApprovalExpired", "AlreadyExecuted", "AuthError",
    "Forbidden", "NotFound", "Conflict", "ValidationError", "GatekeeperUnreachable", "WaitTimeout",
    "FarameshAuthError", "FarameshNotFoundError", "FarameshPolicyError", "FarameshTimeoutError",
    "FarameshConnectionError", "FarameshValidationError", "FarameshServerError", "FarameshBatchError",
    "FarameshDeniedError", "DenyError", "DeferredError", "GovernorError", "GovernorTimeoutError",
    "GovernorAuthError", "GovernorConnectionError",
]
