"""UI budgets, measured (never asserted): asset weight, first render of a 50-row queue,
submit → visible latency in an open browser, and responsiveness with 10,000 actions paged in.

Usage: FARAMESH_BIN=... python integration-tests/ui/bench.py [--submits N] [--bulk N]
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server as faramesh  # noqa: E402
from conftest import make_driver  # noqa: E402

SEEN = """
window.__seen = {};
new MutationObserver((records) => {
  const now = Date.now();
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeType === 1 && n.classList.contains('row') && !(n.dataset.id in window.__seen)) window.__seen[n.dataset.id] = now;
  }
}).observe(document.getElementById('queue'), {childList: true, subtree: true});
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def asset_sizes(base: str) -> dict[str, object]:
    names = ["/"] + [f"/ui/{n}" for n in sorted(os.listdir(Path(__file__).resolve().parents[2]
                                                          / "Sources/FarameshServer/WebUI/assets")) if n != "index.html"]
    raw_total = gz_total = 0
    for path in names:
        with urllib.request.urlopen(base + path) as r:
            raw = len(r.read())
        request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as r:
            body = r.read()
            assert r.headers.get("Content-Encoding") == "gzip"
            assert len(gzip.decompress(body)) == raw
        raw_total += raw
        gz_total += len(body)
    return {"files": len(names), "raw_bytes": raw_total, "gzip_bytes": gz_total}


def signed_in(driver, server: faramesh.Server, token: str) -> None:
    driver.get(server.base + "/")
    driver.execute_script("sessionStorage.setItem('faramesh.token', arguments[0])", token)


def wait(predicate, timeout: float = 60.0, driver=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            state = driver.execute_script(
                "return [document.getElementById('conn').dataset.state, document.getElementById('queue').dataset.loaded,"
                " document.getElementById('list-status').textContent, document.title]") if driver else None
            raise TimeoutError(f"condition not met (page state: {state})")
        time.sleep(0.02)


def loaded(driver) -> bool:
    return driver.execute_script("return document.getElementById('queue').dataset.loaded === 'true'"
                                 " && document.getElementById('conn').dataset.state === 'live'")


def first_render(driver, server: faramesh.Server, runs: int) -> list[float]:
    for i in range(50):
        server.submit("bench-agent", "shell", "run", {"cmd": f"echo first-render {i}", "n": i})
    times = []
    for _ in range(runs):
        driver.refresh()
        wait(lambda: loaded(driver), driver=driver)
        times.append(driver.execute_script(
            "return performance.getEntriesByName('faramesh:first-render')[0].startTime"))
        assert driver.execute_script("return document.querySelectorAll('#pending-rows tr.row').length") >= 50
    return times


def latency(driver, server: faramesh.Server, submits: int) -> list[float]:
    driver.execute_script(SEEN)
    sent: dict[str, float] = {}
    for i in range(submits):
        start = time.time() * 1000
        action = server.submit("bench-agent", "http", "get", {"url": f"https://example.com/{i}"})
        sent[action["id"]] = start
        time.sleep(0.02)
    wait(lambda: driver.execute_script("return Object.keys(window.__seen).length") >= submits, 30)
    seen = driver.execute_script("return window.__seen")
    return [seen[i] - t for i, t in sent.items()]


def bulk(server: faramesh.Server, count: int) -> tuple[float, str]:
    """Seeds `count` allowed actions; returns the seconds taken and the id of the oldest."""
    started = time.monotonic()
    oldest = server.submit("bench-agent", "http", "get", {"url": "https://example.com/bulk/oldest"})["id"]

    def one(i: int) -> None:
        server.submit("bench-agent", "http", "get", {"url": f"https://example.com/bulk/{i}", "i": i})

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(count - 1)))
    return time.monotonic() - started, oldest


