"""Faults under load (scripts/cluster-test.sh): SIGTERM, kill -9 of a replica, a PostgreSQL restart,
a replica started while PostgreSQL is down. Each checks that no acknowledged action or event is
lost, no chain breaks, and the cluster serves again afterwards."""
import re
import signal
import socket
import threading
import time

from cluster import (ADMIN_TOKEN, Cluster, EventStream, Replica, SubmitLoad, request, submit, wait_until)


def head(c):
    return int(c.pg.sql("SELECT coalesce(max(seq), 0) FROM action_events")[0])


def settle(c, quiet=2.0, timeout=30):
    """Waits until no event has been committed for `quiet` seconds. A request that answered 503
    during an outage may still commit once the database is back (the client retried it under
    the same Idempotency-Key, so it is never duplicated); checks must start after such stragglers."""
    last = (head(c), time.monotonic())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = head(c)
        if now != last[0]:
            last = (now, time.monotonic())
        elif time.monotonic() - last[1] >= quiet:
            return
    raise AssertionError("events kept being committed after the load stopped")


def check_nothing_lost(c, acked, stream, start, failures=None):
    """Every acknowledged action is stored once under its key; the stream saw every committed
    event after `start` exactly once and in order; every chain verifies."""
    assert acked, "the load made no progress"
    settle(c)
    print(f"\n  acknowledged {len(acked)} submits; retried failures {failures}; "
          f"stream connections {stream.connections}")
    rows = c.pg.sql("SELECT idempotency_key || ' ' || id FROM actions WHERE idempotency_key LIKE 'load-%'")
    stored = dict(line.split(" ") for line in rows)
    for key, action_id in acked.items():
        assert stored.get(key) == action_id, f"acknowledged action {action_id} ({key}) is missing"
    committed = [s for s in c.all_seqs() if s > start]
    wait_until(lambda: stream.seqs()[-1:] == committed[-1:], 30, what="the stream to catch up")
    seen = stream.seqs()
    assert len(seen) == len(set(seen)), "an event was delivered twice"
    assert seen == committed, f"stream missed {sorted(set(committed) - set(seen))[:10]}"
    c.verify_log()


def stream_under_load(c):
    """A resuming live-update client through the balancer and a steady submit load, running for 2 s."""
    start = head(c)
    stream = EventStream([c.lb], reconnect=True, last_event_id=start)
    stream.start()
    assert stream.connected.wait(10)
    load = SubmitLoad(c.lb, threads=4)
    load.start()
    time.sleep(2)
    return start, stream, load


def all_ready(c):
    return all(r.ready() for r in c.replicas)


