"""Benchmark one Python client package installed as `faramesh` (ours or faramesh-sdk 0.3.3).

Run by scripts/bench-python-sdk.sh inside sdk/python/tests/with_server.py (which exports
FARAMESH_BASE_URL, FARAMESH_AGENT_TOKEN, FARAMESH_APPROVER_TOKEN). Prints one JSON object.

* ``functional``: governed call on the allow path, submit + start + result, N calls after a
  warm-up, through the functional API (the same three HTTP requests for both packages);
* ``govern``: ours through faramesh.governed.govern (the lifecycle integrations use);
* ``unblock``: approval unblock latency: a waiter blocks on the pending action; the approver approves over
  plain HTTP; latency = waiter returned - approve response received (and - approve request sent).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
import urllib.request
from typing import Any, Callable

import faramesh
from bench_sdk_stats import summary

BASE = os.environ["FARAMESH_BASE_URL"]
AGENT_TOKEN = os.environ["FARAMESH_AGENT_TOKEN"]
APPROVER_TOKEN = os.environ["FARAMESH_APPROVER_TOKEN"]
AGENT = os.environ.get("FARAMESH_BENCH_AGENT", "sdk-bench")
OURS = hasattr(faramesh, "report_result")


def report(action_id: str) -> Any:
    if OURS:
        return faramesh.report_result(action_id, True)
    from faramesh import client as legacy  # 0.3.3 has no report_result
    return legacy._make_request("POST", f"/v1/actions/{action_id}/result", json_data={"success": True})


def governed_call(i: int) -> None:
    action = faramesh.submit_action(AGENT, "http", "get", {"url": f"https://bench.example/{i}"})
    assert action["status"] == "allowed", action["status"]
    faramesh.start_action(action["id"])
    done = report(action["id"])
    assert done["status"] == "succeeded"


def measure(fn: Callable[[int], None], n: int, warmup: int) -> list[float]:
    for i in range(warmup):
        fn(-i - 1)
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def http(method: str, path: str, token: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def unblock_latency(n: int, waiter: Callable[[str], dict], approve: bool) -> dict[str, Any]:
    """waiter(action_id) blocks until the decision; returns latencies in ms."""
    after_response: list[float] = []
    after_request: list[float] = []
    rng = random.Random(7)
    for _ in range(n):
        action = faramesh.submit_action(AGENT, "shell", "run", {"cmd": "echo bench"})
        token = http("GET", f"/v1/actions/{action['id']}", APPROVER_TOKEN)["approval_token"]
        returned: dict[str, float] = {}

        def wait() -> None:
            final = waiter(action["id"])
            returned["t"] = time.perf_counter()
            returned["status"] = final["status"]  # type: ignore[assignment]

        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.05 + rng.random() * 0.1)  # the waiter is subscribed by now
        t_sent = time.perf_counter()
        http("POST", f"/v1/actions/{action['id']}/approval", APPROVER_TOKEN,
             {"token": token, "approve": approve, "reason": "bench"})
        t_done = time.perf_counter()
        thread.join(timeout=120)
        assert returned.get("status") == ("approved" if approve else "denied"), returned
        after_response.append((returned["t"] - t_done) * 1000)
        after_request.append((returned["t"] - t_sent) * 1000)
    return {"from_approve_response": summary(after_response), "from_approve_request": summary(after_request)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", choices=["functional", "govern", "unblock"])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--waits", type=int, default=100)
    opts = parser.parse_args()
    faramesh.configure(base_url=BASE, token=AGENT_TOKEN, timeout=10)
    result: dict[str, Any] = {"package": "faramesh (ours)" if OURS else "faramesh-sdk 0.3.3",
                              "version": getattr(faramesh, "__version__", "?")}
    if opts.part == "functional":
        result["samples_ms"] = measure(governed_call, opts.calls, opts.warmup)
    elif opts.part == "govern":
        from faramesh.governed import govern
        from faramesh.sdk.client import ExecutionGovernorClient

        client = ExecutionGovernorClient(BASE, token=AGENT_TOKEN)

        def via_govern(i: int) -> None:
            govern(client, agent_id=AGENT, tool="http", operation="get", params={"url": f"https://g.example/{i}"},
                   run=lambda: None)

        result["samples_ms"] = measure(via_govern, opts.calls, opts.warmup)
    elif OURS:
        from faramesh.sdk.client import ExecutionGovernorClient

        client = ExecutionGovernorClient(BASE, token=AGENT_TOKEN)
        result["approve_to_wait_for_decision"] = unblock_latency(
            opts.waits, lambda aid: client.wait_for_decision(aid, timeout=60), approve=True)
        result["deny_to_wait_for_completion"] = unblock_latency(
            opts.waits, lambda aid: faramesh.wait_for_completion(aid, timeout=60), approve=False)
    else:
        # 0.3.3 polls: wait_for_completion(poll_interval=1.0) is what its users get by default.
        result["deny_to_wait_for_completion"] = unblock_latency(
            opts.waits, lambda aid: faramesh.wait_for_completion(aid, timeout=60), approve=False)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
