"""Submits at a fixed rate (scripts/bench-cluster.sh).

  python3 paced_submits.py --port P --token T --rate 100 --seconds 20 --out FILE

Keep-alive connections from a few threads; each submission is scheduled on a fixed timetable
(no coordinated omission: a late reply does not delay the next send). Writes
`action_id response_epoch` per acknowledged submit to FILE and prints a JSON summary.
"""
import argparse
import http.client
import json
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--rate", type=float, default=100)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    total = int(args.rate * args.seconds)
    start = time.monotonic() + 0.2
    lock = threading.Lock()
    acked = []
    errors = [0]
    late = [0]
    body_template = '{"agent_id":"bench","tool":"http","operation":"get","params":{"n":%d},"context":{}}'

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
        for i in range(k, total, args.threads):
            due = start + i / args.rate
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.05:
                with lock:
                    late[0] += 1
            try:
                conn.request("POST", "/v1/actions", body=body_template % i, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                now = time.time()
                if resp.status == 200:
                    with lock:
                        acked.append((json.loads(data)["id"], now))
                else:
                    with lock:
                        errors[0] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    errors[0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - start
    with open(args.out, "w") as f:
        f.writelines(f"{a} {t:.6f}\n" for a, t in acked)
    print(json.dumps({"sent": total, "acked": len(acked), "errors": errors[0], "late_sends": late[0],
                      "seconds": round(took, 2), "rate": round(len(acked) / took, 1)}), flush=True)


if __name__ == "__main__":
    main()
