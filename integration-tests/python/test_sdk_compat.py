"""Drives a live Faramesh server through the published client, faramesh-sdk==0.3.3, unchanged.

Environment (set by scripts/test.sh):
  FARAMESH_BASE_URL        server under test (loopback)
  FARAMESH_AGENT_TOKEN     token with role agent
  FARAMESH_APPROVER_TOKEN  token with role approver
"""
import os
import uuid

import pytest
import requests

import faramesh
from faramesh import client as sdk_client
from faramesh.canonicalization import compute_request_hash
from faramesh.gate import gate_decide, replay_decision, verify_request_hash

BASE = os.environ["FARAMESH_BASE_URL"]
AGENT = os.environ["FARAMESH_AGENT_TOKEN"]
APPROVER = os.environ["FARAMESH_APPROVER_TOKEN"]


def as_agent():
    faramesh.configure(base_url=BASE, token=AGENT, max_retries=0, timeout=10)


def as_approver():
    faramesh.configure(base_url=BASE, token=APPROVER, max_retries=0, timeout=10)


def agent_id():
    return f"sdk-{uuid.uuid4().hex[:8]}"


def report_result(action_id, success, error=None):
    body = {"success": success}
    if error is not None:
        body["error"] = error
    return sdk_client._make_request("POST", f"/v1/actions/{action_id}/result", json_data=body)


def test_submit_allowed_get_list_start_result_and_wait():
    as_agent()
    aid = agent_id()
    params = {"url": "https://example.com", "n": 1.5e-7, "big": 2**70, "u": "caf\u00e9 \U0001F600"}
    action = faramesh.submit_action(aid, "http", "get", params, {"trace": "t-1"})
    assert action["status"] == "allowed"
    assert action["decision"] == "allow"
    assert action["outcome"] == "EXECUTE"
    assert action["reason_code"] == "POLICY_ALLOW"
    assert action["approval_token"] is None
    payload = {"agent_id": aid, "tool": "http", "operation": "get", "params": params, "context": {"trace": "t-1"}}
    assert action["request_hash"] == compute_request_hash(payload)
    assert verify_request_hash(payload, action["request_hash"])

    fetched = faramesh.get_action(action["id"])
    assert fetched["id"] == action["id"]
    assert fetched["params"] == params
    assert compute_request_hash({k: fetched[k] for k in ("agent_id", "tool", "operation", "params", "context")}) == action["request_hash"]

    listed = faramesh.list_actions(agent_id=aid)
    assert [a["id"] for a in listed] == [action["id"]]
    assert "approval_token" not in listed[0] or listed[0]["approval_token"] is None

    started = faramesh.start_action(action["id"])
    assert started["status"] == "executing"
    done = report_result(action["id"], True)
    assert done["status"] == "succeeded"
    final = faramesh.wait_for_completion(action["id"], poll_interval=0.1, timeout=5)
    assert final["status"] == "succeeded"

    events = sdk_client._make_request("GET", f"/v1/actions/{action['id']}/events")
    assert [e["event_type"] for e in events] == ["created", "decision_made", "started", "succeeded"]
    assert events[0]["prev_hash"] is None
    for prev, cur in zip(events, events[1:]):
        assert cur["prev_hash"] == prev["record_hash"]


def test_pending_action_is_approved_by_approver_not_agent():
    as_agent()
    aid = agent_id()
    action = faramesh.submit_action(aid, "shell", "run", {"cmd": "echo hi"})
    assert action["status"] == "pending_approval"
    assert action["outcome"] == "ABSTAIN"
    # The agent never sees the approval capability.
    assert action["approval_token"] is None
    assert faramesh.get_action(action["id"])["approval_token"] is None
    with pytest.raises(faramesh.FarameshError):
        faramesh.approve_action(action["id"])
    # The agent cannot bypass approval by reporting a result.
    with pytest.raises(faramesh.FarameshError):
        report_result(action["id"], True)

    as_approver()
    approved = faramesh.approve_action(action["id"], reason="looks fine")
    assert approved["status"] == "approved"
    assert approved["decision"] == "allow"

    as_agent()
    started = faramesh.start_action(action["id"])
    assert started["status"] == "executing"
    report_result(action["id"], False, "exit 1")
    final = faramesh.wait_for_completion(action["id"], poll_interval=0.1, timeout=5)
    assert final["status"] == "failed"

    events = sdk_client._make_request("GET", f"/v1/actions/{action['id']}/events")
    types = [e["event_type"] for e in events]
    assert types == ["created", "decision_made", "approved", "started", "failed"]


