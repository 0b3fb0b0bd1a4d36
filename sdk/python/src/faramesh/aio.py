"""``AsyncExecutionGovernorClient``: the asyncio twin of
:class:`faramesh.sdk.client.ExecutionGovernorClient` (same methods, awaitable). It speaks
HTTP/1.1 over asyncio streams, so no call ever blocks the event loop.

>>> async with AsyncExecutionGovernorClient("http://127.0.0.1:8000", token="...") as client:
...     action = await client.submit_action("http", "get", {"url": "https://example.com"}, agent_id="a")
"""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any, AsyncIterator, Callable, Dict, List, Mapping, Optional, Union

from . import errors
from ._core import (
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
from ._ahttp import AsyncTransport
from ._models import GateDecision, ReplayResult, replay_result

_STREAM_IDLE = 30.0
_STREAM_FAILURES_BEFORE_POLLING = 3
_FIRST_POLL = 0.05


class AsyncExecutionGovernorClient:
    """Asyncio client; configuration and behaviour as for ``ExecutionGovernorClient``."""

    def __init__(
        self,
        base_url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        fail_open: bool = False,
        agent_id: Optional[str] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        backoff: Optional[float] = None,
        sse: bool = True,
    ) -> None:
        if not isinstance(retries, int) or retries < 0:
            raise errors.ValidationError(f"retries must be a non-negative integer, got {retries!r}")
        resolved = resolve_token(token)
        if resolved is not None and any(ord(c) < 0x21 or ord(c) == 0x7F for c in resolved):
            raise errors.ValidationError("token contains whitespace or control characters")
        self.base_url = resolve_base_url(base_url)
        warn_plain_http(self.base_url, resolved)
        self.fail_open = bool(fail_open)
        self.agent_id = agent_id
        self.sse = sse
        retry = RetryPolicy(retries=retries) if backoff is None else RetryPolicy(retries=retries, base_delay=backoff)
        self._transport = AsyncTransport(self.base_url, resolved, timeout, retry, ssl_context=ssl_context)

    @property
    def timeout(self) -> float:
        return self._transport.timeout

    async def _call(self, method: str, path: str, body: Any = None, *, headers: Optional[Dict[str, str]] = None,
                    done_statuses: frozenset[str] = frozenset(), action_id: Optional[str] = None) -> Any:
        req = Request(method, path, None if body is None else dumps(body), dict(headers or {}),
                      done_statuses=done_statuses, action_id=action_id)
        return await self._transport.request(req)

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> "AsyncExecutionGovernorClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncExecutionGovernorClient({self.base_url!r}, fail_open={self.fail_open})"

    # -- actions ----------------------------------------------------------------------------

    async def submit_action(self, tool: str, operation: str, params: Optional[Mapping[str, Any]] = None,
                            context: Optional[Mapping[str, Any]] = None, *, agent_id: Optional[str] = None,
                            idempotency_key: Optional[str] = None) -> Dict[str, Any]:
        aid = agent_id_for(agent_id, context, self.agent_id or "default-agent")
        payload = submit_payload(aid, tool, operation, params, context)
        key = idempotency_key or new_idempotency_key()
        return check_submitted(await self._call("POST", "/v1/actions", payload, headers={"Idempotency-Key": key}))

    async def get_action(self, action_id: str) -> Dict[str, Any]:
        return as_object(await self._call("GET", action_path(action_id)), "GET action")

    async def list_actions(self, limit: int = 20, offset: int = 0, agent_id: Optional[str] = None,
                           tool: Optional[str] = None, status: Optional[str] = None, *,
                           risk_level: Optional[str] = None, cursor: Optional[str] = None) -> List[Dict[str, Any]]:
        body = await self._call("GET", encode_path("/v1/actions", list_query(limit, offset, agent_id, tool, status,
                                                                            risk_level, cursor)))
        return as_list(body, "GET /v1/actions")

    async def get_events(self, action_id: str) -> List[Dict[str, Any]]:
        return as_list(await self._call("GET", action_path(action_id, "/events")), "GET events")

    async def _approval(self, action_id: str, approve: bool, token: Optional[str],
                        reason: Optional[str]) -> Dict[str, Any]:
        if token is None:
            action = await self.get_action(action_id)
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
        return as_object(await self._call("POST", action_path(action_id, "/approval"), approval_body(token, approve, reason),
                                done_statuses=done, action_id=action_id), "approval")

    async def approve_action(self, action_id: str, token: Optional[str] = None,
                             reason: Optional[str] = None) -> Dict[str, Any]:
        return await self._approval(action_id, True, token, reason)

    async def deny_action(self, action_id: str, token: Optional[str] = None,
                          reason: Optional[str] = None) -> Dict[str, Any]:
        return await self._approval(action_id, False, token, reason)

    async def start_action(self, action_id: str) -> Dict[str, Any]:
        return as_object(await self._call("POST", action_path(action_id, "/start"), {},
                                done_statuses=frozenset({"executing", "succeeded", "failed", "timeout"}),
                                action_id=action_id), "start")

    async def report_result(self, action_id: str, success: bool, error: Optional[str] = None) -> Dict[str, Any]:
        done = frozenset({"succeeded"}) if success else frozenset({"failed"})
        return as_object(await self._call("POST", action_path(action_id, "/result"), result_body(success, error),
                                done_statuses=done, action_id=action_id), "result")

    async def replay_action(self, action_id: str) -> Dict[str, Any]:
        original = await self.get_action(action_id)
        status = original.get("status")
        if status not in ("allowed", "approved", "succeeded"):
            raise errors.FarameshError(
                f"Cannot replay action {action_id} with status '{status}'. "
                "Only allowed, approved, or succeeded actions can be replayed.")
        context: Dict[str, Any] = original["context"] if isinstance(original.get("context"), dict) else {}
        return await self.submit_action(original["tool"], original["operation"], original.get("params") or {},
                                        {**context, "replayed_from": original["id"], "replay": True},
                                        agent_id=original["agent_id"])

    # -- gate -------------------------------------------------------------------------------

    async def gate_decide_dict(self, agent_id: str, tool: str, operation: str,
                               params: Optional[Mapping[str, Any]] = None,
                               context: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        payload = submit_payload(agent_id, tool, operation, params, context)
        return as_object(await self._call("POST", "/v1/gate/decide", payload), "gate decide")

    async def gate_decide(self, agent_id: str, tool: str, operation: str, params: Optional[Mapping[str, Any]] = None,
                          context: Optional[Mapping[str, Any]] = None) -> GateDecision:
        return GateDecision.from_dict(await self.gate_decide_dict(agent_id, tool, operation, params, context))

    async def replay_decision(self, action_id: Optional[str] = None,
                              provenance_id: Optional[str] = None) -> ReplayResult:
        if not action_id and not provenance_id:
            raise ValueError("Must provide either action_id or provenance_id")
        if provenance_id and not action_id:
            matches = [a for a in await self.list_actions(limit=1000) if a.get("provenance_id") == provenance_id]
            if not matches:
                raise errors.NotFound(f"No action found with provenance_id '{provenance_id}'")
            action_id = matches[0]["id"]
        assert action_id is not None
        original = await self.get_action(action_id)
        replayed = await self.gate_decide_dict(original["agent_id"], original["tool"], original["operation"],
                                               original.get("params") or {}, original.get("context") or {})
        return replay_result(original, replayed)

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for_decision(self, action_id: str, timeout: float = 300.0, *,
                                poll_interval: float = 1.0) -> Dict[str, Any]:
        action = await self._wait(action_id, lambda s: s not in PENDING_STATUSES, timeout, poll_interval)
        if action.get("status") in PENDING_STATUSES:
            raise errors.ActionPending(
                f"action {action.get('id')} still {action.get('status')} after {timeout:g}s", action=action)
        return action

    async def wait_for_completion(self, action_id: str, poll_interval: float = 1.0,
                                  timeout: float = 60.0) -> Dict[str, Any]:
        action = await self._wait(action_id, lambda s: s in FINAL_STATUSES, timeout, poll_interval)
        status = action.get("status")
        if status not in FINAL_STATUSES:
            message = f"Action {action.get('id')} did not complete within {timeout:g}s. Current status: {status}"
            if status in PENDING_STATUSES:
                raise errors.ActionPending(message, action=action)
            raise errors.WaitTimeout(message, action=action)
        return action

    async def _wait(self, action_id: str, done: Callable[[str], bool], timeout: float,
                    poll_interval: float) -> Dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout))
        last_seq: Optional[str] = None
        if self.sse:
            events = await self.get_events(action_id)
            last_seq = max_seq(events)
        action = await self.get_action(action_id)
        if done(action.get("status", "")):
            return action
        full_id = action["id"]
        use_sse = self.sse
        failures = 0
        interval = _FIRST_POLL
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return await self.get_action(full_id)
            if use_sse:
                try:
                    is_done, failed, last_seq = await self._follow(full_id, done, deadline, last_seq)
                except _StreamUnsupported as exc:
                    logger.info("faramesh: event stream unavailable (%s); polling action %s", exc, full_id)
                    use_sse = False
                    continue
                if is_done:
                    return await self.get_action(full_id)
                if failed:
                    failures += 1
                    if failures >= _STREAM_FAILURES_BEFORE_POLLING:
                        logger.info("faramesh: event stream keeps failing; polling action %s", full_id)
                        use_sse = False
                    else:
                        await asyncio.sleep(min(0.05 * failures, max(0.0, deadline - loop.time())))
                else:
                    failures = 0
                continue
            action = await self.get_action(full_id)
            if done(action.get("status", "")):
                return action
            await asyncio.sleep(max(0.0, min(interval, deadline - loop.time())))
            interval = min(interval * 2, max(poll_interval, _FIRST_POLL))

    async def _follow(self, action_id: str, done: Callable[[str], bool], deadline: float,
                      last_seq: Optional[str]) -> tuple[bool, bool, Optional[str]]:
        loop = asyncio.get_running_loop()
        remaining = deadline - loop.time()
        path = encode_path("/v1/events", event_filters(action_id=action_id))
        try:
            stream = await self._transport.open_stream(path, last_event_id=last_seq,
                                                       connect_timeout=min(self.timeout, max(remaining, 0.001)))
        except (errors.NotFound, errors.ValidationError, errors.ServiceUnavailable, errors.ServerError) as exc:
            raise _StreamUnsupported(str(exc)) from exc
        except errors.GatekeeperUnreachable:
            return False, True, last_seq
        except errors.FarameshError as exc:
            if exc.status_code is None or exc.status_code == 200:
                raise _StreamUnsupported(str(exc)) from exc
            raise
        seq = last_seq
        try:
            while True:
                left = deadline - loop.time()
                if left <= 0:
                    return False, False, seq
                try:
                    event = await stream.next_event(min(left, _STREAM_IDLE))
                except asyncio.TimeoutError:
                    return False, deadline - loop.time() > 0, seq
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    logger.debug("faramesh: event stream broke: %s", exc)
                    return False, True, seq
                if event is None:
                    return False, True, seq
                if event.id:
                    seq = event.id
                try:
                    frame = json.loads(event.data)
                except ValueError:
                    continue
                status = frame_status(frame, action_id)
                if status is not None and done(status):
                    return True, False, seq
        finally:
            stream.close()

    # -- events -----------------------------------------------------------------------------

    async def iter_events(self, *, action_id: Optional[str] = None, agent_id: Optional[str] = None,
                          tool: Optional[str] = None, status: Optional[Union[str, List[str]]] = None,
                          event_types: Optional[Union[str, List[str]]] = None, last_event_id: Optional[str] = None,
                          idle_timeout: float = _STREAM_IDLE) -> AsyncIterator[Dict[str, Any]]:
        """Frames as they arrive, reconnecting and resuming with Last-Event-ID."""
        path = encode_path("/v1/events", event_filters(action_id=action_id, agent_id=agent_id, tool=tool,
                                                       status=status, event_types=event_types))
        seq = last_event_id
        failures = 0
        while True:
            try:
                stream = await self._transport.open_stream(path, last_event_id=seq)
            except errors.GatekeeperUnreachable:
                failures += 1
                if failures > self._transport.retry.retries:
                    raise
                await asyncio.sleep(self._transport.retry.delay(failures - 1))
                continue
            failures = 0
            try:
                while True:
                    try:
                        event = await stream.next_event(idle_timeout)
                    except (asyncio.TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                        break
                    if event is None:
                        break
                    if event.id:
                        seq = event.id
                    try:
                        frame = json.loads(event.data)
                    except ValueError:
                        continue
                    if isinstance(frame, dict):
                        yield frame
            finally:
                stream.close()

    async def stream_events(self, callback: Callable[[Dict[str, Any]], Any], *,
                            event_types: Optional[List[str]] = None, stop_after: Optional[int] = None,
                            timeout: Optional[float] = None, action_id: Optional[str] = None,
                            last_event_id: Optional[str] = None) -> None:
        """Call ``callback`` (sync or async) per frame; raises ``FarameshTimeoutError`` after
        ``timeout`` seconds unless ``stop_after`` frames came first."""
        wanted = {normalise_event_type(t) for t in event_types} if event_types else None
        count = 0

        async def consume() -> None:
            nonlocal count
            async for frame in self.iter_events(action_id=action_id, event_types=event_types,
                                                last_event_id=last_event_id):
                if wanted is not None:
                    data: Dict[str, Any] = frame["data"] if isinstance(frame.get("data"), dict) else {}
                    kind = data.get("event_type") or normalise_event_type(str(frame.get("type", "")))
                    if kind not in wanted:
                        continue
                result = callback(frame)
                if asyncio.iscoroutine(result):
                    await result
                count += 1
                if stop_after and count >= stop_after:
                    return

        try:
            await asyncio.wait_for(consume(), timeout)
        except asyncio.TimeoutError:
            raise errors.FarameshTimeoutError(f"Stream timeout after {timeout}s") from None


class _StreamUnsupported(Exception):
    pass


__all__ = ["AsyncExecutionGovernorClient"]
