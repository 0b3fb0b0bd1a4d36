"""The rest of the 0.3.3 functional surface: telemetry callbacks, batches, replay, apply,
execute_if_allowed, the gate-only govern(), retries=0."""

from __future__ import annotations

import pytest

import faramesh
from faramesh import errors
from faramesh.gate import execute_if_allowed

from support import Proxy, Server


def _configure(server: Server, **kwargs) -> None:
    faramesh.configure(base_url=server.url, token=server.agent_token("sdk-agent"), **kwargs)


def test_telemetry_callbacks(server: Server) -> None:
    started, ended, failed = [], [], []

    def broken_callback(*args) -> None:
        raise RuntimeError("telemetry must never break a call")

    _configure(server, on_request_start=lambda m, u: started.append((m, u)),
               on_request_end=lambda m, u, status, ms: ended.append((m, status, ms)), on_error=failed.append)
    action = faramesh.submit_action("sdk-agent", "http", "get", {"url": "https://t.example"})
    assert started[-1] == ("POST", server.url + "/v1/actions")
    assert ended[-1][0] == "POST" and ended[-1][1] == 200 and ended[-1][2] >= 0
    with pytest.raises(errors.NotFound):
        faramesh.get_action("00000000-0000-0000-0000-000000000000")
    assert isinstance(failed[-1], errors.NotFound)
    assert ended[-1][1] == 404
    # Callbacks survive a reconfigure that does not replace them, and a failing one is ignored.
    _configure(server, on_request_start=broken_callback)
    assert faramesh.get_action(action["id"])["id"] == action["id"]
    assert ended[-1][1] == 200


def test_batches(server: Server) -> None:
    _configure(server)
    specs = [
        {"agent_id": "sdk-agent", "tool": "http", "operation": "get", "params": {"url": "https://1"}},
        {"agent_id": "sdk-agent", "tool": "database", "operation": "drop", "params": {}},
    ]
    results = faramesh.submit_actions(specs)
    assert results[0]["status"] == "allowed"
    assert "Dropping tables is never allowed" in results[1]["error"]
    with pytest.raises(faramesh.FarameshBatchError) as err:
        faramesh.submit_actions_bulk(specs, raise_on_error=True)
    assert len(err.value.successes) == 1 and err.value.errors[0]["index"] == 1


def test_replay_and_gate_helpers(server: Server) -> None:
    _configure(server)
    action = faramesh.submit_action("sdk-agent", "http", "get", {"url": "https://replay"})
    again = faramesh.replay_action(action["id"])
    assert again["id"] != action["id"] and again["context"]["replayed_from"] == action["id"]
    assert faramesh.replay_decision(action_id=action["id"]).success
    assert faramesh.replay_decision(provenance_id=action["provenance_id"]).success
    pending = faramesh.submit_action("sdk-agent", "shell", "run", {"cmd": "x"})
    with pytest.raises(faramesh.FarameshError):
        faramesh.replay_action(pending["id"])

    ran = execute_if_allowed("sdk-agent", "http", "get", {"url": "https://e"}, executor=lambda *a: "done")
    assert ran["executed"] and ran["execution_result"] == "done"
    refused = execute_if_allowed("sdk-agent", "database", "drop", {}, executor=lambda *a: "never")
    assert refused["outcome"] == "HALT" and not refused["executed"]

    assert faramesh.govern("sdk-agent", "http", "get", {"url": "https://g"}).outcome == "EXECUTE"
    with pytest.raises(faramesh.DenyError):
        faramesh.govern("sdk-agent", "database", "drop", {})
    with pytest.raises(faramesh.DeferredError):
        faramesh.govern("sdk-agent", "shell", "run", {"cmd": "ls"})


def test_apply_yaml_needs_pyyaml_or_works(server: Server, tmp_path) -> None:
    _configure(server)
    path = tmp_path / "action.yaml"
    path.write_text("agent_id: sdk-agent\ntool: http\noperation: get\nparams:\n  url: https://yaml\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(errors.ValidationError, match="PyYAML"):
            faramesh.apply(path)
    else:
        assert faramesh.apply(path)["status"] == "allowed"
    with pytest.raises(FileNotFoundError):
        faramesh.apply(tmp_path / "missing.json")


def test_max_retries_zero_means_one_attempt(server: Server) -> None:
    proxy = Proxy(server.url, lambda req, i: "503")
    try:
        faramesh.configure(base_url=proxy.url, token=server.agent_token("sdk-agent"), max_retries=0)
        with pytest.raises(faramesh.FarameshConnectionError):
            faramesh.list_actions()
        assert len(proxy.requests) == 1
        faramesh.configure(base_url=proxy.url, token=server.agent_token("sdk-agent"), max_retries=2,
                           retry_backoff_factor=0.01)
        with pytest.raises(errors.ServiceUnavailable):
            faramesh.list_actions()
        assert len(proxy.requests) == 4
    finally:
        proxy.close()
