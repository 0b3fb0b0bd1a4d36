"""Many SSE clients in one process (scripts/bench-cluster.sh), on an epoll loop.

  python3 sse_clients.py --ports 8001,8002 --per-port 100 --token T [--sample-every 10] [--samples FILE]

Opens `per-port` streams on every port, prints "READY <n>" once all are open, then reads until
SIGTERM/SIGINT. Every client reads everything (so none is dropped as too slow). Every
`sample-every`-th client also records, per frame, `port action_id created_at_epoch recv_epoch`
into FILE, where recv_epoch is the kernel's receive timestamp of the data (SO_TIMESTAMPNS), so
the figure does not include this process's own scheduling delays. At the end prints one JSON
line: clients, open streams, frames per client (min/max), disconnects, heartbeat comments.
"""
import argparse
import datetime
import json
import selectors
import signal
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
STAMP = b'"timestamp":"'
ACTION = b'"id":"'


def epoch(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Client:
    def __init__(self, port, sampled):
        self.port = port
        self.sampled = sampled
        self.sock = socket.socket()
        if sampled:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.head = b""
        self.open = False
        self.closed = False
        self.frames = 0
        self.pending = b""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True)
    p.add_argument("--per-port", type=int, default=100)
    p.add_argument("--token", required=True)
    p.add_argument("--sample-every", type=int, default=10)
    p.add_argument("--samples")
    p.add_argument("--path", default="/v1/events")
    args = p.parse_args()
    stats = {"refused": 0, "disconnects": 0, "comments": 0}
    samples = []
    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {args.token}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    selector = selectors.EpollSelector()
    clients = []
    index = 0
    for port in [int(x) for x in args.ports.split(",")]:
        for _ in range(args.per_port):
            client = Client(port, args.samples is not None and index % args.sample_every == 0)
            index += 1
            for attempt in range(50):
                try:
                    client.sock.connect(("127.0.0.1", port))
                    break
                except OSError:
                    client.sock.close()
                    client = Client(port, client.sampled)
                    time.sleep(0.05 * (attempt + 1))
            else:
                raise SystemExit(f"cannot connect to {port}")
            client.sock.sendall(request)
            client.sock.setblocking(False)
            selector.register(client.sock, selectors.EVENT_READ, client)
            clients.append(client)

    stop = [False]

    def on_signal(*_):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def handle(client):
        try:
            if client.sampled:
                data, ancdata, _, _ = client.sock.recvmsg(262144, socket.CMSG_SPACE(16))
                received = time.time()
                for level, kind, payload in ancdata:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                        seconds, nanos = struct.unpack("qq", payload[:16])
                        received = seconds + nanos / 1e9
            else:
                data = client.sock.recv(262144)
                received = None
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            if client.open:
                stats["disconnects"] += 1
            client.open = False
            client.closed = True
            selector.unregister(client.sock)
            client.sock.close()
            return
        if not client.open:
            client.head += data
            if b"\r\n\r\n" not in client.head:
                return
            head, data = client.head.split(b"\r\n\r\n", 1)
            if not head.startswith(b"HTTP/1.1 200"):
                stats["refused"] += 1
                raise SystemExit(f"stream refused: {head[:60]!r}")
            client.open = True
        client.frames += data.count(b"\ndata: ")
        stats["comments"] += data.count(b"\n: ping")
        if received is None:
            return
        # Chunked framing lines never contain these markers, so a plain scan is enough.
        text = client.pending + data
        cut = text.rfind(b"\n\n")
        if cut < 0:
            client.pending = text
            return
        complete, client.pending = text[:cut], text[cut + 2:]
        start = 0
        while True:
            i = complete.find(STAMP, start)
            if i < 0:
                break
            a = complete.rfind(ACTION, start, i)
            action = complete[a + 6:a + 42].decode() if a >= 0 else "-"
            stamp = complete[i + len(STAMP):i + len(STAMP) + 27].decode()
            samples.append(f"{client.port} {action} {epoch(stamp):.6f} {received:.6f}\n")
            start = i + 1

    deadline = time.monotonic() + 120
    while not all(c.open or c.closed for c in clients):
        if time.monotonic() > deadline:
            raise SystemExit("streams did not open in time")
        for key, _ in selector.select(timeout=0.5):
            handle(key.data)
    print(f"READY {sum(c.open for c in clients)}", flush=True)
    while not stop[0]:
        for key, _ in selector.select(timeout=0.5):
            handle(key.data)
    frames = [c.frames for c in clients]
    if args.samples:
        with open(args.samples, "w") as f:
            f.writelines(samples)
    result = {"clients": len(clients), "open": sum(c.open for c in clients), "frames_min": min(frames),
              "frames_max": max(frames), **stats}
    for c in clients:
        if not c.closed:
            c.sock.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
