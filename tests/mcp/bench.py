"""Added latency of `faramesh mcp-proxy` per allowed tools/call, and its RSS.

Runs N sequential `tools/call echo` (allowed by tests/mcp/policy.yaml) over stdio, directly
against tests/mcp/bench_server.py and through the proxy, with raw JSON-RPC (no SDK on the client
side, so the client adds the same small cost to both). Prints p50/p99 of both and the added time.
Usage: python bench.py BIN GATEKEEPER_URL AGENT_TOKEN [CALLS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = [sys.executable, os.path.join(HERE, "bench_server.py")]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def rss_kib(pid: int) -> tuple[int, int]:
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def run(command: list[str], calls: int, warmup: int = 100) -> tuple[list[float], tuple[int, int]]:
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert process.stdin and process.stdout
    reader = process.stdout

    def call(message: dict) -> dict:
        process.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        while True:
            line = reader.readline()
            if not line:
                raise RuntimeError("the server closed stdout")
            answer = json.loads(line)
            if answer.get("id") == message.get("id"):
                return answer

    call({"jsonrpc": "2.0", "id": 0, "method": "initialize",
          "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    process.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    call({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    samples = []
    for index in range(warmup + calls):
        message = {"jsonrpc": "2.0", "id": 10 + index, "method": "tools/call",
                   "params": {"name": "echo", "arguments": {"text": f"call {index}"}}}
        started = time.perf_counter()
        answer = call(message)
        elapsed = time.perf_counter() - started
        if "error" in answer or answer["result"].get("isError"):
            raise RuntimeError(f"call failed: {answer}")
        if index >= warmup:
            samples.append(elapsed * 1000)
    memory = rss_kib(process.pid)
    process.stdin.close()
    process.wait(timeout=30)
    return samples, memory


def main() -> None:
    bin_path, gatekeeper, token = sys.argv[1:4]
    calls = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    direct, _ = run(SERVER, calls)
    proxy = [bin_path, "mcp-proxy", "--name", "bench", "--gatekeeper", gatekeeper, "--token", token, "--", *SERVER]
    proxied, (rss, peak) = run(proxy, calls)
    p50d, p99d = percentile(direct, 50), percentile(direct, 99)
    p50p, p99p = percentile(proxied, 50), percentile(proxied, 99)
    print(f"calls: {calls} sequential allowed tools/call (after 100 warm-up calls)")
    print(f"direct:  p50 {p50d:.3f} ms  p99 {p99d:.3f} ms  mean {statistics.mean(direct):.3f} ms")
    print(f"proxied: p50 {p50p:.3f} ms  p99 {p99p:.3f} ms  mean {statistics.mean(proxied):.3f} ms")
    print(f"added:   p50 {p50p - p50d:.3f} ms  p99 {p99p - p99d:.3f} ms  (goal p99 <= 3 ms)")
    print(f"proxy RSS after the run: {rss / 1024:.1f} MB, peak {peak / 1024:.1f} MB  (goal <= 25 MB)")


if __name__ == "__main__":
    main()