def test_deny_via_sdk():
    as_agent()
    action = faramesh.submit_action(agent_id(), "shell", "run", {"cmd": "ls"})
    as_approver()
    denied = faramesh.deny_action(action["id"], reason="not today")
    assert denied["status"] == "denied"
    assert denied["decision"] == "deny"
    # A second decision is refused.
    with pytest.raises(faramesh.FarameshError):
        faramesh.approve_action(action["id"])


def test_policy_denial_raises_policy_error():
    as_agent()
    with pytest.raises(faramesh.FarameshPolicyError):
        faramesh.submit_action(agent_id(), "database", "drop", {"table": "users"})


def test_gate_decide_and_replay():
    as_agent()
    aid = agent_id()
    decision = gate_decide(aid, "http", "get", {"url": "https://example.com"})
    assert decision.outcome == "EXECUTE"
    assert decision.reason_code == "POLICY_ALLOW"
    payload = {"agent_id": aid, "tool": "http", "operation": "get", "params": {"url": "https://example.com"}, "context": {}}
    assert decision.request_hash == compute_request_hash(payload)
    assert decision.policy_hash and decision.provenance_id

    halted = gate_decide(aid, "database", "drop", {"table": "users"})
    assert halted.outcome == "HALT"

    action = faramesh.submit_action(aid, "http", "get", {"url": "https://example.com"})
    result = replay_decision(action_id=action["id"])
    assert result.success, result.mismatches


def test_legacy_class_client():
    client = faramesh.ExecutionGovernorClient(BASE)
    faramesh.configure(base_url=BASE, token=AGENT, max_retries=0, timeout=10)
    action = faramesh.submit_action(agent_id(), "http", "get", {"url": "https://example.org"})
    assert client.get_action(action["id"])["status"] == "allowed"


def test_errors_are_json_and_4xx():
    headers = {"Authorization": f"Bearer {AGENT}", "Content-Type": "application/json"}
    r = requests.post(f"{BASE}/v1/actions", data="{not json", headers=headers, timeout=10)
    assert r.status_code == 400 and "detail" in r.json()
    r = requests.post(f"{BASE}/v1/actions", json={"agent_id": "a", "tool": "t", "operation": "o", "params": {}, "evil": 1},
                      headers=headers, timeout=10)
    assert r.status_code == 422 and "detail" in r.json()
    r = requests.get(f"{BASE}/v1/actions/{uuid.uuid4()}", headers=headers, timeout=10)
    assert r.status_code == 404
    r = requests.get(f"{BASE}/v1/actions", headers={"Authorization": "Bearer wrong"}, timeout=10)
    assert r.status_code == 401
    with pytest.raises(faramesh.FarameshAuthError):
        faramesh.configure(base_url=BASE, token="wrong", max_retries=0)
        faramesh.get_action(str(uuid.uuid4()))


def test_idempotency_key_returns_same_action():
    headers = {"Authorization": f"Bearer {AGENT}", "Idempotency-Key": uuid.uuid4().hex}
    body = {"agent_id": agent_id(), "tool": "http", "operation": "get", "params": {"url": "https://a.example"}}
    first = requests.post(f"{BASE}/v1/actions", json=body, headers=headers, timeout=10)
    second = requests.post(f"{BASE}/v1/actions", json=body, headers=headers, timeout=10)
    assert first.status_code == 200 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    body["params"] = {"url": "https://b.example"}
    third = requests.post(f"{BASE}/v1/actions", json=body, headers=headers, timeout=10)
    assert third.status_code == 422
