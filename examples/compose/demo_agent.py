"""Demo agent of docker-compose.yaml: keeps submitting realistic tool calls through the Faramesh SDK.

Every call goes through ``faramesh.governed.govern``: allowed calls run (simulated here) and report
their result, denied calls are logged, and calls that need a human wait in the background until
someone approves or denies them in the web UI (or the approval expires).

Environment:
  FARAMESH_BASE_URL          gatekeeper URL (compose: http://nginx:8080)
  FARAMESH_TOKEN             agent token, or FARAMESH_TOKEN_FILE: a file holding it
  FARAMESH_AGENT_ID          agent id; must equal the token's name (default demo-agent), or
  FARAMESH_AGENT_ID_FILE     a file holding it (compose: the token name written by setup.sh)
  DEMO_INTERVAL_SECONDS      pause between calls (default 3)
  DEMO_MAX_ACTIONS           stop after this many calls (default 0: run forever)
  DEMO_APPROVAL_WAIT_SECONDS how long a call waits for a human (default 600)
  DEMO_MAX_WAITING           calls waiting for a human at once (default 3)
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from faramesh import errors
from faramesh.governed import govern
from faramesh.sdk.client import ExecutionGovernorClient


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One kind of tool call an agent makes, with what running it looks like."""

    tool: str
    operation: str
    params: Callable[[random.Random], Dict[str, Any]]
    note: str


SCENARIOS: List[Scenario] = [
    Scenario("http", "get", lambda r: {"url": f"https://api.github.com/repos/acme/shop/issues?page={r.randint(1, 5)}"},
             "read open issues"),
    Scenario("http", "get", lambda r: {"url": "https://status.stripe.com/api/v2/status.json"}, "check a status page"),
    Scenario("http", "get", lambda r: {"url": "https://en.wikipedia.org/wiki/Special:Random"}, "research"),
    Scenario("shell", "exec", lambda r: {"cmd": r.choice(["df -h /var", "ls -la /var/log/app", "tail -n 50 /var/log/app/error.log"])},
             "inspect a server"),
    Scenario("shell", "exec", lambda r: {"cmd": "rm -rf /var/cache/app/*"}, "clear a cache (high risk)"),
    Scenario("http", "get", lambda r: {"url": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"},
             "fetch cloud credentials (high risk)"),
    Scenario("stripe", "refund", lambda r: {"charge": f"ch_{r.randrange(16**12):012x}", "amount": r.choice([120, 480, 2500])},
             "refund a customer"),
    Scenario("http", "post", lambda r: {"url": "https://hooks.slack.com/services/T000/B000/XXXX", "body": {"text": "deploy done"}},
             "post to Slack"),
]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} demo-agent: {message}", flush=True)


