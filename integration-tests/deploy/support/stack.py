"""Two replicas started exactly as the chart renders them, over one throwaway PostgreSQL database."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import queue
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import requests
import yaml

from support import chart, pods

LOCAL_VALUES = Path(__file__).resolve().parents[1] / "values-local.yaml"
SECOND_PORT = 18511


@dataclasses.dataclass
class Stack:
    manifests: List[chart.Manifest]
    server: pods.ContainerSpec
    migrate: pods.ContainerSpec
    replicas: List[pods.Replica]
    admin_token: str
    metrics_token: str
    root: Path

    def token(self, name: str, role: str) -> str:
        """`faramesh token create`, run with the migration Job's database settings."""
        spec = dataclasses.replace(self.migrate, command=[self.migrate.command[0], "token", "create", "--name", name,
                                                          "--role", role, "--json"])
        result = pods.run_to_completion(spec)
        assert result.returncode == 0, result.stderr
        return str(json.loads(result.stdout)["token"])


def values(dsn: str) -> Dict[str, Any]:
    data = yaml.safe_load(LOCAL_VALUES.read_text(encoding="utf-8"))
    data.setdefault("secrets", {})["postgresDSN"] = dsn
    return data


@contextlib.contextmanager
def start(binary: Path, dsn: str, root: Path) -> Iterator[Stack]:
    manifests = chart.render(values(dsn))
    deployment_pod = pods.deployment_pod(manifests)
    container = next(c for c in deployment_pod["containers"] if c["name"] == "faramesh")  # type: ignore[index, union-attr]
    job_pod = pods.migration_job_pod(manifests)
    migrate = pods.container_spec(manifests, job_pod, job_pod["containers"][0], binary, root / "job")  # type: ignore[index]
    result = pods.run_to_completion(migrate)
    assert result.returncode == 0, f"migration Job failed: {result.stdout}{result.stderr}"
    secret_name = chart.RELEASE
    tokens = pods.secret_value(manifests, secret_name, "bootstrap-tokens").split(",")
    metrics_token = pods.secret_value(manifests, secret_name, "metrics-token")
    specs = [pods.container_spec(manifests, deployment_pod, container, binary, root / f"pod-{i}") for i in range(2)]
    rendered_port = specs[0].ports["http"]
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    replicas: List[pods.Replica] = []
    try:
        for index, (spec, port) in enumerate(zip(specs, [rendered_port, SECOND_PORT])):
            replicas.append(pods.start_replica(spec, f"replica-{index}", port, logs))
        for replica in replicas:
            pods.wait_for(replica, pods.probe_url(replica, specs[0], "readinessProbe"), timeout=120)
        yield Stack(manifests, specs[0], migrate, replicas, tokens[0], metrics_token, root)
    finally:
        for replica in replicas:
            replica.stop(timeout=30)


class EventStream:
    """A GET /v1/events stream read on a thread; frames arrive on `frames`."""

    def __init__(self, url: str, token: str) -> None:
        self.frames: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.response = requests.get(f"{url}/v1/events", headers={"Authorization": f"Bearer {token}",
                                                                  "Accept": "text/event-stream"},
                                     stream=True, timeout=(5, 60))
        assert self.response.status_code == 200, self.response.text[:500]
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    self.frames.put(json.loads(line[5:].strip()))
        except (requests.RequestException, ValueError, AttributeError):
            return

    def wait_for_action(self, action_id: str, timeout: float = 15.0) -> Dict[str, Any]:
        import time
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                frame = self.frames.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            if json.dumps(frame).find(action_id) >= 0:
                return frame
        raise AssertionError(f"action {action_id} did not arrive on the event stream within {timeout}s")

    def close(self) -> None:
        self.response.close()


def submit(url: str, token: str, agent_id: str, tool: str, operation: str, params: Dict[str, Any],
           key: Optional[str] = None) -> Dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    response = requests.post(f"{url}/v1/actions", headers=headers, timeout=10,
                             data=json.dumps({"agent_id": agent_id, "tool": tool, "operation": operation, "params": params}))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def post(url: str, path: str, token: str, body: Dict[str, Any]) -> requests.Response:
    return requests.post(f"{url}{path}", headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                         data=json.dumps(body), timeout=10)
