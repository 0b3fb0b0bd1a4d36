"""Blocking HTTP transport on ``http.client``: one keep-alive connection per thread, a timeout
on every call, retries with backoff for connection errors and 503, and the SSE reader."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from typing import Any, Iterator, Mapping, Optional

from . import errors
from ._core import (
    Endpoint,
    Request,
    RetryPolicy,
    RETRYABLE_STATUSES,
    SSEEvent,
    SSEParser,
    build_headers,
    decode_body,
    logger,
    parse_retry_after,
)

_MAX_LINE = 1 << 20
# Errors that mean "no (usable) answer on this connection".
_CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, OSError)


class Hooks:
    """The 0.3.3 telemetry callbacks; a failing callback never fails the request."""

    def __init__(self, on_start: Any = None, on_end: Any = None, on_error: Any = None) -> None:
        self.on_start, self.on_end, self.on_error = on_start, on_end, on_error

    def any(self) -> bool:
        return bool(self.on_start or self.on_end or self.on_error)

    def start(self, method: str, url: str) -> None:
        self._call(self.on_start, method, url)

    def end(self, method: str, url: str, status: int, duration_ms: float) -> None:
        self._call(self.on_end, method, url, status, duration_ms)

    def error(self, exc: Exception) -> None:
        self._call(self.on_error, exc)

    @staticmethod
    def _call(fn: Any, *args: Any) -> None:
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - telemetry must not break governance calls
            logger.debug("faramesh: telemetry callback failed", exc_info=True)


class Response:
    __slots__ = ("status", "headers", "body", "resent")

    def __init__(self, status: int, headers: Mapping[str, str], body: Any, resent: bool = False) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        #: The request went out twice (a kept-alive connection broke under the first copy).
        self.resent = resent


class SyncTransport:
    def __init__(self, base_url: str, token: Optional[str], timeout: float, retry: RetryPolicy,
                 ssl_context: Optional[ssl.SSLContext] = None, hooks: Optional[Hooks] = None) -> None:
        if timeout is None or timeout <= 0:
            raise errors.ValidationError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.base_url = base_url
        self.endpoint = Endpoint.parse(base_url)
        self.token = token
        self.timeout = float(timeout)
        self.retry = retry
        self._ssl = ssl_context
        self.hooks = hooks
        self._local = threading.local()

    # -- connections ------------------------------------------------------------------------

    def _new_connection(self, timeout: float) -> http.client.HTTPConnection:
        ep = self.endpoint
        if ep.scheme == "https":
            return http.client.HTTPSConnection(ep.host, ep.port, timeout=timeout,
                                               context=self._ssl or ssl.create_default_context())
        return http.client.HTTPConnection(ep.host, ep.port, timeout=timeout)

    def _connection(self, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        conn: Optional[http.client.HTTPConnection] = getattr(self._local, "conn", None)
        if conn is not None:
            conn.timeout = timeout
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            return conn, True
        conn = self._new_connection(timeout)
        self._local.conn = conn
        return conn, False

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._drop_connection()

    # -- requests ---------------------------------------------------------------------------

    def _once(self, req: Request, timeout: float) -> Response:
        """One attempt; a stale keep-alive connection is replaced once without counting."""
        path = self.endpoint.base_path + req.path
        headers = build_headers(self.endpoint, self.token, has_body=req.body is not None, extra=req.headers)
        for fresh_try in (False, True):
            conn, reused = self._connection(timeout)
            try:
                conn.request(req.method, path, body=req.body, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop_connection()
                if reused and not fresh_try:
                    continue  # the server closed an idle keep-alive connection
                raise exc
            except BaseException:
                self._drop_connection()
                raise
            if resp.will_close:
                self._drop_connection()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                            decode_body(raw, resp.getheader("Content-Type")), resent=fresh_try)
        raise AssertionError("unreachable")

    def request(self, req: Request, *, timeout: Optional[float] = None) -> Any:
        """Send ``req`` with retries; return the decoded body or raise a typed error."""
        hooks = self.hooks
        if hooks is None or not hooks.any():
            return self._request(req, timeout)
        url = self.base_url + req.path
        hooks.start(req.method, url)
        started = time.monotonic()
        try:
            body = self._request(req, timeout)
        except errors.FarameshError as exc:
            hooks.error(exc)
            hooks.end(req.method, url, exc.status_code or 0, (time.monotonic() - started) * 1000)
            raise
        hooks.end(req.method, url, 200, (time.monotonic() - started) * 1000)
        return body

    def _request(self, req: Request, timeout: Optional[float]) -> Any:
        timeout = self.timeout if timeout is None else timeout
        attempts = self.retry.retries + 1
        last_error: Optional[errors.FarameshError] = None
        for attempt in range(attempts):
            retry_after: Optional[float] = None
            try:
                resp = self._once(req, timeout)
            except socket.timeout as exc:
                last_error = errors.RequestTimeout(
                    f"{req.method} {req.path}: no answer from {self.base_url} within {timeout:g}s")
                last_error.__cause__ = exc
            except ssl.SSLCertVerificationError as exc:
                raise errors.GatekeeperUnreachable(f"TLS verification failed for {self.base_url}: {exc}") from exc
            except _CONNECTION_ERRORS as exc:
                last_error = errors.GatekeeperUnreachable(
                    f"{req.method} {req.path}: cannot reach {self.base_url}: {exc.__class__.__name__}: {exc}")
                last_error.__cause__ = exc
            else:
                if resp.status < 400:
                    return resp.body
                if resp.status in RETRYABLE_STATUSES:
                    last_error = errors.error_for_response(resp.status, resp.body, method=req.method, path=req.path)
                    if not isinstance(last_error, errors.GatekeeperUnreachable):
                        last_error = errors.ServiceUnavailable(str(last_error), status_code=resp.status)
                    retry_after = parse_retry_after(resp.headers.get("retry-after"))
                else:
                    error = errors.error_for_response(resp.status, resp.body, method=req.method, path=req.path)
                    if ((attempt > 0 or resp.resent) and isinstance(error, errors.Conflict) and req.action_id
                            and error.current_status in req.done_statuses):
                        # An earlier attempt went through and only its answer was lost.
                        from ._core import action_path
                        return self._request(Request("GET", action_path(req.action_id)), timeout)
                    raise error
            if attempt + 1 < attempts:
                delay = self.retry.delay(attempt, retry_after)
                logger.debug("faramesh: %s (attempt %d/%d), retrying in %.3fs", last_error, attempt + 1, attempts, delay)
                time.sleep(delay)
        assert last_error is not None
        raise last_error

    # -- server-sent events -----------------------------------------------------------------

    def open_stream(self, path: str, *, last_event_id: Optional[str], read_timeout: float,
                    connect_timeout: Optional[float] = None) -> "SyncEventStream":
        """Open ``GET path`` as an event stream (no retries here: callers resume)."""
        conn = self._new_connection(connect_timeout or self.timeout)
        extra = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id:
            extra["Last-Event-ID"] = last_event_id
        headers = build_headers(self.endpoint, self.token, has_body=False, extra=extra)
        try:
            conn.request("GET", self.endpoint.base_path + path, headers=headers)
            resp = conn.getresponse()
        except socket.timeout as exc:
            conn.close()
            raise errors.RequestTimeout(f"GET {path}: no answer within {connect_timeout or self.timeout:g}s") from exc
        except _CONNECTION_ERRORS as exc:
            conn.close()
            raise errors.GatekeeperUnreachable(f"GET {path}: cannot reach {self.base_url}: {exc}") from exc
        if resp.status != 200 or "text/event-stream" not in (resp.getheader("Content-Type") or ""):
            body = decode_body(resp.read(), resp.getheader("Content-Type"))
            conn.close()
            if resp.status == 200:
                raise errors.FarameshError(f"GET {path}: not an event stream", status_code=200)
            raise errors.error_for_response(resp.status, body, method="GET", path=path)
        return SyncEventStream(conn, resp, read_timeout)


class SyncEventStream:
    """Frames of one open ``text/event-stream`` response. Iteration raises ``socket.timeout``
    after ``read_timeout`` without any byte (heartbeats count) and ends when the server closes."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse, idle: float) -> None:
        self._conn = conn
        self._resp = resp
        self._idle = idle
        self._deadline: Optional[float] = None
        self.parser = SSEParser()

    def set_deadline(self, deadline: Optional[float]) -> None:
        """Stop reading (``socket.timeout``) at this ``time.monotonic()`` value, even while
        heartbeats keep arriving."""
        self._deadline = deadline

    def set_read_timeout(self, seconds: float) -> None:
        self._idle = seconds

    def _arm(self) -> None:
        timeout = self._idle
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("deadline reached")
            timeout = min(timeout, left)
        if self._conn.sock is not None:
            self._conn.sock.settimeout(max(timeout, 0.001))

    def __iter__(self) -> Iterator[SSEEvent]:
        while True:
            self._arm()
            line = self._resp.readline(_MAX_LINE)
            if not line:
                return
            if len(line) >= _MAX_LINE and not line.endswith(b"\n"):
                raise ValueError("event stream line too long")
            event = self.parser.feed_line(line.decode("utf-8", errors="replace"))
            if event is not None:
                yield event

    def close(self) -> None:
        try:
            self._conn.close()
        except OSError:
            pass

    def __enter__(self) -> "SyncEventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