def ten_thousand(driver, server: faramesh.Server, count: int) -> dict[str, object]:
    seeded, oldest = bulk(server, count)
    driver.refresh()
    wait(lambda: loaded(driver), driver=driver)
    driver.execute_script("""
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
        .observe({type: 'longtask', buffered: false});""")
    started = time.monotonic()
    pages = 0
    while int(driver.execute_script("return document.getElementById('queue').dataset.count || '0'")) < count:
        driver.execute_script("""
          const b = document.getElementById('load-more');
          if (!b.hidden && !b.disabled) b.click();""")
        pages += 1
        time.sleep(0.01)
        if time.monotonic() - started > 600:
            raise TimeoutError("paging did not finish")
    load_s = time.monotonic() - started
    long_paging = driver.execute_script("return window.__long.splice(0)")
    listed = int(driver.execute_script("return document.getElementById('queue').dataset.count"))
    rows = driver.execute_script("return document.querySelectorAll('#queue tr.row').length")
    # j key → next animation frame, 100 times, with every row in the DOM.
    driver.set_script_timeout(300)
    keys = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const out = [];
      let i = 0;
      const step = () => {
        const t = performance.now();
        document.dispatchEvent(new KeyboardEvent('keydown', {key: 'j', bubbles: true}));
        requestAnimationFrame(() => { out.push(performance.now() - t); if (++i < 100) setTimeout(step, 0); else done(out); });
      };
      step();""")
    driver.execute_script(SEEN)
    start = time.time() * 1000
    action = server.submit("bench-agent", "shell", "run", {"cmd": "echo after ten thousand"})
    wait(lambda: driver.execute_script("return arguments[0] in window.__seen", action["id"]), 10)
    live_ms = driver.execute_script("return window.__seen[arguments[0]]", action["id"]) - start
    # Server-side search for the oldest action's id (beyond every loaded page but the last):
    # input event → its row drawn, minus the 250 ms debounce.
    search = driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      const id = arguments[0];
      const input = document.querySelector('#filters input[name=q]');
      const t = performance.now();
      input.value = id.slice(0, 18); input.dispatchEvent(new Event('input', {bubbles: true}));
      const look = () => {
        if (document.getElementById('queue').dataset.count === '1' && document.querySelector(`tr.row[data-id="${id}"]`))
          done(performance.now() - t - 250);
        else requestAnimationFrame(look);
      };
      requestAnimationFrame(look);""", oldest)
    long_tasks = driver.execute_script("return window.__long")
    return {
        "actions": count, "seed_seconds": round(seeded, 1), "listed": listed, "rows_in_dom": rows,
        "paging_seconds": round(load_s, 1), "pages": pages,
        "longest_task_ms_while_paging": round(max(long_paging or [0]), 1),
        "long_tasks_over_50ms_while_paging": len([t for t in long_paging if t > 50]),
        "longest_task_ms_keys_insert_search": round(max(long_tasks or [0]), 1),
        "key_to_frame_ms_p50": round(pct(keys, 50), 1), "key_to_frame_ms_p99": round(pct(keys, 99), 1),
        "live_insert_with_10k_rows_ms": round(live_ms, 1),
        "server_search_ms_after_debounce": round(search, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submits", type=int, default=250)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--renders", type=int, default=15)
    args = parser.parse_args()
    server = faramesh.start(os.environ["FARAMESH_BIN"])
    driver = make_driver()
    try:
        report: dict[str, object] = {"binary": os.environ["FARAMESH_BIN"], "assets": asset_sizes(server.base)}
        signed_in(driver, server, server.tokens["ui-approver"])
        renders = first_render(driver, server, args.renders)
        report["first_render_50_rows_ms"] = {"runs": len(renders), "p50": round(statistics.median(renders), 1),
                                             "max": round(max(renders), 1)}
        lat = latency(driver, server, args.submits)
        report["submit_to_visible_ms"] = {"submits": len(lat), "p50": round(pct(lat, 50), 1),
                                          "p99": round(pct(lat, 99), 1), "max": round(max(lat), 1)}
        print(json.dumps(report, indent=2), file=sys.stderr, flush=True)
        report["ten_thousand"] = ten_thousand(driver, server, args.bulk)
        print(json.dumps(report, indent=2))
    finally:
        driver.quit()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
