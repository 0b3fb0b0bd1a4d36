"""Non-blocking HTTP/1.1 transport on asyncio streams: a small keep-alive pool, a timeout on
every call, the same retry rules as the blocking transport, and an SSE reader."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator, Optional

from . import errors
from ._core import (
    Endpoint,
    Request,
    RetryPolicy,
    RETRYABLE_STATUSES,
    SSEEvent,
    SSEParser,
    action_path,
    build_headers,
    decode_body,
    logger,
    parse_retry_after,
)

_MAX_IDLE = 8
_MAX_LINE = 1 << 20
_MAX_HEADER_LINES = 200


class _Conn:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        try:
            self.writer.close()
        except (OSError, RuntimeError):
            pass


class _Head:
    __slots__ = ("status", "headers")

    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status, self.headers = status, headers

    @property
    def chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


async def _read_head(reader: asyncio.StreamReader) -> _Head:
    line = await reader.readline()
    if not line:
        raise ConnectionResetError("connection closed before the response")
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ConnectionError(f"malformed status line {line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADER_LINES):
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    else:
        raise ConnectionError("too many response header lines")
    return _Head(int(parts[1]), headers)


async def _read_chunk(reader: asyncio.StreamReader) -> bytes:
    """One chunk of a chunked body (``b""`` for the last one, after its trailers)."""
    size_line = await reader.readline()
    if not size_line:
        raise ConnectionResetError("connection closed inside a chunked body")
    size = int(size_line.split(b";")[0].strip() or b"0", 16)
    if size == 0:
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        return b""
    data = await reader.readexactly(size)
    await reader.readexactly(2)
    return data


async def _read_body(reader: asyncio.StreamReader, head: _Head, method: str) -> tuple[bytes, bool]:
    """The body and whether the connection can be reused."""
    if method == "HEAD" or head.status in (204, 304) or 100 <= head.status < 200:
        return b"", head.keep_alive
    if head.chunked:
        parts: list[bytes] = []
        while True:
            chunk = await _read_chunk(reader)
            if not chunk:
                return b"".join(parts), head.keep_alive
            parts.append(chunk)
    length = head.headers.get("content-length")
    if length is not None:
        return await reader.readexactly(int(length)), head.keep_alive
    return await reader.read(), False


class AsyncTransport:
    def __init__(self, base_url: str, token: Optional[str], timeout: float, retry: RetryPolicy,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        if timeout is None or timeout <= 0:
            raise errors.ValidationError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.base_url = base_url
        self.endpoint = Endpoint.parse(base_url)
        self.token = token
        self.timeout = float(timeout)
        self.retry = retry
        self._ssl = ssl_context
        self._idle: list[_Conn] = []

    async def _open(self) -> _Conn:
        ep = self.endpoint
        ctx = (self._ssl or ssl.create_default_context()) if ep.scheme == "https" else None
        reader, writer = await asyncio.open_connection(ep.host, ep.port, ssl=ctx,
                                                       server_hostname=ep.host if ctx else None,
                                                       limit=1 << 20)
        return _Conn(reader, writer)

    def _encode(self, req: Request, extra: Optional[dict[str, str]] = None) -> bytes:
        headers = build_headers(self.endpoint, self.token, has_body=req.body is not None,
                                extra={**req.headers, **(extra or {})})
        if req.body is not None:
            headers["Content-Length"] = str(len(req.body))
        lines = [f"{req.method} {self.endpoint.base_path + req.path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        for line in lines:
            if "\r" in line or "\n" in line:
                raise errors.ValidationError("header values must not contain line breaks")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (req.body or b"")

    async def _exchange(self, req: Request) -> tuple[int, dict[str, str], Any, bool]:
        data = self._encode(req)
        for fresh_try in (False, True):
            reused = bool(self._idle) and not fresh_try
            conn = self._idle.pop() if reused else await self._open()
            try:
                conn.writer.write(data)
                await conn.writer.drain()
                head = await _read_head(conn.reader)
                body, reusable = await _read_body(conn.reader, head, req.method)
            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as exc:
                conn.close()
                if reused:
                    continue  # the server closed an idle keep-alive connection
                raise ConnectionResetError(str(exc)) from exc
            except BaseException:
                conn.close()
                raise
            if reusable and len(self._idle) < _MAX_IDLE:
                self._idle.append(conn)
            else:
                conn.close()
            return head.status, head.headers, decode_body(body, head.headers.get("content-type")), fresh_try
        raise AssertionError("unreachable")

    async def request(self, req: Request, *, timeout: Optional[float] = None) -> Any:
        timeout = self.timeout if timeout is None else timeout
        attempts = self.retry.retries + 1
        last_error: Optional[errors.FarameshError] = None
        for attempt in range(attempts):
            retry_after: Optional[float] = None
            try:
                status, headers, body, resent = await asyncio.wait_for(self._exchange(req), timeout)
            except asyncio.TimeoutError as exc:
                last_error = errors.RequestTimeout(
                    f"{req.method} {req.path}: no answer from {self.base_url} within {timeout:g}s")
                last_error.__cause__ = exc
            except ssl.SSLCertVerificationError as exc:
                raise errors.GatekeeperUnreachable(f"TLS verification failed for {self.base_url}: {exc}") from exc
            except (OSError, ConnectionError, ValueError) as exc:
                last_error = errors.GatekeeperUnreachable(
                    f"{req.method} {req.path}: cannot reach {self.base_url}: {exc.__class__.__name__}: {exc}")
                last_error.__cause__ = exc
            else:
                if status < 400:
                    return body
                if status in RETRYABLE_STATUSES:
                    last_error = errors.error_for_response(status, body, method=req.method, path=req.path)
                    if not isinstance(last_error, errors.GatekeeperUnreachable):
                        last_error = errors.ServiceUnavailable(str(last_error), status_code=status)
                    retry_after = parse_retry_after(headers.get("retry-after"))
                else:
                    error = errors.error_for_response(status, body, method=req.method, path=req.path)
                    if ((attempt > 0 or resent) and isinstance(error, errors.Conflict) and req.action_id
                            and error.current_status in req.done_statuses):
                        return await self.request(Request("GET", action_path(req.action_id)), timeout=timeout)
                    raise error
            if attempt + 1 < attempts:
                delay = self.retry.delay(attempt, retry_after)
                logger.debug("faramesh: %s (attempt %d/%d), retrying in %.3fs", last_error, attempt + 1, attempts, delay)
                await asyncio.sleep(delay)
        assert last_error is not None
        raise last_error

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    async def open_stream(self, path: str, *, last_event_id: Optional[str],
                          connect_timeout: Optional[float] = None) -> "AsyncEventStream":
        extra = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if last_event_id:
            extra["Last-Event-ID"] = last_event_id
        data = self._encode(Request("GET", path), extra)
        timeout = connect_timeout or self.timeout

        async def connect() -> tuple[_Conn, _Head]:
            conn = await self._open()
            try:
                conn.writer.write(data)
                await conn.writer.drain()
                return conn, await _read_head(conn.reader)
            except BaseException:
                conn.close()
                raise

        try:
            conn, head = await asyncio.wait_for(connect(), timeout)
        except asyncio.TimeoutError as exc:
            raise errors.RequestTimeout(f"GET {path}: no answer within {timeout:g}s") from exc
        except (OSError, ConnectionError, ValueError) as exc:
            raise errors.GatekeeperUnreachable(f"GET {path}: cannot reach {self.base_url}: {exc}") from exc
        if head.status != 200 or "text/event-stream" not in head.headers.get("content-type", ""):
            try:
                raw, _ = await asyncio.wait_for(_read_body(conn.reader, head, "GET"), timeout)
            except (asyncio.TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                raw = b""
            conn.close()
            if head.status == 200:
                raise errors.FarameshError(f"GET {path}: not an event stream", status_code=200)
            raise errors.error_for_response(head.status, decode_body(raw, head.headers.get("content-type")),
                                            method="GET", path=path)
        return AsyncEventStream(conn, head)


class AsyncEventStream:
    """Frames of one open event stream; ``next_event(timeout)`` raises ``asyncio.TimeoutError``
    after ``timeout`` seconds without a byte and returns ``None`` when the server ends it."""

    def __init__(self, conn: _Conn, head: _Head) -> None:
        self._conn = conn
        self._chunked = head.chunked
        self._buffer = b""
        self._eof = False
        self.parser = SSEParser()

    async def _more(self) -> bool:
        if self._eof:
            return False
        if self._chunked:
            chunk = await _read_chunk(self._conn.reader)
        else:
            chunk = await self._conn.reader.read(65536)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    async def _line(self) -> Optional[str]:
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line, self._buffer = self._buffer[:newline + 1], self._buffer[newline + 1:]
                return line.decode("utf-8", errors="replace")
            if len(self._buffer) > _MAX_LINE:
                raise ValueError("event stream line too long")
            if not await self._more():
                return None

    async def next_event(self, timeout: float) -> Optional[SSEEvent]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            line = await asyncio.wait_for(self._line(), max(0.001, deadline - loop.time()))
            if line is None:
                return None
            event = self.parser.feed_line(line)
            if event is not None:
                return event

    async def events(self, idle_timeout: float) -> AsyncIterator[SSEEvent]:
        while True:
            event = await self.next_event(idle_timeout)
            if event is None:
                return
            yield event

    def close(self) -> None:
        self._conn.close()