def test_sigterm_flips_readiness_finishes_in_flight_and_moves_streams():
    c = Cluster(replicas=3, shutdown_grace="6s", extra_env={"FARAMESH_SHUTDOWN_DRAIN_DELAY": "1s"})
    try:
        a, b = c.replicas[0], c.replicas[1]
        start = head(c)
        stream = EventStream([b.port, c.lb], reconnect=True, last_event_id=start)
        stream.start()
        assert stream.connected.wait(10)
        assert submit(a.port).status == 200

        # An in-flight request: headers and half the body sent before SIGTERM.
        body = b'{"agent_id":"inflight","tool":"http","operation":"get","params":{},"context":{}}'
        slow = socket.create_connection(("127.0.0.1", b.port), timeout=15)
        slow.sendall(b"POST /v1/actions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                     + body[:20])
        time.sleep(0.3)
        sent = time.monotonic()
        b.signal(signal.SIGTERM)
        wait_until(lambda: request(b.port, "GET", "/ready", token=None, timeout=2).status == 503, 0.5,
                   what="/ready 503 right after SIGTERM")
        # Finish the body while the server is already draining (after the 1 s drain delay).
        time.sleep(max(0.0, sent + 1.5 - time.monotonic()))
        slow.sendall(body[20:])
        reply = slow.recv(65536).decode()
        slow.close()
        assert reply.startswith("HTTP/1.1 200"), reply[:200]

        code = b.wait_exit(timeout=10)
        took = time.monotonic() - sent
        assert code == 0, b.log_tail()
        assert took < 6, f"exit took {took:.1f}s (grace 6s)"
        # The stream ended with the replica and resumed through the load balancer.
        for _ in range(3):
            assert submit(c.lb).status == 200
        wait_until(lambda: stream.connections >= 2, 10, what="stream reconnect")
        committed = [s for s in c.all_seqs() if s > start]
        wait_until(lambda: stream.seqs() == committed, 15, what="resumed stream complete")
        stream.close()
        b.start()
        c.verify_log()
    finally:
        c.close()


def test_kill_9_of_a_replica_under_load_loses_nothing():
    c = Cluster(replicas=3)
    try:
        start, stream, load = stream_under_load(c)
        victim = c.replicas[1]
        victim.kill9()
        time.sleep(2)
        victim.start()                      # same port: nginx sends it traffic again
        time.sleep(2)
        acked = load.stop()
        wait_until(lambda: all_ready(c), 30, what="all replicas ready")
        assert submit(c.lb).status == 200
        check_nothing_lost(c, acked, stream, start, load.failures)
        stream.close()
    finally:
        c.close()


def test_postgres_restart_under_load_answers_503_then_recovers():
    c = Cluster(replicas=3)
    try:
        start, stream, load = stream_under_load(c)
        c.pg.stop()
        # While the database is down: readiness false and submits answer 503 (not hang, not 500).
        wait_until(lambda: not any(r.ready() for r in c.replicas), 10, what="replicas not ready")
        down = submit(c.replicas[0].port, timeout=10)
        assert down.status == 503, down.body
        time.sleep(1)
        c.pg.start()
        wait_until(lambda: all_ready(c), 60, what="replicas ready again")
        time.sleep(2)
        # A fast restart (pg_ctl restart) too.
        c.pg.restart()
        wait_until(lambda: all_ready(c), 60, what="replicas ready after restart")
        time.sleep(2)
        acked = load.stop()
        assert submit(c.lb).status == 200
        assert 503 in load.failures or any(k != 200 for k in load.failures)
        check_nothing_lost(c, acked, stream, start, load.failures)
        stream.close()
    finally:
        c.close()


def test_replica_started_while_postgres_is_down_recovers_by_itself():
    c = Cluster(replicas=1)
    try:
        c.pg.stop()
        late = Replica(c, 9)
        late.start(wait=False)
        time.sleep(3)
        assert late.proc.poll() is None, "the replica exited instead of waiting for the database:\n" + late.log_tail()
        assert not late.ready()
        c.pg.start()
        late.wait_ready(60)
        start = head(c)
        stream = EventStream(late.port, last_event_id=start)
        stream.start()
        assert stream.connected.wait(10)
        r = submit(c.replicas[0].port)
        assert r.status == 200
        assert stream.wait_for(2) == [start + 1, start + 2]
        stream.close()
        c.verify_log()
    finally:
        c.close()


def test_stuck_client_is_disconnected_without_delaying_others():
    c = Cluster(replicas=1, nginx=False, extra_env={"FARAMESH_SSE_CLIENT_BUFFER": "200"})
    try:
        port = c.replicas[0].port
        start = head(c)
        # A client that stops reading right after the response head, with a tiny receive buffer.
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", port))
        stuck.sendall(f"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\r\n".encode())
        assert stuck.recv(64).startswith(b"HTTP/1.1 200")
        reader = EventStream(port, last_event_id=start)
        reader.start()
        assert reader.connected.wait(10)

        def burst(n):
            for _ in range(n):
                assert submit(port).status == 200

        def too_slow():
            metrics = request(port, "GET", "/metrics").body.decode()
            return re.search(r'faramesh_sse_disconnects_total\{reason="too_slow"\} [1-9]', metrics) is not None
        # Kernel socket buffers absorb up to ~4 MB first (about 3,000 submits' frames): submit in
        # rounds until the server gives up on the stuck client (bounded).
        rounds = 0
        while not too_slow() and rounds < 20:
            threads = [threading.Thread(target=burst, args=(100,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rounds += 1
            time.sleep(0.3)
        assert too_slow(), f"the stuck client was not disconnected after {rounds * 800} events"
        committed = [s for s in c.all_seqs() if s > start]
        wait_until(lambda: reader.seqs()[-1:] == committed[-1:], 30, what="the reader to keep up")
        assert reader.seqs() == committed
        assert reader.connections == 1
        # The server closed the stuck connection: draining it ends in EOF (or a reset).
        stuck.settimeout(10)
        received = 0
        try:
            while True:
                data = stuck.recv(65536)
                if not data:
                    break
                received += len(data)
        except ConnectionResetError:
            pass
        print(f"\n  stuck client disconnected after {rounds} round(s); it had received {received} bytes")
        reader.close()
    finally:
        c.close()
