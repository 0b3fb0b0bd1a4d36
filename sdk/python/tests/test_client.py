"""Every call of the blocking client and the functional API against a real server: happy paths
and the typed errors."""

from __future__ import annotations

import uuid

import pytest

import faramesh
from faramesh import errors
from faramesh.canonicalization import compute_request_hash
from faramesh.sdk.client import ExecutionGovernorClient

from conftest import unique
from support import Server, approve_over_api


def test_submit_allowed_start_result_and_timeline(agent: ExecutionGovernorClient) -> None:
    params = {"url": "https://example.com", "n": 1.5e-7, "big": 2**70, "u": "caf\u00e9 \U0001F600"}
    action = agent.submit_action("http", "get", params, {"trace": unique()})
    assert action["status"] == "allowed"
    assert action["decision"] == "allow"
    assert action["agent_id"] == "sdk-agent"
    assert action["reason"] == "Allow HTTP GET requests"
    payload = {k: action[k] for k in ("agent_id", "tool", "operation", "params", "context")}
    assert action["request_hash"] == compute_request_hash(payload)

    assert agent.get_action(action["id"])["params"] == params
    assert agent.get_action(action["id"][:13])["id"] == action["id"]  # unique prefix
    started = agent.start_action(action["id"])
    assert started["status"] == "executing"
    done = agent.report_result(action["id"], success=True)
    assert done["status"] == "succeeded"
    assert agent.wait_for_completion(action["id"], timeout=5)["status"] == "succeeded"

    events = agent.get_events(action["id"])
    assert [e["event_type"] for e in events] == ["created", "decision_made", "started", "succeeded"]
    for prev, cur in zip(events, events[1:]):
        assert cur["prev_hash"] == prev["record_hash"]
        assert cur["seq"] > prev["seq"]


def test_report_failure_records_error(agent: ExecutionGovernorClient) -> None:
    action = agent.submit_action("http", "get", {"url": "https://fail.example"})
    agent.start_action(action["id"])
    failed = agent.report_result(action["id"], False, "exit 3: boom")
    assert failed["status"] == "failed"
    last = agent.get_events(action["id"])[-1]
    assert last["event_type"] == "failed"
    assert "boom" in str(last["meta"])


def test_agent_id_from_context_as_in_the_readme(server: Server) -> None:
    client = ExecutionGovernorClient(server.url, token=server.agent_token("my-agent"))
    action = client.submit_action(tool="http", operation="get", params={"url": "https://x.example"},
                                  context={"agent_id": "my-agent"})
    assert action["agent_id"] == "my-agent"
    assert action["context"] == {"agent_id": "my-agent"}
    client.close()


def test_class_submit_returns_denied_with_reason(agent: ExecutionGovernorClient) -> None:
    action = agent.submit_action("database", "drop", {"table": "users"})
    assert action["status"] == "denied"
    assert action["reason"] == "Dropping tables is never allowed"


def test_list_actions_filters(agent: ExecutionGovernorClient) -> None:
    marker = unique("list")
    ids = [agent.submit_action("http", "get", {"url": f"https://{marker}-{i}.example"})["id"] for i in range(3)]
    listed = agent.list_actions(limit=1000, agent_id="sdk-agent", tool="http", status="allowed")
    listed_ids = [a["id"] for a in listed]
    assert set(ids) <= set(listed_ids)
    assert all(a["tool"] == "http" and a["status"] == "allowed" for a in listed)
    assert listed_ids.index(ids[2]) < listed_ids.index(ids[0])  # newest first
    assert len(agent.list_actions(limit=2, agent_id="sdk-agent")) == 2
    assert all(a.get("approval_token") is None for a in listed)


def test_pending_then_approved_by_approver(agent: ExecutionGovernorClient, approver: ExecutionGovernorClient) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "echo hi"})
    assert action["status"] == "pending_approval"
    assert action["approval_token"] is None  # agents never see the capability
    with pytest.raises(errors.Forbidden):
        agent.approve_action(action["id"])
    with pytest.raises(errors.Conflict) as conflict:
        agent.start_action(action["id"])
    assert conflict.value.current_status == "pending_approval"
    assert conflict.value.status_code == 409

    approved = approver.approve_action(action["id"], reason="looks fine")
    assert approved["status"] == "approved"
    assert approved["decision"] == "allow"
    assert agent.wait_for_decision(action["id"], timeout=5)["status"] == "approved"
    with pytest.raises(errors.Conflict):
        approver.deny_action(action["id"])  # already decided


def test_deny_by_approver(agent: ExecutionGovernorClient, approver: ExecutionGovernorClient) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "ls"})
    denied = approver.deny_action(action["id"], reason="not today")
    assert denied["status"] == "denied"
    decided = agent.wait_for_decision(action["id"], timeout=5)
    assert decided["status"] == "denied"
    assert agent.wait_for_completion(action["id"], timeout=5)["status"] == "denied"


