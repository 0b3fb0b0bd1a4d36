"""docker-compose.yaml: validated offline, its nginx config run for real in front of two replicas, its setup
script and demo agent run against them. (No Docker engine here: the images themselves are not built.)"""

from __future__ import annotations

import ast
import base64
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests
import yaml

from support import pods
from support.chart import REPO
from support.stack import EventStream, Stack, submit

COMPOSE = REPO / "docker-compose.yaml"
EXAMPLES = REPO / "examples" / "compose"
NGINX_PORT = 18520


def compose() -> Dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def docker_compose_config(path: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose (Debian package) is missing: scripts/test-deploy.sh installs it")
    return subprocess.run(["docker-compose", "-f", str(path), "--project-directory", str(REPO), "config"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "POSTGRES_PASSWORD": "x"})


def test_docker_compose_config_validates() -> None:
    result = docker_compose_config(COMPOSE)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert set(resolved["services"]) == {"postgres", "setup", "faramesh-1", "faramesh-2", "nginx", "demo-agent"}


def test_docker_compose_config_rejects_mistakes(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yaml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("restart: unless-stopped", "restrat: unless-stopped", 1),
                      encoding="utf-8")
    result = docker_compose_config(broken)
    assert result.returncode != 0 and "restrat" in result.stderr


def test_replicas_share_settings_key_and_image() -> None:
    services = compose()["services"]
    one, two = services["faramesh-1"], services["faramesh-2"]
    assert one["image"] == two["image"] == services["setup"]["image"]
    assert one["build"]["dockerfile"] == "Dockerfile"
    env_one, env_two = dict(one["environment"]), dict(two["environment"])
    env_one.pop("FARAMESH_DEMO")  # only one replica seeds demo data
    assert env_one == env_two
    assert env_one["FARAMESH_LEDGER_KEY_FILE"] == "/secrets/ledger-signing.key"
    assert env_one["FARAMESH_REQUIRE_TOKENS"] == "1"
    assert one["read_only"] is True and "/tmp" in one["tmpfs"]
    assert one["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    assert services["nginx"]["ports"] == ["127.0.0.1:${FARAMESH_PUBLISH_PORT:-8000}:8080"]
    assert "ports" not in services["postgres"]
    agent = services["demo-agent"]
    assert agent["environment"]["FARAMESH_BASE_URL"] == "http://nginx:8080"
    assert agent["user"] == "10001:10001" and agent["read_only"] is True


def test_env_example_documents_every_compose_variable() -> None:
    used = set(re.findall(r"\$\{(\w+)", COMPOSE.read_text(encoding="utf-8")))
    example = {line.split("=", 1)[0] for line in (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
               if line and not line.startswith("#")}
    assert used == example


@pytest.fixture(scope="module")
def nginx(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The compose nginx.conf, with the replicas' names replaced by their loopback ports, run by a real nginx."""
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(executable, os.X_OK):
        pytest.fail("nginx is missing: scripts/test-deploy.sh installs it")
    root = tmp_path_factory.mktemp("nginx")
    site = (EXAMPLES / "nginx.conf").read_text(encoding="utf-8")
    for index, replica in enumerate(stack.replicas, start=1):
        site = site.replace(f"server faramesh-{index}:8000", f"server 127.0.0.1:{replica.port}")
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{NGINX_PORT};")
    assert "faramesh-1" not in site and "faramesh-2" not in site
    (root / "default.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(f"    {kind}_temp_path {root}/{kind};" for kind in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    (root / "nginx.conf").write_text(f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
{temp}
    include {root}/default.conf;
}}
""", encoding="utf-8")
    check = subprocess.run([executable, "-t", "-c", str(root / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([executable, "-c", str(root / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{NGINX_PORT}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("nginx did not come up: " + (root / "error.log").read_text(encoding="utf-8"))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_nginx_streams_events_unbuffered_across_replicas(stack: Stack, nginx: str) -> None:
    for replica in stack.replicas:
        pods.wait_for(replica, f"{replica.url}/ready")
    agent = stack.token("compose-nginx-agent", "agent")
    stream = EventStream(nginx, stack.admin_token)
    try:
        # Round robin sends these to both replicas; each event must come through at once, not when a buffer fills.
        for index in range(4):
            action = submit(nginx, agent, "compose-nginx-agent", "http", "get", {"url": f"https://example.com/{index}"})
            stream.wait_for_action(action["id"], timeout=10)
    finally:
        stream.close()


def sdk_source() -> Path:
    configured = os.environ.get("FARAMESH_SDK_SRC")
    path = Path(configured) if configured else REPO / "sdk" / "python" / "src"
    if not (path / "faramesh" / "governed.py").exists():
        pytest.skip(f"the Python SDK (sdk/python, built on branch pysdk) is not at {path}")
    return path


def test_setup_script_and_demo_agent_against_the_replicas(stack: Stack, nginx: str, binary: Path, tmp_path: Path) -> None:
    sdk = sdk_source()
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "faramesh").symlink_to(binary)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    env = {"PATH": f"{tools}:{os.environ['PATH']}", "HOME": str(tmp_path), "FARAMESH_DB_BACKEND": "postgres",
           "FARAMESH_POSTGRES_DSN": stack.migrate.env["FARAMESH_POSTGRES_DSN"], "FARAMESH_SECRETS_DIR": str(secrets),
           "FARAMESH_DEMO_AGENT_ID": "demo-agent"}
    setup = subprocess.run(["bash", str(EXAMPLES / "setup.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    key = (secrets / "ledger-signing.key").read_text(encoding="utf-8").strip()
    assert len(base64.b64decode(key, validate=True)) == 32
    token = (secrets / "agent-token").read_text(encoding="utf-8")
    assert token and token not in setup.stdout + setup.stderr, "setup must not print secrets"
    # Idempotent; and a lost token file gets a fresh token under the same name.
    (secrets / "agent-token").unlink()
    (secrets / "agent-token.name").unlink()
    again = subprocess.run(["bash", str(EXAMPLES / "setup.sh")], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert (secrets / "ledger-signing.key").read_text(encoding="utf-8").strip() == key
    assert (secrets / "agent-token").read_text(encoding="utf-8") != token
    agent_id = (secrets / "agent-token.name").read_text(encoding="utf-8")
    assert agent_id == "demo-agent-2", "a revoked name is never reused"

    agent_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(sdk), "FARAMESH_BASE_URL": nginx,
                 "FARAMESH_TOKEN_FILE": str(secrets / "agent-token"), "FARAMESH_AGENT_ID_FILE": str(secrets / "agent-token.name"),
                 "DEMO_MAX_ACTIONS": "16", "DEMO_INTERVAL_SECONDS": "0.05", "DEMO_APPROVAL_WAIT_SECONDS": "1",
                 "DEMO_SEED": "7"}
    run = subprocess.run([os.environ.get("PYTHON", "python3"), str(EXAMPLES / "demo_agent.py")], env=agent_env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "refused the token" not in run.stdout
    counts = ast.literal_eval(run.stdout.rsplit("done: ", 1)[1].strip())
    assert counts["gatekeeper_errors"] == counts["unreachable"] == counts["errors"] == 0, run.stdout
    assert counts["ran"] + counts["failed"] >= 1 and counts["denied"] >= 1 and counts["unanswered"] >= 1, counts
    listed = requests.get(f"{nginx}/v1/actions", params={"agent_id": agent_id, "limit": 100},
                          headers={"Authorization": f"Bearer {stack.admin_token}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    actions = body if isinstance(body, list) else body.get("actions", body.get("items", []))
    assert len(actions) >= 16
    statuses = {a["status"] for a in actions}
    assert "denied" in statuses and "pending_approval" in statuses
    assert statuses & {"succeeded", "failed"}
