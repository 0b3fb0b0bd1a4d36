"""Gate helpers of ``faramesh-sdk`` 0.3.3: decide without recording, replay and verify."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ._models import GateDecision, ReplayResult
from .canonicalization import compute_request_hash
from .client import _default_client

__all__ = ["GateDecision", "ReplayResult", "gate_decide", "gate_decide_dict", "replay_decision",
           "verify_request_hash", "execute_if_allowed"]


def gate_decide(agent_id: str, tool: str, operation: str, params: Optional[Dict[str, Any]] = None,
                context: Optional[Dict[str, Any]] = None) -> GateDecision:
    """``POST /v1/gate/decide``: the decision (outcome EXECUTE / ABSTAIN / HALT, reason code,
    hashes) without recording an action."""
    return _default_client().gate_decide(agent_id, tool, operation, params, context)


def gate_decide_dict(agent_id: str, tool: str, operation: str, params: Optional[Dict[str, Any]] = None,
                     context: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Like :func:`gate_decide`, returning the raw response."""
    return _default_client().gate_decide_dict(agent_id, tool, operation, params, context)


def replay_decision(action_id: Optional[str] = None, provenance_id: Optional[str] = None) -> ReplayResult:
    """Decide a recorded action again and compare the results."""
    return _default_client().replay_decision(action_id=action_id, provenance_id=provenance_id)


def verify_request_hash(payload: Dict[str, Any], expected_hash: str) -> bool:
    """Whether ``payload`` hashes to ``expected_hash`` (the server's ``request_hash``)."""
    return compute_request_hash(payload) == expected_hash


def execute_if_allowed(agent_id: str, tool: str, operation: str, params: Optional[Dict[str, Any]] = None,
                       context: Optional[Dict[str, Any]] = None,
                       executor: Optional[Callable[..., Any]] = None) -> Dict[str, Any]:
    """Run ``executor(tool, operation, params, context)`` only if the gate says EXECUTE."""
    decision = gate_decide(agent_id, tool, operation, params, context)
    result: Dict[str, Any] = {
        "decision": decision.to_dict(),
        "outcome": decision.outcome,
        "reason_code": decision.reason_code,
        "executed": False,
        "execution_result": None,
    }
    if decision.outcome == "EXECUTE" and executor:
        try:
            result["execution_result"] = executor(tool, operation, params or {}, context or {})
            result["executed"] = True
        except Exception as exc:  # noqa: BLE001 - 0.3.3 reports executor errors in the result
            result["execution_error"] = str(exc)
    return result
