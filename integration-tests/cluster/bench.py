"""Cluster figures (run by scripts/bench-cluster.sh, release build):

1. Cross-replica fan-out latency: 3 replicas x 100 SSE clients, 200 events/s committed through
   replica 0; latency from the event's timestamp (taken just before its transaction) and from the
   submit's HTTP reply to the SSE frame on replicas 1 and 2 (replica 0's own clients for contrast).
2. Submit throughput through nginx with 3 replicas vs 1 replica (wrk, same run, alternating).
3. 5,000 idle SSE clients on one replica: RSS, CPU, and the fan-out of one event to all of them.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

from cluster import ADMIN_TOKEN, REPO, Cluster, Nginx, request, submit

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))]


def ms(v):
    return f"{v * 1000:.1f} ms"


def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    return cpu, rss


def clients(ports, per_port, sample_every, samples, path="/v1/events"):
    proc = subprocess.Popen([PY, os.path.join(HERE, "sse_clients.py"), "--ports", ",".join(map(str, ports)),
                             "--per-port", str(per_port), "--token", ADMIN_TOKEN, "--sample-every", str(sample_every),
                             "--samples", samples, "--path", path], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        raise SystemExit(f"SSE clients failed to start: {line}")
    return proc


def finish(proc):
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    return json.loads(out.strip().splitlines()[-1])


def fanout(c, per_replica=100, events_per_second=200, seconds=20):
    work = c.workdir
    samples = os.path.join(work, "fanout-samples.txt")
    acked_file = os.path.join(work, "fanout-acked.txt")
    ports = [r.port for r in c.replicas]
    cpu0 = [proc_stat(r.proc.pid)[0] for r in c.replicas]
    sse = clients(ports, per_replica, 5, samples)
    began = time.monotonic()
    load = subprocess.run([PY, os.path.join(HERE, "paced_submits.py"), "--port", str(ports[0]), "--token", ADMIN_TOKEN,
                           "--rate", str(events_per_second / 2), "--seconds", str(seconds), "--out", acked_file],
                          capture_output=True, text=True, check=True)
    load_stats = json.loads(load.stdout.strip().splitlines()[-1])
    time.sleep(2)
    took = time.monotonic() - began
    cpu1 = [proc_stat(r.proc.pid)[0] for r in c.replicas]
    stats = finish(sse)
    replies = {}
    with open(acked_file) as f:
        for line in f:
            action, t = line.split()
            replies[action] = float(t)
    by_created = {p: [] for p in ports}
    by_reply = {p: [] for p in ports}
    with open(samples) as f:
        for line in f:
            port, action, created, received = line.split()
            port = int(port)
            by_created[port].append(float(received) - float(created))
            if action in replies:
                by_reply[port].append(float(received) - replies[action])
    other = by_created[ports[1]] + by_created[ports[2]]
    other_reply = by_reply[ports[1]] + by_reply[ports[2]]
    events = 2 * load_stats["acked"]
    print(f"== fan-out: 3 replicas x {per_replica} SSE clients, {events_per_second} events/s for {seconds}s "
          f"(submits through replica 0: {load_stats})")
    print(f"   every client got every event: frames per client min {stats['frames_min']} max {stats['frames_max']} "
          f"(expected {events}); disconnects {stats['disconnects']}")
    print(f"   other replicas, event timestamp -> SSE frame:  p50 {ms(pct(other, 50))}  p99 {ms(pct(other, 99))}  "
          f"max {ms(max(other))}  ({len(other)} samples)")
    print(f"   other replicas, HTTP 200 of submit -> frame:   p50 {ms(pct(other_reply, 50))}  p99 {ms(pct(other_reply, 99))}")
    same = by_created[ports[0]]
    print(f"   same replica,   event timestamp -> SSE frame:  p50 {ms(pct(same, 50))}  p99 {ms(pct(same, 99))}")
    print(f"   replica CPU during the run: " + ", ".join(f"{(b - a) / took * 100:.0f}%" for a, b in zip(cpu0, cpu1)))
    return {"p50": pct(other, 50), "p99": pct(other, 99), "complete": stats["frames_min"] == events}


def wrk(port, seconds):
    env = dict(os.environ, FARAMESH_LOAD_TOKEN=ADMIN_TOKEN)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s",
                          os.path.join(REPO, "scripts", "load", "submit.lua"), f"http://127.0.0.1:{port}"],
                         capture_output=True, text=True, env=env, check=True).stdout
    m = re.search(r"RESULT requests=(\d+) duration_s=([\d.]+) rps=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) errors=(\d+) non2xx=(\d+)", out)
    if not m:
        raise SystemExit("wrk printed no RESULT line:\n" + out)
    return {"rps": int(m.group(3)), "p50": float(m.group(4)), "p99": float(m.group(5)),
            "errors": int(m.group(6)) + int(m.group(7))}


def cpu_groups(c, nginx_procs):
    """CPU seconds so far of: each replica, all PostgreSQL processes, nginx."""
    replicas = [proc_stat(r.proc.pid)[0] for r in c.replicas]
    with open(os.path.join(c.pg.data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    pg = 0.0
    for pid in [postmaster] + [int(p) for p in subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                                               text=True).stdout.split()]:
        try:
            pg += proc_stat(pid)[0]
        except (OSError, StopIteration):
            pass
    ng = 0.0
    for proc in nginx_procs:
        for pid in [proc.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                                                 text=True).stdout.split()]:
            try:
                ng += proc_stat(pid)[0]
            except (OSError, StopIteration):
                pass
    return replicas, pg, ng


def throughput(c, seconds=15, rounds=2):
    single = Nginx(c, [c.replicas[0].port])
    results = {1: [], 3: []}
    try:
        for _ in range(rounds):
            for n, port in ((3, c.lb), (1, single.port)):
                before = cpu_groups(c, [c.nginx.proc, single.proc])
                run = wrk(port, seconds)
                after = cpu_groups(c, [c.nginx.proc, single.proc])
                requests = max(1, run["rps"] * seconds)
                run["cpu"] = "CPU ms/request: replicas " + "+".join(
                    f"{(b - a) * 1000 / requests:.2f}" for a, b in zip(before[0], after[0])) + \
                    f", postgres {(after[1] - before[1]) * 1000 / requests:.2f}, nginx {(after[2] - before[2]) * 1000 / requests:.2f}"
                results[n].append(run)
    finally:
        single.stop()
    print(f"== submit throughput through nginx (wrk -t2 -c32, {seconds}s x {rounds} rounds each, alternating)")
    for n in (1, 3):
        runs = results[n]
        for r in runs:
            print(f"   {n} replica(s): {r['rps']} req/s (p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                  f"errors {r['errors']}); {r['cpu']}")
    one = sum(r["rps"] for r in results[1]) / rounds
    three = sum(r["rps"] for r in results[3]) / rounds
    print(f"   ratio 3 replicas / 1 replica: {three / one:.2f}")
    return three / one


def idle(c, count=5000, window=30):
    replica = c.replicas[0]
    pid = replica.proc.pid
    cpu_a, rss_before = proc_stat(pid)
    samples = os.path.join(c.workdir, "idle-samples.txt")
    sse = clients([replica.port], count, 1, samples)
    time.sleep(3)
    cpu_b, rss_open = proc_stat(pid)
    time.sleep(window)
    cpu_c, rss_idle = proc_stat(pid)
    r = submit(replica.port)
    assert r.status == 200
    time.sleep(3)
    stats = finish(sse)
    lat = []
    with open(samples) as f:
        for line in f:
            _, _, created, received = line.split()
            lat.append(float(received) - float(created))
    print(f"== {count} idle SSE clients on one replica (heartbeat {c.heartbeat})")
    print(f"   RSS: {rss_before:.0f} MB before, {rss_open:.0f} MB with {stats['open']} streams open, "
          f"{rss_idle:.0f} MB after {window}s idle  (~{(rss_idle - rss_before) * 1024 / count:.1f} KB per stream)")
    print(f"   CPU while idle: {(cpu_c - cpu_b) / window * 100:.1f}% of one core over {window}s "
          f"(opening the streams took {cpu_b - cpu_a:.2f} CPU-s)")
    print(f"   one event to all: frames per client min {stats['frames_min']} max {stats['frames_max']}; "
          f"timestamp -> frame p50 {ms(pct(lat, 50))} p99 {ms(pct(lat, 99))} max {ms(max(lat))}; "
          f"disconnects {stats['disconnects']}")


def main():
    which = sys.argv[1:] or ["fanout", "throughput", "idle"]
    scale = float(os.environ.get("FARAMESH_BENCH_SCALE", "1"))
    env = {"FARAMESH_LOG_LEVEL": "warning"}
    if os.environ.get("FARAMESH_BENCH_POOL"):
        env["FARAMESH_DB_POOL_SIZE"] = os.environ["FARAMESH_BENCH_POOL"]
    print(f"load average before: {os.getloadavg()[0]:.2f}; replica pool size: {env.get('FARAMESH_DB_POOL_SIZE', 'default (4)')}")
    c = Cluster(replicas=3, heartbeat="15s", extra_env=env)
    try:
        if "fanout" in which:
            fanout(c, per_replica=max(2, int(100 * scale)), seconds=max(3, int(20 * scale)))
        if "throughput" in which:
            throughput(c, seconds=max(3, int(15 * scale)))
        if "idle" in which:
            idle(c, count=max(10, int(5000 * scale)), window=max(3, int(30 * scale)))
    finally:
        c.close()


if __name__ == "__main__":
    main()