def test_wrong_approval_token_is_auth_error(agent: ExecutionGovernorClient, approver: ExecutionGovernorClient) -> None:
    action = agent.submit_action("shell", "run", {"cmd": "ls"})
    with pytest.raises(errors.AuthError) as err:
        approver.approve_action(action["id"], token="not-the-token")
    assert err.value.status_code in (401, 403)
    assert agent.get_action(action["id"])["status"] == "pending_approval"


def test_auth_errors(server: Server) -> None:
    with pytest.raises(errors.AuthError) as err:
        ExecutionGovernorClient(server.url, token="wrong-token").get_action(str(uuid.uuid4()))
    assert err.value.status_code == 401
    assert isinstance(err.value, faramesh.FarameshAuthError)
    with pytest.raises(errors.AuthError):
        ExecutionGovernorClient(server.url).list_actions()  # no token at all


def test_not_found_and_bad_ids(agent: ExecutionGovernorClient) -> None:
    with pytest.raises(errors.NotFound) as err:
        agent.get_action(str(uuid.uuid4()))
    assert err.value.status_code == 404
    assert isinstance(err.value, faramesh.FarameshNotFoundError)
    with pytest.raises(errors.NotFound):
        agent.start_action(str(uuid.uuid4()))
    with pytest.raises(errors.ValidationError):
        agent.get_action("")