def setting(name: str, default: Optional[str] = None) -> Optional[str]:
    """``NAME`` from the environment, else the contents of the file ``NAME_FILE`` names (waiting for it)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = os.environ.get(f"{name}_FILE", "").strip()
    if not path:
        return default
    for _ in range(120):
        file = Path(path)
        if file.is_file() and file.read_text(encoding="utf-8").strip():
            return file.read_text(encoding="utf-8").strip()
        time.sleep(1)
    raise SystemExit(f"demo-agent: nothing in {path} ({name}_FILE)")


def simulate(scenario: Scenario, rng: random.Random) -> str:
    """Stands in for the real tool: takes a moment, and now and then fails like real tools do."""
    time.sleep(rng.uniform(0.1, 1.0))
    if rng.random() < 0.1:
        raise RuntimeError(f"{scenario.tool} {scenario.operation}: connection reset by peer")
    return f"{scenario.note}: ok"


class DemoAgent:
    def __init__(self, client: ExecutionGovernorClient, agent_id: str, *, approval_wait: float, max_waiting: int,
                 seed: Optional[int] = None) -> None:
        self.client = client
        self.agent_id = agent_id
        self.approval_wait = approval_wait
        self.rng = random.Random(seed)
        self.pool = ThreadPoolExecutor(max_workers=max_waiting, thread_name_prefix="governed")
        self.slots = threading.BoundedSemaphore(max_waiting)
        self.counts: Dict[str, int] = {"ran": 0, "failed": 0, "denied": 0, "unanswered": 0, "unreachable": 0,
                                       "gatekeeper_errors": 0, "errors": 0}
        self.lock = threading.Lock()

    def count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def call(self, scenario: Scenario) -> None:
        """One governed call, start to end (runs on a pool thread; never raises)."""
        params = scenario.params(self.rng)
        label = f"{scenario.tool}.{scenario.operation} ({scenario.note})"
        try:
            result = govern(self.client, agent_id=self.agent_id, tool=scenario.tool, operation=scenario.operation,
                            params=params, context={"demo_agent": True, "task": scenario.note},
                            run=lambda: simulate(scenario, self.rng), wait_timeout=self.approval_wait)
            self.count("ran")
            log(f"ran {label}: {result}")
        except errors.ActionDenied as exc:
            self.count("denied")
            log(f"denied {label}: {exc}")
        except errors.GatekeeperUnreachable as exc:
            self.count("unreachable")
            log(f"gatekeeper unreachable for {label}: {exc}")
        except (errors.FarameshTimeoutError, errors.ApprovalExpired) as exc:
            self.count("unanswered")
            log(f"no decision for {label}: {exc}")
        except RuntimeError as exc:
            self.count("failed")
            log(f"failed {label}: {exc} (reported to Faramesh)")
        except (errors.AuthError, errors.Forbidden) as exc:
            self.count("errors")
            log(f"the gatekeeper refused the token or agent id {self.agent_id!r}: {exc}")
        except errors.FarameshError as exc:
            self.count("gatekeeper_errors")
            log(f"gatekeeper error for {label}: {type(exc).__name__}: {exc}")
        finally:
            self.slots.release()

    def run(self, max_actions: int, interval: float) -> Dict[str, int]:
        """Submits a call every ``interval`` seconds; waiting calls run on the pool."""
        futures: List[Future[None]] = []
        submitted = 0
        while max_actions <= 0 or submitted < max_actions:
            self.slots.acquire()
            futures.append(self.pool.submit(self.call, self.rng.choice(SCENARIOS)))
            submitted += 1
            futures = [f for f in futures if not f.done()]
            time.sleep(interval)
        for future in futures:
            future.result()
        self.pool.shutdown(wait=True)
        return dict(self.counts)


def wait_until_reachable(client: ExecutionGovernorClient, deadline_seconds: float = 300.0) -> None:
    """The stack may still be starting: retry a harmless read until the gatekeeper answers."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            client.list_actions(limit=1)
            return
        except errors.GatekeeperUnreachable as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"demo-agent: gatekeeper unreachable: {exc}")
            log(f"waiting for the gatekeeper ({type(exc).__name__})")
            time.sleep(2)


def main() -> int:
    agent_id = setting("FARAMESH_AGENT_ID", "demo-agent") or "demo-agent"
    client = ExecutionGovernorClient(token=setting("FARAMESH_TOKEN"), timeout=10.0, retries=3)
    wait_until_reachable(client)
    agent = DemoAgent(client, agent_id,
                      approval_wait=float(os.environ.get("DEMO_APPROVAL_WAIT_SECONDS", "600")),
                      max_waiting=int(os.environ.get("DEMO_MAX_WAITING", "3")),
                      seed=int(os.environ["DEMO_SEED"]) if os.environ.get("DEMO_SEED") else None)
    log(f"submitting tool calls to {client.base_url} as {agent_id}")
    counts = agent.run(int(os.environ.get("DEMO_MAX_ACTIONS", "0")), float(os.environ.get("DEMO_INTERVAL_SECONDS", "3")))
    log(f"done: {counts}")
    return 1 if counts["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
