"""Canonical JSON and ``request_hash``, byte-identical to the server (and to ``faramesh-sdk``
0.3.3): keys sorted by code point, no whitespace, UTF-8 without ``\\u`` escapes except control
characters, floats without exponent or trailing zeros (``1e-7`` → ``0.0000001``, ``1.0`` →
``1``), integers of any size as written, NaN/Infinity rejected.

    compute_request_hash({"agent_id": "a", "tool": "http", "operation": "get", "params": {}, "context": {}})
"""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from typing import Any, Mapping

__all__ = ["CanonicalizeError", "canonicalize", "canonicalize_action_payload", "compute_request_hash",
           "compute_hash"]


class CanonicalizeError(ValueError):
    """The value cannot be canonicalised (NaN, Infinity, a non-string key, an unknown type).
    Fail closed: such a request must not be submitted."""


# Members of an action object that are not part of the request (0.3.3's exclusion list).
_ACTION_EXCLUDE_FIELDS = frozenset({
    "id", "approval_token", "created_at", "updated_at", "tenant_id", "project_id", "version", "decision",
    "status", "reason", "risk_level", "policy_version", "policy_hash", "runtime_version", "profile_id",
    "profile_version", "profile_hash", "provenance_id", "outcome", "reason_code", "reason_details",
    "request_hash",
})

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _number(value: float) -> str:
    if math.isnan(value):
        raise CanonicalizeError("NaN is not allowed in canonical JSON")
    if math.isinf(value):
        raise CanonicalizeError("Infinity is not allowed in canonical JSON")
    if value == 0.0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    if exponent >= 0:
        out = text + "0" * exponent
    elif -exponent >= len(text):
        out = "0." + "0" * (-exponent - len(text)) + text
    else:
        point = len(text) + exponent
        out = text[:point] + "." + text[point:]
    return "-" + out if sign else out


def _string(value: str) -> str:
    parts = ['"']
    for ch in value:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            parts.append(escaped)
        elif ord(ch) < 0x20:
            parts.append(f"\\u{ord(ch):04x}")
        else:
            parts.append(ch)
    parts.append('"')
    return "".join(parts)


def _value(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalizeError(f"Dict keys must be strings, got {type(key).__name__}: {key!r}")
        out.append("{")
        for i, key in enumerate(sorted(value)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _value(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _value(item, out)
        out.append("]")
    else:
        raise CanonicalizeError(f"Cannot canonicalize value of type {type(value).__name__}: {value!r}")


def canonicalize(obj: Any) -> str:
    """The canonical JSON text of ``obj`` (the input is not modified)."""
    out: list[str] = []
    _value(obj, out)
    return "".join(out)


def canonicalize_action_payload(payload: Mapping[str, Any]) -> bytes:
    """Canonical UTF-8 bytes of an action payload without its server-side members."""
    clean = {k: v for k, v in payload.items() if k not in _ACTION_EXCLUDE_FIELDS and not k.startswith("_")}
    return canonicalize(clean).encode("utf-8")


def compute_request_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical ``{agent_id, tool, operation, params, context}``: the
    server's ``request_hash``."""
    return hashlib.sha256(canonicalize_action_payload(payload)).hexdigest()


def compute_hash(obj: Any) -> str:
    """SHA-256 (hex) of ``canonicalize(obj)``."""
    return hashlib.sha256(canonicalize(obj).encode("utf-8")).hexdigest()
