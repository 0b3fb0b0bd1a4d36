"""Finding 2: idle, slow-head and slow-body sockets are shed; /health keeps answering; event
streams outlive the deadlines; at a low descriptor limit the server neither fails nor spins."""
from __future__ import annotations

import os
import select
import socket
import time

from conftest import ADMIN_TOKEN, Server

HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
SLOW_HEAD = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
SLOW_BODY = (b"POST /v1/gate/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN_TOKEN.encode()
             + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")


def attack(port: int, count: int) -> list[socket.socket]:
    """`count` sockets: a third idle, a third with an unfinished head, a third with an unfinished body."""
    sockets = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 3 == 1:
            s.sendall(SLOW_HEAD)
        elif i % 3 == 2:
            s.sendall(SLOW_BODY)
        sockets.append(s)
    return sockets


def closed_by_server(s: socket.socket) -> tuple[bool, bytes]:
    """True when the server closed the socket (EOF or reset); the bytes it sent before."""
    s.setblocking(False)
    received = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True, received
            received += chunk
    except BlockingIOError:
        return False, received
    except (ConnectionResetError, BrokenPipeError):
        return True, received


def wait_closed(sockets: list[socket.socket], at_least: int, within: float) -> list[bytes]:
    deadline = time.monotonic() + within
    answers: dict[int, bytes] = {}
    while time.monotonic() < deadline:
        for i, s in enumerate(sockets):
            if i in answers:
                continue
            done, data = closed_by_server(s)
            if done:
                answers[i] = data
        if len(answers) >= at_least:
            break
        time.sleep(0.1)
    return list(answers.values())


def health(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(HEALTH)
        s.settimeout(10)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        return data


def test_slowloris_over_the_cap_is_shed_while_health_answers(launch) -> None:
    # Deadlines far away: only the cap makes room.
    server: Server = launch(["--max-connections", "40", "--header-timeout", "60s", "--idle-timeout", "60s",
                             "--body-timeout", "60s"])
    sockets = attack(server.port, 300)
    for _ in range(10):
        assert health(server.port).startswith(b"HTTP/1.1 200"), server.log()
    answers = wait_closed(sockets, at_least=260, within=30)
    assert len(answers) >= 260
    for s in sockets:
        s.close()
    status, _, metrics = server.request("GET", "/metrics")
    assert status == 200
    assert 'faramesh_http_connections_closed_total{reason="shed"}' in metrics.decode()


def test_deadlines_close_idle_slow_head_and_slow_body_sockets(launch) -> None:
    server: Server = launch(["--header-timeout", "2s", "--idle-timeout", "2s", "--body-timeout", "2s"])
    sockets = attack(server.port, 300)
    assert health(server.port).startswith(b"HTTP/1.1 200")
    # Trickling bytes does not extend a deadline.
    for _ in range(3):
        time.sleep(0.4)
        for i, s in enumerate(sockets):
            if i % 3:
                try:
                    s.send(b"X-a: b\r\n" if i % 3 == 1 else b" ")
                except OSError:
                    pass
    answers = wait_closed(sockets, at_least=300, within=30)
    assert len(answers) == 300
    timed_out = [a for a in answers if a.startswith(b"HTTP/1.1 408")]
    assert len(timed_out) == 200, [a[:40] for a in answers if a][:5]
    assert all(b'"code":"REQUEST_TIMEOUT"' in a for a in timed_out)
    assert sum(1 for a in answers if a == b"") == 100
    for s in sockets:
        s.close()
    assert health(server.port).startswith(b"HTTP/1.1 200")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_low_descriptor_limit_caps_below_it_and_does_not_spin(launch) -> None:
    # 300 descriptors: the default caps fit under it (86 connections, 86 streams, 128 reserved).
    server: Server = launch([], prefix=["prlimit", "--nofile=300:300", "--"])
    sockets = attack(server.port, 500)
    for _ in range(5):
        assert health(server.port).startswith(b"HTTP/1.1 200"), server.log()
    before = cpu_seconds(server.pid)
    time.sleep(3)
    used = cpu_seconds(server.pid) - before
    print(f"server CPU while holding 500 sockets at RLIMIT_NOFILE=300: {used / 3 * 100:.1f}% of a core")
    assert used / 3 < 0.5, f"the server spins: {used / 3 * 100:.0f}% of a core"
    for s in sockets:
        s.close()
    assert "Too many open files" not in server.log()


def test_event_stream_outlives_every_deadline(launch) -> None:
    server: Server = launch(["--header-timeout", "1s", "--idle-timeout", "1s", "--body-timeout", "1s"],
                            env={"FARAMESH_SSE_HEARTBEAT": "300ms"})
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\n\r\n")
        received = b""
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            ready, _, _ = select.select([s], [], [], 0.2)
            if ready:
                chunk = s.recv(65536)
                assert chunk, f"the server closed the stream: {received!r}"
                received += chunk
        assert received.startswith(b"HTTP/1.1 200")
        assert b"text/event-stream" in received
        assert received.count(b": ping") >= 5