def test_validation_errors(agent: ExecutionGovernorClient) -> None:
    with pytest.raises(errors.ValidationError) as err:
        agent.submit_action("", "get", {})
    assert err.value.field == "tool"
    with pytest.raises(errors.ValidationError) as err:
        agent.submit_action("http", "get\n", {})
    assert err.value.field == "operation"
    with pytest.raises(errors.ValidationError):
        agent.submit_action("x" * 257, "get", {})
    assert agent.submit_action("  http ", "get", {"u": 1})["tool"] == "http"  # trimmed like the server
    with pytest.raises(errors.ValidationError):
        agent.submit_action("http", "get", {"x": float("nan")})
    with pytest.raises(errors.ValidationError):
        agent.submit_action("http", "get", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(errors.ValidationError):
        agent.report_result(str(uuid.uuid4()), "yes")  # type: ignore[arg-type]
    with pytest.raises(errors.ValidationError):
        ExecutionGovernorClient("ftp://example.com")
    with pytest.raises(errors.ValidationError):
        ExecutionGovernorClient("http://127.0.0.1:1", token="bad\ntoken")


def test_idempotency_key_reuse(agent: ExecutionGovernorClient) -> None:
    key = unique("key")
    first = agent.submit_action("http", "get", {"url": "https://a.example"}, idempotency_key=key)
    second = agent.submit_action("http", "get", {"url": "https://a.example"}, idempotency_key=key)
    assert first["id"] == second["id"]
    with pytest.raises(errors.ValidationError) as err:
        agent.submit_action("http", "get", {"url": "https://b.example"}, idempotency_key=key)
    assert err.value.code == "IDEMPOTENCY_CONFLICT"
    assert err.value.status_code == 422


def test_gate_decide_and_replay(agent: ExecutionGovernorClient) -> None:
    decision = agent.gate_decide("sdk-agent", "http", "get", {"url": "https://example.com"})
    assert decision.outcome == "EXECUTE"
    assert decision.reason_code == "POLICY_ALLOW"
    assert decision.request_hash == compute_request_hash(
        {"agent_id": "sdk-agent", "tool": "http", "operation": "get", "params": {"url": "https://example.com"},
         "context": {}})
    assert agent.gate_decide("sdk-agent", "database", "drop", {"table": "t"}).outcome == "HALT"
    assert agent.gate_decide("sdk-agent", "shell", "run", {"cmd": "ls"}).outcome == "ABSTAIN"
    action = agent.submit_action("http", "get", {"url": "https://replay.example"})
    result = agent.replay_decision(action_id=action["id"])
    assert result.success, result.mismatches
    replayed = agent.replay_action(action["id"])
    assert replayed["id"] != action["id"]
    assert replayed["context"]["replayed_from"] == action["id"]


def test_apply_json_file(agent: ExecutionGovernorClient, tmp_path) -> None:
    path = tmp_path / "action.json"
    path.write_text('{"agent_id": "sdk-agent", "tool": "http", "operation": "get", "params": {"url": "https://f"}}')
    assert agent.apply(path)["status"] == "allowed"
    bad = tmp_path / "bad.json"
    bad.write_text('{"tool": "http"}')
    with pytest.raises(errors.ValidationError):
        agent.apply(bad)


# -- functional API (0.3.3 names and signatures) --------------------------------------------


def test_functional_api_round_trip(server: Server) -> None:
    faramesh.configure(base_url=server.url, token=server.agent_token("sdk-agent"), max_retries=0, timeout=10)
    action = faramesh.submit_action("sdk-agent", "http", "get", {"url": "https://example.com"})
    assert action["status"] == "allowed"
    assert faramesh.get_action(action["id"])["id"] == action["id"]
    assert action["id"] in [a["id"] for a in faramesh.list_actions(limit=1000, agent_id="sdk-agent")]
    assert faramesh.start_action(action["id"])["status"] == "executing"
    assert faramesh.report_result(action["id"], True)["status"] == "succeeded"
    assert faramesh.wait_for_completion(action["id"], poll_interval=0.1, timeout=5)["status"] == "succeeded"
    assert [e["event_type"] for e in faramesh.get_events(action["id"])][-1] == "succeeded"
    # The 0.3.3 low-level helper still works.
    events = faramesh.client._make_request("GET", f"/v1/actions/{action['id']}/events")
    assert len(events) == 4


def test_functional_submit_raises_policy_error_on_deny(server: Server) -> None:
    faramesh.configure(base_url=server.url, token=server.agent_token("sdk-agent"))
    with pytest.raises(faramesh.FarameshPolicyError) as err:
        faramesh.submit_action("sdk-agent", "database", "drop", {"table": "users"})
    assert isinstance(err.value, errors.ActionDenied)
    assert err.value.reason == "Dropping tables is never allowed"
    assert err.value.action["status"] == "denied"


def test_functional_approve_and_deny(server: Server) -> None:
    faramesh.configure(base_url=server.url, token=server.agent_token("sdk-agent"))
    pending = faramesh.submit_action("sdk-agent", "shell", "run", {"cmd": "echo 1"})
    other = faramesh.submit_action("sdk-agent", "shell", "run", {"cmd": "echo 2"})
    faramesh.configure(base_url=server.url, token=server.approver_token)
    assert faramesh.approve_action(pending["id"], reason="ok")["status"] == "approved"
    assert faramesh.deny(other["id"], reason="no")["status"] == "denied"
    with pytest.raises(faramesh.FarameshError):
        faramesh.allow(other["id"])


def test_functional_config_from_environment(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FARAMESH_BASE_URL", server.url)
    monkeypatch.setenv("FARAMESH_TOKEN", server.agent_token("sdk-agent"))
    assert faramesh.submit_action("sdk-agent", "http", "get", {"url": "https://env"})["status"] == "allowed"
    client = ExecutionGovernorClient()
    assert client.base_url == server.url
    assert client.list_actions(limit=1)


def test_legacy_environment_names(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FARA_API_BASE", server.url)
    monkeypatch.setenv("FARA_AUTH_TOKEN", server.agent_token("sdk-agent"))
    client = ExecutionGovernorClient()
    assert client.submit_action("http", "get", {"url": "https://legacy"}, agent_id="sdk-agent")["status"] == "allowed"


def test_arguments_win_over_environment(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FARAMESH_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("FARAMESH_TOKEN", "wrong")
    client = ExecutionGovernorClient(server.url, token=server.agent_token("sdk-agent"))
    assert client.list_actions(limit=1) is not None


def test_submit_and_wait_with_auto_start(server: Server) -> None:
    faramesh.configure(base_url=server.url, token=server.agent_token("sdk-agent"))
    pending = faramesh.submit_and_wait("sdk-agent", "shell", "run", {"cmd": "true"})
    assert pending["status"] == "pending_approval"  # require_approval=False returns at once
    approve_over_api(server, pending["id"])
    assert faramesh.block_until_approved(pending["id"], timeout=5)["status"] == "approved"


def test_plain_http_to_another_host_with_a_token_warns() -> None:
    with pytest.warns(UserWarning, match="plain HTTP"):
        ExecutionGovernorClient("http://10.20.30.40:8000", token="secret")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ExecutionGovernorClient("http://127.0.0.1:8000", token="secret")
        ExecutionGovernorClient("https://10.20.30.40", token="secret")
    assert "secret" not in repr(ExecutionGovernorClient("https://10.20.30.40", token="secret"))


def test_one_client_shared_by_threads(agent: ExecutionGovernorClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    marker = unique("threads")

    def work(i: int) -> str:
        action = agent.submit_action("http", "get", {"url": f"https://{marker}/{i}"})
        agent.start_action(action["id"])
        return agent.report_result(action["id"], True)["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(80)))
    assert len(set(ids)) == 80
    done = [a for a in agent.list_actions(limit=1000, agent_id="sdk-agent", status="succeeded")
            if str(a["params"].get("url", "")).startswith(f"https://{marker}/")]
    assert len(done) == 80
