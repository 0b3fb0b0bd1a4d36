"""Many SSE clients in one asyncio process (scripts/bench-cluster.sh).

  python3 sse_clients.py --ports 8001,8002 --per-port 100 --token T [--sample-every 10] [--samples FILE]

Opens `per-port` streams on every port, prints "READY <n>" once all are open, then reads until
SIGTERM/SIGINT. Every client reads everything (so none is dropped as too slow); every
`sample-every`-th client also records, per frame, `port action_id created_at_epoch recv_epoch`
into FILE. At the end prints one JSON line: clients, open streams, frames per client (min/max),
disconnects, heartbeat comments.
"""
import argparse
import asyncio
import datetime
import json
import signal
import sys
import time

STAMP = b'"timestamp":"'
ACTION = b'"id":"'


def epoch(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Client(asyncio.Protocol):
    def __init__(self, port, sampler, stats):
        self.port = port
        self.sampler = sampler
        self.stats = stats
        self.head = b""
        self.open = False
        self.frames = 0
        self.pending = b""
        self.connected = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        if not self.open:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, data = self.head.split(b"\r\n\r\n", 1)
            if not head.startswith(b"HTTP/1.1 200"):
                self.stats["refused"] += 1
                self.transport.close()
                if not self.connected.done():
                    self.connected.set_exception(OSError(head[:40].decode(errors="replace")))
                return
            self.open = True
            if not self.connected.done():
                self.connected.set_result(True)
        now = time.time()
        self.frames += data.count(b"\ndata: ")
        self.stats["comments"] += data.count(b"\n: ping")
        if self.sampler is None:
            return
        # Chunked framing lines never contain these markers, so a plain scan is enough.
        text = self.pending + data
        cut = text.rfind(b"\n\n")
        if cut < 0:
            self.pending = text
            return
        complete, self.pending = text[:cut], text[cut + 2:]
        start = 0
        while True:
            i = complete.find(STAMP, start)
            if i < 0:
                break
            a = complete.rfind(ACTION, start, i)
            action = complete[a + 6:a + 42].decode() if a >= 0 else "-"
            stamp = complete[i + len(STAMP):i + len(STAMP) + 27].decode()
            self.sampler.append(f"{self.port} {action} {epoch(stamp):.6f} {now:.6f}\n")
            start = i + 1

    def connection_lost(self, exc):
        if self.open:
            self.stats["disconnects"] += 1
        self.open = False
        if not self.connected.done():
            self.connected.set_exception(exc or OSError("closed"))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ports", required=True)
    p.add_argument("--per-port", type=int, default=100)
    p.add_argument("--token", required=True)
    p.add_argument("--sample-every", type=int, default=10)
    p.add_argument("--samples")
    p.add_argument("--path", default="/v1/events")
    args = p.parse_args()
    loop = asyncio.get_running_loop()
    stats = {"refused": 0, "disconnects": 0, "comments": 0}
    samples = [] if args.samples else None
    clients = []
    request = (f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {args.token}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    index = 0
    for port in [int(x) for x in args.ports.split(",")]:
        for _ in range(args.per_port):
            sampler = samples if (samples is not None and index % args.sample_every == 0) else None
            index += 1
            for attempt in range(50):
                try:
                    _, client = await loop.create_connection(lambda: Client(port, sampler, stats), "127.0.0.1", port)
                    break
                except OSError:
                    await asyncio.sleep(0.05 * (attempt + 1))
            else:
                raise SystemExit(f"cannot connect to {port}")
            client.transport.write(request)
            clients.append(client)
            if len(clients) % 500 == 0:
                await asyncio.sleep(0.05)   # let the server keep up with accepts
    await asyncio.wait_for(asyncio.gather(*(c.connected for c in clients)), timeout=120)
    print(f"READY {len(clients)}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    frames = [c.frames for c in clients]
    result = {"clients": len(clients), "open": sum(c.open for c in clients), "frames_min": min(frames),
              "frames_max": max(frames), **stats}
    if samples is not None:
        with open(args.samples, "w") as f:
            f.writelines(samples)
    for c in clients:
        c.transport.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
