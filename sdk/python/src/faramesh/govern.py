"""``faramesh.govern(...)`` of ``faramesh-sdk`` 0.3.3: a gate check that raises instead of
returning. For the full governed-call lifecycle (submit, wait, start, run, report) use
:func:`faramesh.governed.govern`."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ._models import GateDecision
from .errors import DeferredError, DenyError, FarameshError
from .gate import gate_decide


def govern(agent_id: str, tool: str, operation: str, params: Optional[Dict[str, Any]] = None,
           context: Optional[Dict[str, Any]] = None) -> GateDecision:
    """Return the decision on EXECUTE; raise ``DenyError`` on HALT, ``DeferredError`` on ABSTAIN."""
    d = gate_decide(agent_id, tool, operation, params, context)
    outcome = (d.outcome or "").upper()
    if outcome in ("EXECUTE", "PERMIT"):
        return d
    if outcome in ("HALT", "DENY"):
        raise DenyError(f"governance denied: {d.reason_code or 'unknown'}", reason_code=d.reason_code or "",
                        reason=d.reason, decision=d)
    if outcome in ("ABSTAIN", "DEFER", "PENDING"):
        raise DeferredError(f"governance deferred: {d.reason_code or 'unknown'}", reason_code=d.reason_code or "",
                            reason=d.reason, decision=d)
    raise FarameshError(f"unexpected gate outcome: {d.outcome!r}")
