"""Wire differences to Faramesh Core 0.3 that clients and dashboards depend on, and the security
rules of issue 10 as the published client (faramesh-sdk==0.3.3) meets them.

Environment (set by scripts/e2e.sh):
  FARAMESH_BASE_URL        server under test (loopback)
  FARAMESH_AGENT_TOKEN     agent token "e2e-agent", created with --agent-id 'sdk-*'
  FARAMESH_APPROVER_TOKEN  token with role approver
  FARAMESH_ADMIN_TOKEN     bootstrap admin token
  FARAMESH_SDK_PYTHON      python of a venv with this repository's sdk/python installed (set by
                           e2e.sh when the tree has sdk/python)
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

import faramesh

BASE = os.environ["FARAMESH_BASE_URL"]
AGENT = os.environ["FARAMESH_AGENT_TOKEN"]
APPROVER = os.environ["FARAMESH_APPROVER_TOKEN"]
ADMIN = os.environ["FARAMESH_ADMIN_TOKEN"]
REPO = Path(__file__).resolve().parents[2]


def call(method: str, path: str, token: str, json_body=None, headers=None) -> requests.Response:
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    h.update(headers or {})
    return requests.request(method, f"{BASE}{path}", json=json_body, headers=h, timeout=10)


def submit(token: str, agent_id: str, tool: str = "http", operation: str = "get", params=None) -> requests.Response:
    body = {"agent_id": agent_id, "tool": tool, "operation": operation, "params": params or {"url": "https://example.com"}}
    return call("POST", "/v1/actions", token, body)


def sdk_agent_id() -> str:
    return f"sdk-{uuid.uuid4().hex[:8]}"


# --- issue 17: approval token answers ----------------------------------------------------------

def test_wrong_approval_token_is_401_and_the_published_client_raises_its_auth_error():
    action = submit(AGENT, sdk_agent_id(), "shell", "run", {"cmd": "echo hi"}).json()
    assert action["status"] == "pending_approval"
    wrong = call("POST", f"/v1/actions/{action['id']}/approval", APPROVER,
                 {"token": "not-the-token", "approve": True, "reason": None})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "INVALID_APPROVAL_TOKEN"
    faramesh.configure(base_url=BASE, token=APPROVER, max_retries=0, timeout=10)
    with pytest.raises(faramesh.FarameshAuthError):
        faramesh.approve_action(action["id"], token="not-the-token")
    # A role that may not approve stays 403, and the action is still pending.
    role = call("POST", f"/v1/actions/{action['id']}/approval", AGENT, {"token": "x", "approve": True})
    assert role.status_code == 403 and role.json()["code"] == "FORBIDDEN"
    assert call("GET", f"/v1/actions/{action['id']}", APPROVER).json()["status"] == "pending_approval"


# --- issue 17: SDK snippets --------------------------------------------------------------------

def test_every_action_response_carries_snippets_without_secrets():
    pending = submit(AGENT, sdk_agent_id(), "shell", "run", {"cmd": "echo hi"}).json()
    seen = call("GET", f"/v1/actions/{pending['id']}", APPROVER)
    assert seen.headers.get("Cache-Control") == "no-store"
    shown = seen.json()
    approval_token = shown["approval_token"]
    assert approval_token
    for body in (pending, shown, call("GET", f"/v1/actions?agent_id={pending['agent_id']}", AGENT).json()[0]):
        assert isinstance(body["python_example"], str) and isinstance(body["js_example"], str)
        for snippet in (body["python_example"], body["js_example"]):
            assert pending["id"] in snippet
            for secret in (approval_token, AGENT, APPROVER, ADMIN):
                assert secret not in snippet
        assert "wait_for_decision" in body["python_example"]
        assert "waitForDecision" in body["js_example"]
        assert "ExecutionGovernorClient" in body["python_example"]
        assert '"@faramesh/sdk"' in body["js_example"]
    compile(shown["python_example"], "python_example", "exec")
    node = shutil.which("node")
    if node:
        # The Node snippet is an ES module with top-level await: it must at least parse.
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "snippet.mjs"
            path.write_text(shown["js_example"])
            checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stderr


def run_snippet(snippet: str, *, timeout: float = 60) -> subprocess.CompletedProcess:
    python = os.environ.get("FARAMESH_SDK_PYTHON")
    if not python:
        if (REPO / "sdk" / "python").is_dir():
            pytest.fail("sdk/python exists but FARAMESH_SDK_PYTHON is not set: run this through scripts/e2e.sh")
        pytest.skip("this tree has no Python SDK (sdk/python) to run the snippets with")
    env = {"PATH": os.environ.get("PATH", ""), "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": AGENT}
    return subprocess.run([python, "-c", snippet], env=env, capture_output=True, text=True, timeout=timeout)


def test_python_example_of_an_allowed_action_runs_it_to_success():
    action = submit(AGENT, sdk_agent_id()).json()
    assert action["status"] == "allowed"
    done = run_snippet(action["python_example"])
    assert done.returncode == 0, done.stderr
    assert call("GET", f"/v1/actions/{action['id']}", AGENT).json()["status"] == "succeeded"
    events = [e["event_type"] for e in call("GET", f"/v1/actions/{action['id']}/events", AGENT).json()]
    assert events == ["created", "decision_made", "started", "succeeded"]


def test_python_example_of_a_pending_action_waits_for_the_approval_then_runs():
    action = submit(AGENT, sdk_agent_id(), "shell", "run", {"cmd": "echo hi"}).json()
    assert action["status"] == "pending_approval"

    def approve_soon() -> None:
        time.sleep(1.0)
        token = call("GET", f"/v1/actions/{action['id']}", APPROVER).json()["approval_token"]
        call("POST", f"/v1/actions/{action['id']}/approval", APPROVER, {"token": token, "approve": True})

    approver = threading.Thread(target=approve_soon)
    approver.start()
    done = run_snippet(action["python_example"])
    approver.join()
    assert done.returncode == 0, done.stderr
    assert call("GET", f"/v1/actions/{action['id']}", AGENT).json()["status"] == "succeeded"


def test_python_example_of_a_final_action_prints_its_outcome():
    action = submit(AGENT, sdk_agent_id(), "database", "drop", {"table": "users"})
    assert action.status_code == 200, action.text
    denied = action.json()
    assert denied["status"] == "denied"
    done = run_snippet(denied["python_example"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("denied ")


# --- issue 17: compatibility metrics -----------------------------------------------------------

SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>.*)\})? (?P<value>\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metrics() -> list[tuple[str, dict[str, str], float]]:
    r = requests.get(f"{BASE}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    assert r.status_code == 200
    samples = []
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, line
        samples.append((m["name"], dict(LABEL.findall(m["labels"] or "")), float(m["value"])))
    return samples


def test_compatibility_series_have_the_originals_names_and_labels():
    tool = f"compat-{uuid.uuid4().hex[:6]}"
    r = submit(ADMIN, "compat-agent", tool, "probe")
    assert r.status_code == 200 and r.json()["status"] == "denied"
    assert call("GET", f"/v1/actions/{uuid.uuid4()}", ADMIN).status_code == 404
    samples = metrics()
    actions = [(l, v) for n, l, v in samples if n == "faramesh_actions_total"]
    assert any(l == {"status": "denied", "tool": tool} and v >= 1 for l, v in actions)
    buckets = [l for n, l, v in samples if n == "faramesh_action_duration_seconds_bucket"]
    assert any(l.get("tool") == tool and l.get("operation") == "probe" for l in buckets)
    assert {l["le"] for l in buckets if l.get("tool") == tool} >= {"0.005", "10.0", "+Inf"} or \
        {l["le"] for l in buckets if l.get("tool") == tool} >= {"0.005", "10", "+Inf"}
    requests_total = [l for n, l, v in samples if n == "faramesh_requests_total"]
    assert any(set(l) == {"method", "endpoint", "status"} and l["status"] == "404" for l in requests_total)
    errors = {l["error_type"]: v for n, l, v in samples if n == "faramesh_errors_total"}
    assert errors.get("ACTION_NOT_FOUND", 0) >= 1


def test_tool_label_cardinality_is_capped():
    prefix = uuid.uuid4().hex[:6]
    for i in range(60):
        assert submit(ADMIN, "cap-agent", f"cap-{prefix}-{i}", "x").status_code == 200
    tools = {l["tool"] for n, l, v in metrics() if n == "faramesh_actions_total"}
    assert len(tools - {"other"}) <= 50
    assert "other" in tools
    pairs = {(l["tool"], l["operation"]) for n, l, v in metrics() if n == "faramesh_action_duration_seconds_count"}
    assert len(pairs - {("other", "other")}) <= 50


# --- issue 10: identities bound to tokens ------------------------------------------------------

def test_agent_id_outside_the_tokens_grant_is_403_for_submit_and_gate():
    r = submit(AGENT, "trusted-bot")
    assert r.status_code == 403 and r.json()["code"] == "AGENT_ID_MISMATCH"
    g = call("POST", "/v1/gate/decide", AGENT, {"agent_id": "trusted-bot", "tool": "http", "operation": "get", "params": {}})
    assert g.status_code == 403 and g.json()["code"] == "AGENT_ID_MISMATCH"
    faramesh.configure(base_url=BASE, token=AGENT, max_retries=0, timeout=10)
    with pytest.raises(faramesh.FarameshError):
        faramesh.submit_action("trusted-bot", "http", "get", {"url": "https://example.com"})


def test_agent_tokens_do_not_see_or_touch_other_agents_actions():
    other = submit(ADMIN, "someone-else").json()
    for path in (f"/v1/actions/{other['id']}", f"/v1/actions/{other['id']}/events", f"/v1/actions/{other['id'][:8]}"):
        r = call("GET", path, AGENT)
        assert r.status_code == 404 and r.json()["code"] == "ACTION_NOT_FOUND", path
    assert call("POST", f"/v1/actions/{other['id']}/start", AGENT).status_code == 404
    assert call("POST", f"/v1/actions/{other['id']}/result", AGENT, {"success": True}).status_code == 404
    listed = call("GET", "/v1/actions?limit=1000", AGENT).json()
    assert all(a["agent_id"].startswith("sdk-") for a in listed)
    assert call("GET", f"/v1/actions/{other['id']}", APPROVER).status_code == 200
    assert call("GET", f"/v1/actions/{other['id']}", ADMIN).json()["status"] == "allowed"


def test_idempotency_keys_are_per_caller():
    key = uuid.uuid4().hex
    body = {"agent_id": "shared-agent", "tool": "http", "operation": "get", "params": {"url": "https://a.example"}}
    first = call("POST", "/v1/actions", ADMIN, body, {"Idempotency-Key": key})
    replay = call("POST", "/v1/actions", ADMIN, body, {"Idempotency-Key": key})
    assert first.json()["id"] == replay.json()["id"]
    body["agent_id"] = sdk_agent_id()
    other = call("POST", "/v1/actions", AGENT, body, {"Idempotency-Key": key})
    assert other.status_code == 200 and other.json()["id"] != first.json()["id"]


def test_posts_need_a_json_content_type():
    body = '{"agent_id":"sdk-x","tool":"http","operation":"get","params":{}}'
    r = requests.post(f"{BASE}/v1/actions", data=body, timeout=10,
                      headers={"Authorization": f"Bearer {AGENT}", "Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    ok = requests.post(f"{BASE}/v1/actions", data=body.replace("sdk-x", sdk_agent_id()), timeout=10,
                       headers={"Authorization": f"Bearer {AGENT}", "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 200


def test_metrics_need_an_admin_token():
    assert requests.get(f"{BASE}/metrics", timeout=10).status_code == 401
    r = requests.get(f"{BASE}/metrics", headers={"Authorization": f"Bearer {AGENT}"}, timeout=10)
    assert r.status_code == 403
