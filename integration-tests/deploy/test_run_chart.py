"""Run what the chart runs: the rendered Deployment and migration Job, started as local processes.

Two replicas with the Deployment's exact command, args and env (secretKeyRefs resolved from the rendered
Secret) over one PostgreSQL database; the probes must answer on the rendered port and paths, and an action
submitted to one replica must show up on the other's event stream. So chart and binary cannot disagree
on a flag, an env name, a port or a path.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import requests

from support import chart, pods
from support.chart import find
from support.stack import EventStream, Stack, post, submit


def test_the_migration_job_command_is_what_the_chart_renders(stack: Stack) -> None:
    assert stack.migrate.command[1:] == ["migrate"]
    assert stack.migrate.env["FARAMESH_DB_BACKEND"] == "postgres"
    # Running it again is harmless (an upgrade runs it on a migrated database).
    again = pods.run_to_completion(stack.migrate)
    assert again.returncode == 0, again.stderr
    assert "migrations applied (postgres)" in again.stdout


def test_replicas_start_from_the_rendered_command(stack: Stack) -> None:
    assert stack.server.command[1:3] == ["serve", "--no-migrate"]
    assert stack.server.env["FARAMESH_PORT"] == str(stack.server.ports["http"]) == "18510"
    assert stack.replicas[0].port == stack.server.ports["http"]


def test_probes_answer_on_the_rendered_ports_and_paths(stack: Stack) -> None:
    for replica in stack.replicas:
        startup = pods.wait_for(replica, pods.probe_url(replica, stack.server, "startupProbe"))
        assert startup.json() == {"status": "healthy"}
        ready = pods.wait_for(replica, pods.probe_url(replica, stack.server, "readinessProbe"))
        assert ready.json()["status"] == "ready", ready.text
        live = requests.get(pods.probe_url(replica, stack.server, "livenessProbe"), timeout=5)
        assert live.status_code == 200


def test_an_action_submitted_to_one_replica_reaches_the_other_replicas_stream(stack: Stack) -> None:
    for replica in stack.replicas:
        pods.wait_for(replica, f"{replica.url}/ready")
    agent = stack.token("deploy-agent", "agent")
    first, second = stack.replicas
    stream = EventStream(second.url, stack.admin_token)
    try:
        action = submit(first.url, agent, "deploy-agent", "http", "get", {"url": "https://example.com/chart"})
        frame = stream.wait_for_action(action["id"])
        assert frame["type"].startswith("action.")
        # ...and the other way round.
        back = EventStream(first.url, stack.admin_token)
        try:
            other = submit(second.url, agent, "deploy-agent", "http", "get", {"url": "https://example.com/back"})
            back.wait_for_action(other["id"])
        finally:
            back.close()
    finally:
        stream.close()


def test_every_replica_signs_with_the_one_ledger_key_from_the_secret(stack: Stack) -> None:
    keys = []
    for replica in stack.replicas:
        pods.wait_for(replica, f"{replica.url}/ready")
        response = requests.get(f"{replica.url}/v1/ledger/public-key", headers={"Authorization": f"Bearer {stack.admin_token}"},
                                timeout=5)
        assert response.status_code == 200, response.text
        keys.append(response.json())
    assert keys[0] == keys[1]
    # Nothing was written under /data: the key came from FARAMESH_LEDGER_KEY, not a generated file.
    for path in stack.root.glob("pod-*/data"):
        assert list(path.iterdir()) == []


def test_the_helm_test_pod_script_passes_against_a_replica(stack: Stack) -> None:
    pod = next(m for m in stack.manifests if m["kind"] == "Pod")
    script = pod["spec"]["containers"][0]["args"][0]
    service_port = next(m for m in stack.manifests if m["kind"] == "Service")["spec"]["ports"][0]["port"]
    host = next(m for m in stack.manifests if m["kind"] == "Service")["metadata"]["name"]
    local = script.replace(f"/dev/tcp/{host}/{service_port}", f"/dev/tcp/127.0.0.1/{stack.replicas[0].port}")
    assert local != script
    pods.wait_for(stack.replicas[0], f"{stack.replicas[0].url}/ready")
    result = subprocess.run(["bash", "-c", local], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 200 " in result.stdout


def test_tokens_and_roles_work_through_the_rendered_settings(stack: Stack) -> None:
    first = stack.replicas[0]
    pods.wait_for(first, f"{first.url}/ready")
    assert requests.get(f"{first.url}/v1/actions", timeout=5).status_code == 401
    metrics = requests.get(f"{first.url}/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}, timeout=5)
    assert metrics.status_code == 200 and "faramesh_" in metrics.text
    response = post(first.url, "/v1/actions", stack.admin_token, {"agent_id": "x", "tool": "http", "operation": "get",
                                                                   "params": {}, "unknown": 1})
    assert response.status_code in (400, 422), response.text
    key = str(uuid.uuid4())
    agent = stack.token("deploy-idem", "agent")
    once = submit(first.url, agent, "deploy-idem", "http", "get", {"url": "https://example.com/i"}, key=key)
    twice = submit(stack.replicas[1].url, agent, "deploy-idem", "http", "get", {"url": "https://example.com/i"}, key=key)
    assert once["id"] == twice["id"], "an idempotent retry on another replica returns the same action"


def test_sigterm_shuts_down_within_the_rendered_grace_period(stack: Stack) -> None:
    """Stops the second replica as the kubelet would (preStop, then SIGTERM), then starts it again."""
    pod = pods.deployment_pod(stack.manifests)
    grace = int(pod["terminationGracePeriodSeconds"])  # type: ignore[arg-type]
    pre_stop = pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"]  # type: ignore[index]
    second = stack.replicas[1]
    pods.wait_for(second, f"{second.url}/ready")
    stream = EventStream(second.url, stack.admin_token)
    started = time.monotonic()
    subprocess.run(pre_stop, check=True, timeout=grace)
    code = second.stop(timeout=grace - (time.monotonic() - started))
    assert code == 0, second.log_text()[-3000:]
    assert time.monotonic() - started < grace
    stream.close()
    first = stack.replicas[0]
    assert requests.get(f"{first.url}/ready", timeout=5).status_code == 200
    stack.replicas[1] = pods.start_replica(stack.server, second.name + "-restarted", second.port, second.log.parent)
    pods.wait_for(stack.replicas[1], f"{second.url}/ready")


def test_every_policy_the_value_matrix_renders_is_valid(binary: Path, tmp_path: Path) -> None:
    for values_file in chart.CI_VALUES:
        for config_map in find(chart.render(chart.load_values(values_file)), "ConfigMap"):
            if "policy.yaml" not in config_map["data"]:
                continue
            policy = tmp_path / f"{values_file.stem}.yaml"
            policy.write_text(config_map["data"]["policy.yaml"], encoding="utf-8")
            result = subprocess.run([str(binary), "policy", "validate", str(policy)], capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, f"{values_file.name}: {result.stdout}{result.stderr}"
