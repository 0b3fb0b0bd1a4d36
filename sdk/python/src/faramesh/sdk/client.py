"""``ExecutionGovernorClient``: the class-based client the product README shows.

>>> from faramesh.sdk.client import ExecutionGovernorClient
>>> client = ExecutionGovernorClient("http://127.0.0.1:8000")
>>> action = client.submit_action(tool="shell", operation="run", params={"cmd": "ls"},
...                               context={"agent_id": "my-agent"})
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Union

from .. import errors
from .. import _config
from .._config import ClientConfig
from .._core import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FINAL_STATUSES,
    PENDING_STATUSES,
    Request,
    RetryPolicy,
    action_path,
    agent_id_for,
    approval_body,
    as_list,
    as_object,
    check_submitted,
    max_seq,
    dumps,
    encode_path,
    event_filters,
    frame_status,
    list_query,
    logger,
    new_idempotency_key,
    normalise_event_type,
    resolve_base_url,
    resolve_token,
    result_body,
    submit_payload,
    warn_plain_http,
)
from .._http import Hooks, SyncEventStream, SyncTransport
from .._models import GateDecision, ReplayResult, replay_result

#: SSE read timeout: the server sends a heartbeat every 15 s, so 30 s of silence means a dead link.
_STREAM_IDLE = 30.0
#: Consecutive failed stream attempts before a wait falls back to polling.
_STREAM_FAILURES_BEFORE_POLLING = 3
#: First polling interval of the fallback; it doubles up to the caller's poll_interval.
_FIRST_POLL = 0.05


def _validate_token(token: Optional[str]) -> Optional[str]:
    if token is not None and any(ord(c) < 0x21 or ord(c) == 0x7F for c in token):
        raise errors.ValidationError("token contains whitespace or control characters")
    return token


class ExecutionGovernorClient:
    """Blocking client for one Faramesh server.

    Configuration comes from the arguments, else ``FARAMESH_BASE_URL`` / ``FARAMESH_TOKEN``
    (legacy ``FARA_API_BASE`` / ``FARA_AUTH_TOKEN``), else what :func:`faramesh.configure` set,
    else ``http://127.0.0.1:8000`` without a token. Every request has a ``timeout`` (seconds);
    connection errors and 503 are retried ``retries`` times with exponential backoff. Submits
    carry an ``Idempotency-Key`` (generated per call unless given), so a retry never records a
    second action. ``fail_open=True`` lets :func:`faramesh.governed.govern` run a tool when the
    gatekeeper cannot be reached (with a warning per call); the default fails closed.

    The 0.3.3 form ``ExecutionGovernorClient(ClientConfig(...))`` is accepted too.
    """

    def __init__(
        self,
        base_url: Optional[Union[str, ClientConfig]] = None,
        token: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        fail_open: bool = False,
        agent_id: Optional[str] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        config: Optional[ClientConfig] = None,
        backoff: Optional[float] = None,
        sse: bool = True,
    ) -> None:
        hooks: Optional[Hooks] = None
        if isinstance(base_url, ClientConfig):
            config, base_url = base_url, None
        if config is not None:
            base_url = config.base_url
            token = token if token is not None else config.token
            timeout = config.timeout
            retries = config.max_retries
            fail_open = fail_open or config.fail_open
            agent_id = agent_id or config.agent_id
            hooks = Hooks(config.on_request_start, config.on_request_end, config.on_error)
        self._explicit_token = token is not None or resolve_token(None) is not None
        resolved_base = base_url
        if not resolved_base:
            glob = _config.current()
            import os
            if not (os.environ.get("FARAMESH_BASE_URL") or os.environ.get("FARA_API_BASE")) and glob is not None:
                resolved_base = glob.base_url
        if not isinstance(retries, int) or retries < 0:
            raise errors.ValidationError(f"retries must be a non-negative integer, got {retries!r}")
        self.base_url = resolve_base_url(resolved_base)
        self.fail_open = bool(fail_open)
        self.agent_id = agent_id
        self.sse = sse
        retry = RetryPolicy(retries=retries) if backoff is None else RetryPolicy(retries=retries, base_delay=backoff)
        resolved_token = _validate_token(resolve_token(token))
        if config is None:
            warn_plain_http(self.base_url, resolved_token)  # ClientConfig already warned
        self._transport = SyncTransport(self.base_url, resolved_token, timeout, retry,
                                        ssl_context=ssl_context, hooks=hooks)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def timeout(self) -> float:
        return self._transport.timeout

    @property
    def token(self) -> Optional[str]:
        if self._transport.token is None and not self._explicit_token:
            glob = _config.current()
            if glob is not None and glob.token:
                # 0.3.3 compatibility: a client without its own token uses the configured one.
                return glob.token
        return self._transport.token

    def _call(self, method: str, path: str, body: Any = None, *, headers: Optional[Dict[str, str]] = None,
              done_statuses: frozenset[str] = frozenset(), action_id: Optional[str] = None,
              timeout: Optional[float] = None) -> Any:
        req = Request(method, path, None if body is None else dumps(body), dict(headers or {}),
                      done_statuses=done_statuses, action_id=action_id)
        transport = self._transport
        token = self.token
        if token != transport.token:
            transport.token = token
        return transport.request(req, timeout=timeout)

    def close(self) -> None:
        """Close the calling thread's keep-alive connection."""
        self._transport.close()

    def __enter__(self) -> "ExecutionGovernorClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ExecutionGovernorClient({self.base_url!r}, fail_open={self.fail_open})"

    # -- actions ----------------------------------------------------------------------------

    def submit_action(
        self,
        tool: str,
        operation: str,
        params: Optional[Mapping[str, Any]] = None,
        context: Optional[Mapping[str, Any]] = None,
        *,
        agent_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Submit a tool call for a decision and return the recorded action (``status`` is
        ``allowed``, ``denied`` or ``pending_approval``; a denial is returned, not raised).

        The agent id is ``agent_id``, else ``context["agent_id"]``, else ``FARAMESH_AGENT_ID``,
        else the client's ``agent_id``. The context is sent as given.
        """
        aid = agent_id_for(agent_id, context, self.agent_id or "default-agent")
        payload = submit_payload(aid, tool, operation, params, context)
        key = idempotency_key or new_idempotency_key()
        return check_submitted(self._call("POST", "/v1/actions", payload, headers={"Idempotency-Key": key}))

    def get_action(self, action_id: str) -> Dict[str, Any]:
        """One action by id (or unique id prefix of at least 8 hex digits)."""
        return as_object(self._call("GET", action_path(action_id)), "GET action")

    def list_actions(
        self,
        limit: int = 20,
        offset: int = 0,
        agent_id: Optional[str] = None,
        tool: Optional[str] = None,
        status: Optional[str] = None,
        *,
        risk_level: Optional[str] = None,
        cursor: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Newest first; a bare list as the server returns it."""
        body = self._call("GET", encode_path("/v1/actions", list_query(limit, offset, agent_id, tool, status,
                                                                      risk_level, cursor)))
        return as_list(body, "GET /v1/actions")

    def get_events(self, action_id: str) -> List[Dict[str, Any]]:
        """The action's hash-chained timeline, oldest first."""
        return as_list(self._call("GET", action_path(action_id, "/events")), "GET events")

    def _approval(self, action_id: str, approve: bool, token: Optional[str], reason: Optional[str]) -> Dict[str, Any]:
        if token is None:
            action = self.get_action(action_id)
            if action.get("status") not in PENDING_STATUSES:
                raise errors.Conflict(
                    f"action {action_id} is not pending approval (status: {action.get('status')})",
                    current_status=action.get("status"), status_code=409, code="ILLEGAL_TRANSITION")
            token = action.get("approval_token")
            if not token:
                raise errors.Forbidden(
                    f"no approval token visible for action {action_id}: approving needs an approver or admin token",
                    code="FORBIDDEN")
            action_id = action["id"]
        done = frozenset({"approved", "executing", "succeeded", "failed", "timeout"}) if approve else frozenset({"denied"})
        return as_object(self._call("POST", action_path(action_id, "/approval"), approval_body(token, approve, reason),
                          done_statuses=done, action_id=action_id), "approval")

    def approve_action(self, action_id: str, token: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
        """Approve a pending action (approver/admin token). Without ``token`` the approval token
        is read from the action, which the server shows to approvers only."""
        return self._approval(action_id, True, token, reason)

    def deny_action(self, action_id: str, token: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
        """Deny a pending action (approver/admin token)."""
        return self._approval(action_id, False, token, reason)

    def start_action(self, action_id: str) -> Dict[str, Any]:
        """``allowed``/``approved`` → ``executing``."""
        return as_object(self._call("POST", action_path(action_id, "/start"), {},
                          done_statuses=frozenset({"executing", "succeeded", "failed", "timeout"}),
                          action_id=action_id), "start")

    def report_result(self, action_id: str, success: bool, error: Optional[str] = None) -> Dict[str, Any]:
        """Record the outcome: ``succeeded`` (``success=True``) or ``failed`` with ``error``."""
        done = frozenset({"succeeded"}) if success else frozenset({"failed"})
        return as_object(self._call("POST", action_path(action_id, "/result"), result_body(success, error),
                          done_statuses=done, action_id=action_id), "result")

    def replay_action(self, action_id: str) -> Dict[str, Any]:
        """Submit a new action with the same agent, tool, operation and params (context gets
        ``replayed_from``). Only allowed/approved/succeeded actions can be replayed (0.3.3)."""
        original = self.get_action(action_id)
        status = original.get("status")
        if status not in ("allowed", "approved", "succeeded"):
            raise errors.FarameshError(
                f"Cannot replay action {action_id} with status '{status}'. "
                "Only allowed, approved, or succeeded actions can be replayed.")
        context: Dict[str, Any] = original["context"] if isinstance(original.get("context"), dict) else {}
        new_context = {**context, "replayed_from": original["id"], "replay": True}
        return self.submit_action(original["tool"], original["operation"], original.get("params") or {},
                                  new_context, agent_id=original["agent_id"])

    # -- gate -------------------------------------------------------------------------------

    def gate_decide_dict(self, agent_id: str, tool: str, operation: str, params: Optional[Mapping[str, Any]] = None,
                         context: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        payload = submit_payload(agent_id, tool, operation, params, context)
        return as_object(self._call("POST", "/v1/gate/decide", payload), "gate decide")

    def gate_decide(self, agent_id: str, tool: str, operation: str, params: Optional[Mapping[str, Any]] = None,
                    context: Optional[Mapping[str, Any]] = None) -> GateDecision:
        """The decision the policy would make, without recording an action."""
        return GateDecision.from_dict(self.gate_decide_dict(agent_id, tool, operation, params, context))

    def replay_decision(self, action_id: Optional[str] = None, provenance_id: Optional[str] = None) -> ReplayResult:
        """Decide a recorded action again and compare outcome, reason code and hashes."""
        if not action_id and not provenance_id:
            raise ValueError("Must provide either action_id or provenance_id")
        if provenance_id and not action_id:
            matches = [a for a in self.list_actions(limit=1000) if a.get("provenance_id") == provenance_id]
            if not matches:
                raise errors.NotFound(f"No action found with provenance_id '{provenance_id}'")
            action_id = matches[0]["id"]
        assert action_id is not None
        original = self.get_action(action_id)
        replayed = self.gate_decide_dict(original["agent_id"], original["tool"], original["operation"],
                                         original.get("params") or {}, original.get("context") or {})
        return replay_result(original, replayed)

    # -- waiting ----------------------------------------------------------------------------

    def wait_for_decision(self, action_id: str, timeout: float = 300.0, *, poll_interval: float = 1.0) -> Dict[str, Any]:
        """Block until the action leaves ``pending_approval`` and return it (``approved``,
        ``denied``, ``expired``, ...). Follows ``GET /v1/events`` (resuming with Last-Event-ID),
        falls back to polling; raises :class:`~faramesh.errors.ActionPending` on timeout."""
        action = self._wait(action_id, lambda s: s not in PENDING_STATUSES, timeout, poll_interval)
        if action.get("status") in PENDING_STATUSES:
            raise errors.ActionPending(
                f"action {action.get('id')} still {action.get('status')} after {timeout:g}s", action=action)
        return action

    def wait_for_completion(self, action_id: str, poll_interval: float = 1.0, timeout: float = 60.0) -> Dict[str, Any]:
        """Block until the action is final (``succeeded``, ``failed``, ``timeout``, ``denied``,
        ``expired``) and return it; raises :class:`~faramesh.errors.WaitTimeout` (an
        ``ActionPending`` while still pending) when ``timeout`` passes first."""
        action = self._wait(action_id, lambda s: s in FINAL_STATUSES, timeout, poll_interval)
        status = action.get("status")
        if status not in FINAL_STATUSES:
            message = f"Action {action.get('id')} did not complete within {timeout:g}s. Current status: {status}"
            if status in PENDING_STATUSES:
                raise errors.ActionPending(message, action=action)
            raise errors.WaitTimeout(message, action=action)
        return action

    def _wait(self, action_id: str, done: Callable[[str], bool], timeout: float, poll_interval: float) -> Dict[str, Any]:
        deadline = time.monotonic() + max(0.0, float(timeout))
        last_seq: Optional[str] = None
        if self.sse:
            events = self.get_events(action_id)
            last_seq = max_seq(events)
        action = self.get_action(action_id)
        if done(action.get("status", "")):
            return action
        full_id = action["id"]
        failures = 0
        use_sse = self.sse
        interval = _FIRST_POLL
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self.get_action(full_id)
            if use_sse:
                try:
                    status = self._follow(full_id, done, deadline, last_seq)
                except _StreamUnsupported as exc:
                    logger.info("faramesh: event stream unavailable (%s); polling action %s", exc, full_id)
                    use_sse = False
                    continue
                if status.seq is not None:
                    last_seq = status.seq
                if status.done:
                    return self.get_action(full_id)
                if status.failed:
                    failures += 1
                    if failures >= _STREAM_FAILURES_BEFORE_POLLING:
                        logger.info("faramesh: event stream keeps failing; polling action %s", full_id)
                        use_sse = False
                    else:
                        time.sleep(min(0.05 * failures, max(0.0, deadline - time.monotonic())))
                else:
                    failures = 0
                continue
            action = self.get_action(full_id)
            if done(action.get("status", "")):
                return action
            time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
            interval = min(interval * 2, max(poll_interval, _FIRST_POLL))

    def _follow(self, action_id: str, done: Callable[[str], bool], deadline: float,
                last_seq: Optional[str]) -> "_StreamStatus":
        """Read one stream connection until the action is done, the deadline passes or the
        stream breaks; report the last seen id so the next connection resumes after it."""
        remaining = deadline - time.monotonic()
        path = encode_path("/v1/events", event_filters(action_id=action_id))
        self._transport.token = self.token
        try:
            stream = self._transport.open_stream(path, last_event_id=last_seq,
                                                 read_timeout=min(remaining, _STREAM_IDLE),
                                                 connect_timeout=min(self.timeout, max(remaining, 0.001)))
        except (errors.NotFound, errors.ValidationError, errors.ServiceUnavailable, errors.ServerError) as exc:
            raise _StreamUnsupported(str(exc)) from exc
        except errors.GatekeeperUnreachable:
            return _StreamStatus(failed=True, seq=last_seq)
        except errors.FarameshError as exc:
            if exc.status_code is None or exc.status_code == 200:
                raise _StreamUnsupported(str(exc)) from exc
            raise
        seq = last_seq
        stream.set_deadline(deadline)
        with stream:
            try:
                # Frames that arrived before we subscribed are replayed after last_seq, so
                # nothing between the status read and the subscription is lost.
                for event in stream:
                    if event.id:
                        seq = event.id
                    try:
                        frame = json.loads(event.data)
                    except ValueError:
                        continue
                    status = frame_status(frame, action_id)
                    if status is not None and done(status):
                        return _StreamStatus(done=True, seq=seq)
                    if deadline - time.monotonic() <= 0:
                        return _StreamStatus(seq=seq)
            except socket.timeout:
                # Deadline reached, or 30 s without even a heartbeat: reconnect and resume.
                return _StreamStatus(seq=seq, failed=deadline - time.monotonic() > 0)
            except (OSError, ValueError) as exc:
                logger.debug("faramesh: event stream broke: %s", exc)
                return _StreamStatus(failed=True, seq=seq)
        # The server ended the stream (shutdown, slow-client drop): resume on a new connection.
        return _StreamStatus(seq=seq, failed=True)

    # -- events -----------------------------------------------------------------------------

    def iter_events(
        self,
        *,
        action_id: Optional[str] = None,
        agent_id: Optional[str] = None,
        tool: Optional[str] = None,
        status: Optional[Union[str, List[str]]] = None,
        event_types: Optional[Union[str, List[str]]] = None,
        last_event_id: Optional[str] = None,
        idle_timeout: float = _STREAM_IDLE,
    ) -> Iterator[Dict[str, Any]]:
        """Yield SSE frames (``{"type", "data", "timestamp"}``) as they arrive, reconnecting and
        resuming with ``Last-Event-ID`` when the connection drops. Runs until the caller stops."""
        path = encode_path("/v1/events", event_filters(action_id=action_id, agent_id=agent_id, tool=tool,
                                                       status=status, event_types=event_types))
        seq = last_event_id
        failures = 0
        while True:
            self._transport.token = self.token
            try:
                stream: SyncEventStream = self._transport.open_stream(path, last_event_id=seq, read_timeout=idle_timeout)
            except errors.GatekeeperUnreachable:
                failures += 1
                if failures > self._transport.retry.retries:
                    raise
                time.sleep(self._transport.retry.delay(failures - 1))
                continue
            failures = 0
            with stream:
                try:
                    for event in stream:
                        if event.id:
                            seq = event.id
                        try:
                            frame = json.loads(event.data)
                        except ValueError:
                            continue
                        if isinstance(frame, dict):
                            yield frame
                except (socket.timeout, OSError):
                    pass

    def stream_events(
        self,
        callback: Callable[[Dict[str, Any]], None],
        *,
        event_types: Optional[List[str]] = None,
        stop_after: Optional[int] = None,
        timeout: Optional[float] = None,
        action_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> None:
        """Call ``callback`` with each frame (0.3.3 signature). ``event_types`` accepts
        ``"approved"`` or ``"action.approved"``; ``action_id`` filters on the server;
        ``last_event_id`` replays what came after that event. Raises
        :class:`~faramesh.errors.FarameshTimeoutError` when ``timeout`` seconds pass."""
        wanted = {normalise_event_type(t) for t in event_types} if event_types else None
        deadline = None if timeout is None else time.monotonic() + timeout
        count = 0
        idle = _STREAM_IDLE if deadline is None else max(0.001, min(_STREAM_IDLE, timeout or _STREAM_IDLE))
        for frame in self._timed_frames(action_id, event_types, deadline, idle, last_event_id):
            if wanted is not None:
                data: Dict[str, Any] = frame["data"] if isinstance(frame.get("data"), dict) else {}
                kind = data.get("event_type") or normalise_event_type(str(frame.get("type", "")))
                if kind not in wanted:
                    continue
            callback(frame)
            count += 1
            if stop_after and count >= stop_after:
                return
        raise errors.FarameshTimeoutError(f"Stream timeout after {timeout}s")

    def _timed_frames(self, action_id: Optional[str], event_types: Optional[List[str]], deadline: Optional[float],
                      idle: float, seq: Optional[str]) -> Iterator[Dict[str, Any]]:
        path = encode_path("/v1/events", event_filters(action_id=action_id, event_types=event_types))
        while deadline is None or time.monotonic() < deadline:
            left = None if deadline is None else deadline - time.monotonic()
            self._transport.token = self.token
            stream = self._transport.open_stream(path, last_event_id=seq,
                                                 read_timeout=idle if left is None else max(0.001, min(idle, left)))
            stream.set_deadline(deadline)
            with stream:
                try:
                    for event in stream:
                        if event.id:
                            seq = event.id
                        try:
                            frame = json.loads(event.data)
                        except ValueError:
                            continue
                        if isinstance(frame, dict):
                            yield frame
                        if deadline is not None and deadline - time.monotonic() <= 0:
                            return
                except (socket.timeout, OSError):
                    continue

    # -- convenience ------------------------------------------------------------------------

    def apply(self, file_path: Union[str, Path]) -> Dict[str, Any]:
        """Submit the action described in a YAML or JSON file (``agent_id``, ``tool``,
        ``operation``, optional ``params`` and ``context``)."""
        data = load_action_file(file_path)
        return self.submit_action(data["tool"], data["operation"], data.get("params") or {},
                                  data.get("context") or {}, agent_id=data["agent_id"])


class _StreamUnsupported(Exception):
    """The server has no usable event stream (404/422/5xx): poll instead."""


class _StreamStatus:
    __slots__ = ("done", "failed", "seq")

    def __init__(self, *, done: bool = False, failed: bool = False, seq: Optional[str] = None) -> None:
        self.done, self.failed, self.seq = done, failed, seq


def load_action_file(file_path: Union[str, Path]) -> Dict[str, Any]:
    path = Path(file_path)
    if not path.exists():
        raise FileNotFoundError(f"File not found: {file_path}")
    text = path.read_text(encoding="utf-8")
    data: Any
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            try:
                import yaml  # type: ignore[import-untyped]
            except ImportError:
                if path.suffix in (".yaml", ".yml"):
                    raise errors.ValidationError("reading YAML needs PyYAML: pip install 'faramesh[yaml]'")
                data = json.loads(text)
            else:
                data = yaml.safe_load(text)
    except errors.FarameshError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is a validation error
        raise errors.ValidationError(f"Failed to parse file {file_path}: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.ValidationError(f"{file_path} must hold a mapping")
    missing = [f for f in ("agent_id", "tool", "operation") if f not in data]
    if missing:
        raise errors.ValidationError(f"Missing required fields: {', '.join(missing)}")
    return data


__all__ = ["ExecutionGovernorClient", "ClientConfig", "load_action_file"]
