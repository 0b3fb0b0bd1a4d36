"""I/O-free pieces shared by the sync and the asyncio client: configuration resolution, request
encoding, retry decisions, response decoding, SSE frame parsing and the action status sets."""

from __future__ import annotations

import json
import logging
import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import quote, urlencode, urlsplit

from . import errors
from ._version import __version__

logger = logging.getLogger("faramesh")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
USER_AGENT = f"faramesh-python/{__version__}"

#: Statuses after which nothing else happens to an action.
FINAL_STATUSES = frozenset({"succeeded", "failed", "timeout", "denied", "expired"})
#: Statuses that mean "still waiting for a human".
PENDING_STATUSES = frozenset({"pending_approval", "pending_decision"})
#: Statuses from which the agent may start or run the action.
RUNNABLE_STATUSES = frozenset({"allowed", "approved"})


def resolve_base_url(base_url: Optional[str]) -> str:
    """Argument, else ``FARAMESH_BASE_URL``, else legacy ``FARA_API_BASE``, else the default."""
    url = base_url or os.environ.get("FARAMESH_BASE_URL") or os.environ.get("FARA_API_BASE") or DEFAULT_BASE_URL
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.ValidationError(f"base_url must be an http:// or https:// URL, got {url!r}")
    return url


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def warn_plain_http(base_url: str, token: Optional[str]) -> None:
    """Bearer tokens over plain HTTP to another machine are readable on the wire: warn once per client."""
    parts = urlsplit(base_url)
    if token and parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        import warnings
        warnings.warn(f"Faramesh: sending a bearer token over plain HTTP to {parts.hostname}; use https://",
                      stacklevel=3)


def resolve_token(token: Optional[str]) -> Optional[str]:
    """Argument, else ``FARAMESH_TOKEN``, else legacy ``FARA_AUTH_TOKEN`` (first of a list)."""
    value = token if token is not None else (os.environ.get("FARAMESH_TOKEN") or os.environ.get("FARA_AUTH_TOKEN"))
    if value is None:
        return None
    value = value.split(",")[0].strip()
    return value or None


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    base_path: str

    @classmethod
    def parse(cls, base_url: str) -> "Endpoint":
        parts = urlsplit(base_url)
        assert parts.hostname is not None
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for connection errors and 503 (and 502/504 from a
    proxy in front of the gatekeeper)."""

    retries: int = DEFAULT_RETRIES
    base_delay: float = 0.05
    max_delay: float = 2.0

    def delay(self, attempt: int, retry_after: Optional[float] = None) -> float:
        if retry_after is not None:
            return max(0.0, min(retry_after, 5.0))
        cap = min(self.max_delay, self.base_delay * (2 ** attempt))
        return random.uniform(cap / 2, cap)


RETRYABLE_STATUSES = frozenset({502, 503, 504})


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class Request:
    method: str
    path: str
    body: Optional[bytes] = None
    headers: dict[str, str] = field(default_factory=dict)
    #: After a retried transition a 409 whose ``current_status`` is in this set means the first
    #: attempt went through (its answer was lost); the client then returns the current action.
    done_statuses: frozenset[str] = frozenset()
    action_id: Optional[str] = None


def encode_path(path: str, query: Optional[Mapping[str, Any]] = None) -> str:
    if not query:
        return path
    items = [(k, _query_value(v)) for k, v in query.items() if v is not None]
    return f"{path}?{urlencode(items)}" if items else path


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(str(v) for v in value)
    return str(value)


def action_path(action_id: str, suffix: str = "") -> str:
    if not isinstance(action_id, str) or not action_id:
        raise errors.ValidationError(f"action id must be a non-empty string, got {action_id!r}")
    return f"/v1/actions/{quote(action_id, safe='')}{suffix}"


def build_headers(endpoint: Endpoint, token: Optional[str], *, has_body: bool,
                  extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    headers = {"Host": endpoint.host_header, "User-Agent": USER_AGENT, "Accept": "application/json"}
    if has_body:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if extra:
        headers.update(extra)
    return headers


def dumps(value: Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise errors.ValidationError(f"request body is not JSON-serialisable: {exc}") from exc


def decode_body(raw: bytes, content_type: Optional[str]) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type and "json" not in content_type:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


MAX_IDENTIFIER_LENGTH = 256
# Whitespace the server trims around identifiers (ECMAScript \s without the control characters).
_TRIMMED = "\u0020\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000\ufeff"


def identifier(value: Any, name: str) -> str:
    """``agent_id`` / ``tool`` / ``operation`` as the server stores and hashes it: at most 256 code
    points, no control characters (Unicode Cc), not blank, surrounding whitespace trimmed."""
    if not isinstance(value, str):
        raise errors.ValidationError(f"{name} must be a string, got {value!r}", field=name)
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise errors.ValidationError(f"{name} must not contain control characters", field=name)
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise errors.ValidationError(f"{name} must be at most {MAX_IDENTIFIER_LENGTH} characters", field=name)
    trimmed = value.strip(_TRIMMED)
    if not trimmed:
        raise errors.ValidationError(f"{name} must not be blank, got {value!r}", field=name)
    return trimmed


def submit_payload(agent_id: Any, tool: Any, operation: Any, params: Optional[Mapping[str, Any]],
                   context: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    agent_id = identifier(agent_id, "agent_id")
    tool = identifier(tool, "tool")
    operation = identifier(operation, "operation")
    if params is not None and not isinstance(params, Mapping):
        raise errors.ValidationError(f"params must be a dict, got {type(params).__name__}", field="params")
    if context is not None and not isinstance(context, Mapping):
        raise errors.ValidationError(f"context must be a dict, got {type(context).__name__}", field="context")
    return {
        "agent_id": agent_id,
        "tool": tool,
        "operation": operation,
        "params": dict(params or {}),
        "context": dict(context or {}),
    }


def agent_id_for(agent_id: Optional[str], context: Optional[Mapping[str, Any]], default: Optional[str]) -> str:
    """The class API's agent id: the argument, else ``context["agent_id"]`` (as the product
    README shows), else ``FARAMESH_AGENT_ID``, else the client's default."""
    if agent_id:
        return agent_id
    if context is not None and isinstance(context, Mapping):
        from_context = context.get("agent_id")
        if isinstance(from_context, str) and from_context.strip():
            return from_context
    env = os.environ.get("FARAMESH_AGENT_ID")
    if env:
        return env
    if default:
        return default
    raise errors.ValidationError("agent_id is required (argument, context['agent_id'] or FARAMESH_AGENT_ID)",
                                 field="agent_id")


