"""Result types of the gate helpers (same fields as ``faramesh-sdk`` 0.3.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class GateDecision:
    """Answer of ``POST /v1/gate/decide``: the decision without recording an action."""

    outcome: str  # EXECUTE, ABSTAIN, HALT
    reason_code: str
    reason: Optional[str]
    request_hash: str
    policy_version: Optional[str]
    policy_hash: Optional[str]
    profile_id: Optional[str]
    profile_version: Optional[str]
    profile_hash: Optional[str]
    runtime_version: Optional[str]
    provenance_id: Optional[str]
    decision: Optional[str] = None
    risk_level: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "GateDecision":
        return cls(
            outcome=data.get("outcome", ""),
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason"),
            request_hash=data.get("request_hash", ""),
            policy_version=data.get("policy_version"),
            policy_hash=data.get("policy_hash"),
            profile_id=data.get("profile_id"),
            profile_version=data.get("profile_version"),
            profile_hash=data.get("profile_hash"),
            runtime_version=data.get("runtime_version"),
            provenance_id=data.get("provenance_id"),
            decision=data.get("decision"),
            risk_level=data.get("risk_level"),
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "outcome": self.outcome,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "request_hash": self.request_hash,
            "policy_version": self.policy_version,
            "policy_hash": self.policy_hash,
            "profile_id": self.profile_id,
            "profile_version": self.profile_version,
            "profile_hash": self.profile_hash,
            "runtime_version": self.runtime_version,
            "provenance_id": self.provenance_id,
        }


@dataclass
class ReplayResult:
    """Outcome of :func:`faramesh.gate.replay_decision`."""

    success: bool
    original_outcome: str
    replayed_outcome: str
    original_reason_code: str
    replayed_reason_code: str
    request_hash_match: bool
    policy_hash_match: bool
    profile_hash_match: bool
    runtime_version_match: bool
    mismatches: List[str] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "success": self.success,
            "original_outcome": self.original_outcome,
            "replayed_outcome": self.replayed_outcome,
            "original_reason_code": self.original_reason_code,
            "replayed_reason_code": self.replayed_reason_code,
            "request_hash_match": self.request_hash_match,
            "policy_hash_match": self.policy_hash_match,
            "profile_hash_match": self.profile_hash_match,
            "runtime_version_match": self.runtime_version_match,
            "mismatches": self.mismatches,
        }


def replay_result(original: Dict[str, Any], replayed: Dict[str, Any]) -> ReplayResult:
    mismatches: List[str] = []
    original_outcome = original.get("outcome") or ""
    replayed_outcome = replayed.get("outcome") or ""
    if original_outcome != replayed_outcome:
        mismatches.append(f"outcome: {original_outcome} != {replayed_outcome}")
    original_code = original.get("reason_code") or ""
    replayed_code = replayed.get("reason_code") or ""
    if original_code != replayed_code:
        mismatches.append(f"reason_code: {original_code} != {replayed_code}")
    request_match = original.get("request_hash") == replayed.get("request_hash")
    if not request_match:
        mismatches.append("request_hash mismatch")
    policy_match = original.get("policy_hash") == replayed.get("policy_hash")
    if not policy_match:
        mismatches.append("policy_hash mismatch (policy may have changed)")
    profile_match = original.get("profile_hash") == replayed.get("profile_hash")
    if not profile_match:
        mismatches.append("profile_hash mismatch (profile may have changed)")
    runtime_match = original.get("runtime_version") == replayed.get("runtime_version")
    if not runtime_match:
        mismatches.append(f"runtime_version: {original.get('runtime_version')} != {replayed.get('runtime_version')}")
    return ReplayResult(
        success=not mismatches,
        original_outcome=original_outcome,
        replayed_outcome=replayed_outcome,
        original_reason_code=original_code,
        replayed_reason_code=replayed_code,
        request_hash_match=request_match,
        policy_hash_match=policy_match,
        profile_hash_match=profile_match,
        runtime_version_match=runtime_match,
        mismatches=mismatches,
    )
