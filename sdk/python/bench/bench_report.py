"""Print the figures of scripts/bench-python-sdk.sh from the JSON files in OUT_DIR."""

from __future__ import annotations

import glob
import json
import sys
from typing import Any

from bench_sdk_stats import summary


def samples(out: str, prefix: str) -> dict[str, float]:
    data: list[float] = []
    for path in sorted(glob.glob(f"{out}/{prefix}-*.json")):
        with open(path) as fh:
            data += json.load(fh)["samples_ms"]
    return summary(data)


def row(label: str, s: dict[str, Any]) -> None:
    print(f"  {label:<60} n={s['n']:<5} p50 {s['p50_ms']:8.2f} ms   p99 {s['p99_ms']:8.2f} ms"
          f"   mean {s['mean_ms']:8.2f} ms")


def main(out: str) -> None:
    with open(f"{out}/ours-unblock.json") as fh:
        ours = json.load(fh)
    with open(f"{out}/ref-unblock.json") as fh:
        ref = json.load(fh)
    print("governed call, allow path (submit + start + result), interleaved rounds on one server:")
    row("faramesh-sdk 0.3.3, functional API", samples(out, "ref-functional"))
    row("faramesh (ours), functional API", samples(out, "ours-functional"))
    row("faramesh (ours), faramesh.governed.govern", samples(out, "ours-govern"))
    print("approval unblock latency, the decision's HTTP response -> the wait returns:")
    row("faramesh (ours), approve -> wait_for_decision (SSE)", ours["approve_to_wait_for_decision"]["from_approve_response"])
    row("faramesh (ours), deny -> wait_for_completion (SSE)", ours["deny_to_wait_for_completion"]["from_approve_response"])
    row("faramesh-sdk 0.3.3, deny -> wait_for_completion (polls 1 s)", ref["deny_to_wait_for_completion"]["from_approve_response"])
    print("same, from the decision's HTTP request (adds the server's own approval time):")
    row("faramesh (ours), approve -> wait_for_decision (SSE)", ours["approve_to_wait_for_decision"]["from_approve_request"])
    row("faramesh (ours), deny -> wait_for_completion (SSE)", ours["deny_to_wait_for_completion"]["from_approve_request"])
    p99 = max(ours["approve_to_wait_for_decision"]["from_approve_response"]["p99_ms"],
              ours["deny_to_wait_for_completion"]["from_approve_response"]["p99_ms"])
    print(f"goal, decision -> wait returns p99 <= 100 ms: {'met' if p99 <= 100 else 'NOT met'} ({p99:.2f} ms)")


if __name__ == "__main__":
    main(sys.argv[1])