def approval_body(token: str, approve: bool, reason: Optional[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"token": token, "approve": approve}
    if reason:
        body["reason"] = reason
    return body


def result_body(success: bool, error: Optional[str]) -> dict[str, Any]:
    if not isinstance(success, bool):
        raise errors.ValidationError(f"success must be a bool, got {success!r}", field="success")
    body: dict[str, Any] = {"success": success}
    if error is not None:
        body["error"] = str(error)
    return body


def list_query(limit: int, offset: int, agent_id: Optional[str], tool: Optional[str], status: Optional[str],
               risk_level: Optional[str] = None, cursor: Optional[str] = None) -> dict[str, Any]:
    query: dict[str, Any] = {"limit": limit, "offset": offset}
    for key, value in (("agent_id", agent_id), ("tool", tool), ("status", status), ("risk_level", risk_level),
                       ("cursor", cursor)):
        if value:
            query[key] = value
    return query


def event_filters(*, action_id: Optional[str] = None, agent_id: Optional[str] = None, tool: Optional[str] = None,
                  status: Optional[Iterable[str] | str] = None,
                  event_types: Optional[Iterable[str] | str] = None) -> dict[str, str]:
    """Query parameters of ``GET /v1/events`` (comma-separated lists)."""
    query: dict[str, str] = {}

    def join(value: Iterable[str] | str) -> str:
        return value if isinstance(value, str) else ",".join(value)

    if action_id:
        query["action_id"] = action_id
    if agent_id:
        query["agent_id"] = agent_id
    if tool:
        query["tool"] = tool
    if status:
        query["status"] = join(status)
    if event_types:
        names = [event_types] if isinstance(event_types, str) else list(event_types)
        query["event_type"] = ",".join(normalise_event_type(n) for n in names)
    return query


def normalise_event_type(name: str) -> str:
    """``"action.approved"``, ``"action_approved"`` and ``"approved"`` all mean ``approved``."""
    for prefix in ("action.", "action_"):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


@dataclass
class SSEEvent:
    """One Server-Sent Events frame."""

    data: str
    id: Optional[str] = None
    event: Optional[str] = None

    def json(self) -> Any:
        return json.loads(self.data)


class SSEParser:
    """Incremental ``text/event-stream`` parser (WHATWG rules): feed it lines, get frames."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._id: Optional[str] = None
        self._event: Optional[str] = None
        self.last_event_id: Optional[str] = None
        self.retry_ms: Optional[int] = None

    def feed_line(self, line: str) -> Optional[SSEEvent]:
        line = line.rstrip("\r\n")
        if line == "":
            if not self._data and self._id is None and self._event is None:
                return None
            event = SSEEvent(data="\n".join(self._data), id=self._id, event=self._event)
            if self._id is not None:
                self.last_event_id = self._id
            self._data, self._id, self._event = [], None, None
            return event if event.data or event.id is not None else None
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "event":
            self._event = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None


def frame_status(frame: Any, action_id: str) -> Optional[str]:
    """The action's status after an SSE frame about ``action_id`` (``None`` for other frames)."""
    if not isinstance(frame, Mapping):
        return None
    data = frame.get("data")
    if not isinstance(data, Mapping):
        return None
    if data.get("action_id", data.get("id")) != action_id:
        return None
    status = data.get("status")
    return status if isinstance(status, str) else None


def as_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.FarameshError(f"unexpected response to {what}: {str(body)[:200]!r}")
    return body


def as_list(body: Any, what: str) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("actions"), list):
        body = body["actions"]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise errors.FarameshError(f"unexpected response to {what}: {str(body)[:200]!r}")
    return body


def max_seq(events: list[dict[str, Any]]) -> Optional[str]:
    seqs = [e["seq"] for e in events if isinstance(e.get("seq"), int)]
    return str(max(seqs)) if seqs else None


def check_submitted(action: Any) -> dict[str, Any]:
    if not isinstance(action, dict) or "id" not in action or "status" not in action:
        raise errors.FarameshError(f"unexpected submit response: {action!r}")
    return action


def outcome_error(action: Mapping[str, Any]) -> errors.FarameshError:
    """The error a governed call raises for a decided action that must not run."""
    status = action.get("status")
    reason = action.get("reason")
    if status == "expired":
        return errors.ApprovalExpired(f"approval expired for action {action.get('id')}: {reason or 'no decision'}",
                                      action=action)
    if status in PENDING_STATUSES:
        return errors.ActionPending(f"action {action.get('id')} is still {status}", action=action)
    return errors.ActionDenied(f"action denied: {reason or 'denied'}", action=action)
