"""Added latency of `faramesh mcp-proxy` per allowed tools/call, and its RSS.

Runs N sequential `tools/call echo` (allowed by integration-tests/mcp/policy.yaml) over stdio, directly
against integration-tests/mcp/bench_server.py and through the proxy, with raw JSON-RPC (no SDK on the client
side, so the client adds the same small cost to both). Prints p50/p99 of both and the added time.
Usage: python bench.py BIN GATEKEEPER_URL AGENT_TOKEN [CALLS [STORE_DIR]]
(STORE_DIR: where the gatekeeper's SQLite file is; its fsync latency is printed.)
"""

from __future__ import annotations

import http.client
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


def rss_kib(pid: int) -> dict[str, int]:
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def memory_map(pid: int, top: int = 8) -> tuple[int, list[tuple[int, str]]]:
    """Thread count and the mappings with the most resident memory (KiB, grouped by file)."""
    threads = len(os.listdir(f"/proc/{pid}/task"))
    sizes: dict[str, int] = {}
    name = "?"
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
                name = fields[5] if len(fields) > 5 else "[anonymous]"
            elif fields[0] == "Rss:":
                sizes[name] = sizes.get(name, 0) + int(fields[1])
    largest = sorted(((kib, path) for path, kib in sizes.items()), reverse=True)[:top]
    return threads, largest


def fsync_floor(directory: str, samples: int = 200) -> tuple[float, float]:
    """p50/p99 of one 4 KiB write + fdatasync in `directory` (what a durable commit waits for)."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    timings = []
    try:
        for _ in range(samples):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fdatasync(fd)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return percentile(timings, 50), percentile(timings, 99)


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def gatekeeper_floor(gatekeeper: str, token: str, calls: int, combined: bool = False) -> list[float]:
    """What an allowed call costs at the gatekeeper alone: submit + start (timed) over one
    keep-alive connection, then result (not timed: the proxy reports it after answering).
    `combined`: one submit with `Faramesh-Start: if-allowed` (what the proxy sends) instead."""
    host, port = gatekeeper.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(path: str, body: dict, extra: dict | None = None) -> dict:
        connection.request("POST", path, body=json.dumps(body), headers={**headers, **(extra or {})})
        response = connection.getresponse()
        data = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {data}")
        data["_started"] = response.getheader("Faramesh-Started") == "true"
        return data

    samples = []
    for index in range(100 + calls):
        started = time.perf_counter()
        action = post("/v1/actions", {"agent_id": "bench", "tool": "bench", "operation": "echo",
                                      "params": {"text": f"floor {index} {combined}"}, "context": {"mcp.readOnlyHint": True}},
                      {"Faramesh-Start": "if-allowed"} if combined else None)
        if not action["_started"]:
            post(f"/v1/actions/{action['id']}/start", {})
        elapsed = time.perf_counter() - started
        post(f"/v1/actions/{action['id']}/result", {"success": True})
        if index >= 100:
            samples.append(elapsed * 1000)
    connection.close()
    return samples


def run(command: list[str], calls: int, warmup: int = 100) -> tuple[list[float], dict]:
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
    cpu_start = 0.0
    for index in range(warmup + calls):
        if index == warmup:
            cpu_start = cpu_ms(process.pid)
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
    threads, largest = memory_map(process.pid)
    memory["threads"] = threads
    memory["largest"] = largest  # type: ignore[assignment]
    memory["cpu_us_per_call"] = int((cpu_ms(process.pid) - cpu_start) * 1000 / calls)
    if os.environ.get("BENCH_RESIDENT") and command[0] != sys.executable:
        # Where the resident pages are, per mapping, ELF section and Swift module (resident.py).
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "resident.py"), str(process.pid)],
                       stdout=sys.stderr, check=False)
    process.stdin.close()
    process.wait(timeout=30)
    return samples, memory


def main() -> None:
    bin_path, gatekeeper, token = sys.argv[1:4]
    calls = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    database_dir = sys.argv[5] if len(sys.argv) > 5 else None
    direct, _ = run(SERVER, calls)
    proxy = [bin_path, "mcp-proxy", "--name", "bench", "--gatekeeper", gatekeeper, "--token", token, "--", *SERVER]
    proxied, memory = run(proxy, calls)
    floor = gatekeeper_floor(gatekeeper, token, calls)
    combined = gatekeeper_floor(gatekeeper, token, calls, combined=True)
    p50d, p99d = percentile(direct, 50), percentile(direct, 99)
    p50p, p99p = percentile(proxied, 50), percentile(proxied, 99)
    print(f"calls: {calls} sequential allowed tools/call (after 100 warm-up calls)")
    print(f"direct:  p50 {p50d:.3f} ms  p99 {p99d:.3f} ms  mean {statistics.mean(direct):.3f} ms")
    print(f"proxied: p50 {p50p:.3f} ms  p99 {p99p:.3f} ms  mean {statistics.mean(proxied):.3f} ms")
    print(f"added:   p50 {p50p - p50d:.3f} ms  p99 {p99p - p99d:.3f} ms  (goal p99 <= 3 ms)")
    print("proxied tail: " + "  ".join(f"p{p:g} {percentile(proxied, p):.3f} ms" for p in (90, 95, 98, 99.5))
          + f"  max {max(proxied):.3f} ms")
    p50f, p99f = percentile(floor, 50), percentile(floor, 99)
    p50c, p99c = percentile(combined, 50), percentile(combined, 99)
    print(f"gatekeeper alone, submit + start (2 requests): p50 {p50f:.3f} ms  p99 {p99f:.3f} ms")
    print(f"gatekeeper alone, submit with Faramesh-Start (1 request, what the proxy sends): p50 {p50c:.3f} ms  p99 {p99c:.3f} ms")
    print(f"proxy's own share (added - 1-request gatekeeper): p50 {p50p - p50d - p50c:.3f} ms  p99 {p99p - p99d - p99c:.3f} ms")
    print(f"proxy CPU time per call (user + system): {memory.pop('cpu_us_per_call') / 1000:.2f} ms")
    if database_dir:
        p50s, p99s = fsync_floor(database_dir)
        print(f"store's disk ({database_dir}): one 4 KiB write + fdatasync p50 {p50s:.3f} ms  p99 {p99s:.3f} ms "
              "(SQLite synchronous=FULL syncs once per commit; an allowed call commits submit and start)")
    threads, largest = memory.pop("threads"), memory.pop("largest")
    print(f"proxy threads: {threads}; largest resident mappings: "
          + ", ".join(f"{os.path.basename(path) or path} {kib / 1024:.1f} MB" for kib, path in largest))
    mb = {name: value / 1024 for name, value in memory.items()}
    print(f"proxy RSS after the run: {mb['VmRSS']:.1f} MB (peak {mb['VmHWM']:.1f} MB; anonymous {mb['RssAnon']:.1f} MB, "
          f"file-backed {mb['RssFile']:.1f} MB)  (goal <= 25 MB)")


if __name__ == "__main__":
    main()
