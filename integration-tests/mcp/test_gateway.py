"""The MCP gateway with the real `mcp` client: every case of issue 15 in each proxy mode.

Modes: stdio (client and server on stdio), http (the proxy serves Streamable HTTP, the server
is a child on stdio), http-upstream (stdio client, the server speaks Streamable HTTP).
"""

from __future__ import annotations

import re
import uuid

import anyio
import pytest

from clients import DEAD_PORT, SERVER_NAME, dump, executed, session
from gatekeeper import Gatekeeper

MODES = ["stdio", "http", "http-upstream"]

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def text_of(result: object) -> str:
    return " ".join(block["text"] for block in dump(result)["content"] if block["type"] == "text")


def is_error(result: object) -> bool:
    return dump(result).get("isError") is True


@pytest.mark.parametrize("mode", MODES)
async def test_list_tools_equals_direct(gk: Gatekeeper, log: str, mode: str) -> None:
    async with session("direct", gk, log) as direct:
        expected = dump(await direct.list_tools())
    async with session(mode, gk, log) as proxied:
        listed = dump(await proxied.list_tools())
    assert listed == expected
    names = {tool["name"] for tool in listed["tools"]}
    assert {"read_file", "delete_file", "echo", "drop_table"} <= names
    delete = next(tool for tool in listed["tools"] if tool["name"] == "delete_file")
    assert delete["annotations"]["destructiveHint"] is True


@pytest.mark.parametrize("mode", MODES)
async def test_allowed_call_returns_server_result_and_is_audited(gk: Gatekeeper, log: str, mode: str) -> None:
    path = f"/tmp/{uuid.uuid4().hex}"
    async with session("direct", gk, log) as direct:
        expected = dump(await direct.call_tool("read_file", {"path": path}))
    async with session(mode, gk, log) as proxied:
        result = await proxied.call_tool("read_file", {"path": path})
    assert dump(result) == expected
    assert not is_error(result)
    action = gk.wait_for_action("read_file", "succeeded", path=path)
    assert action["tool"] == SERVER_NAME and action["agent_id"] == gk.agent_name
    assert action["decision"] == "allow"
    assert gk.events(action["id"])[-2:] == ["started", "succeeded"]
    context = action["context"]
    assert context["mcp.readOnlyHint"] is True and context["mcp.destructiveHint"] is False
    assert context["mcp.server"] == SERVER_NAME and context["mcp.tool"] == "read_file"
    assert context["mcp.annotations"]["idempotentHint"] is True
    assert context["mcp.client.name"]
    assert len(executed(log, "read_file")) == 2  # once direct, once through the proxy


@pytest.mark.parametrize("mode", MODES)
async def test_failed_tool_is_recorded_as_failed(gk: Gatekeeper, log: str, mode: str) -> None:
    message = f"boom-{uuid.uuid4().hex}"
    async with session(mode, gk, log) as proxied:
        result = await proxied.call_tool("fail", {"message": message})
    assert is_error(result)  # the server's own error result, passed through
    action = gk.wait_for_action("fail", "failed", message=message)
    assert gk.events(action["id"])[-2:] == ["started", "failed"]


@pytest.mark.parametrize("mode", MODES)
async def test_denied_call_never_reaches_the_server(gk: Gatekeeper, log: str, mode: str) -> None:
    table = f"t_{uuid.uuid4().hex}"
    async with session(mode, gk, log) as proxied:
        result = await proxied.call_tool("drop_table", {"table": table})
    assert is_error(result)
    assert "Dropping tables is forbidden" in text_of(result)
    action = gk.wait_for_action("drop_table", "denied", table=table)
    assert action["id"] in text_of(result)
    assert dump(result)["_meta"]["dev.faramesh/action"]["status"] == "denied"
    assert executed(log, "drop_table") == []


@pytest.mark.parametrize("mode", MODES)
async def test_pending_call_blocks_until_approved_then_returns_the_real_result(gk: Gatekeeper, log: str, mode: str) -> None:
    path = f"/srv/{uuid.uuid4().hex}"
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    outcome: dict[str, object] = {}
    async with session(mode, gk, log, "--hold", "60s") as proxied:
        async def call() -> None:
            outcome["result"] = await proxied.call_tool("delete_file", {"path": path}, progress_callback=on_progress)

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            action = await anyio.to_thread.run_sync(lambda: gk.wait_for_action("delete_file", "pending_approval", path=path))
            assert action["context"]["mcp.destructiveHint"] is True
            with anyio.fail_after(10):
                while not progress:
                    await anyio.sleep(0.1)
            assert executed(log, "delete_file") == [], "ran before approval"
            assert "result" not in outcome, "answered before approval"
            await anyio.to_thread.run_sync(lambda: gk.decide(action["id"], True, "looks fine"))
    result = outcome["result"]
    assert not is_error(result)
    assert text_of(result) == f"deleted {path}"
    assert action["id"] in (progress[0][1] or "")
    assert len(executed(log, "delete_file")) == 1
    assert gk.events(action["id"])[-3:] == ["approved", "started", "succeeded"]


@pytest.mark.parametrize("mode", ["stdio", "http"])
async def test_deny_in_the_queue_returns_the_approvers_reason(gk: Gatekeeper, log: str, mode: str) -> None:
    path = f"/srv/{uuid.uuid4().hex}"
    outcome: dict[str, object] = {}
    async with session(mode, gk, log, "--hold", "60s") as proxied:
        async def call() -> None:
            outcome["result"] = await proxied.call_tool("delete_file", {"path": path})

        async with anyio.create_task_group() as group:
            group.start_soon(call)
            action = await anyio.to_thread.run_sync(lambda: gk.wait_for_action("delete_file", "pending_approval", path=path))
            await anyio.to_thread.run_sync(lambda: gk.decide(action["id"], False, "not on a Friday"))
    result = outcome["result"]
    assert is_error(result)
    assert "not on a Friday" in text_of(result) and "approver" in text_of(result)
    assert executed(log, "delete_file") == []


@pytest.mark.parametrize("mode", ["stdio", "http"])
async def test_hold_timeout_then_retry_after_approval_runs_the_same_action(gk: Gatekeeper, log: str, mode: str) -> None:
    path = f"/srv/{uuid.uuid4().hex}"
    async with session(mode, gk, log, "--hold", "2s") as proxied:
        with anyio.fail_after(20):
            first = await proxied.call_tool("delete_file", {"path": path})
        assert is_error(first)
        text = text_of(first)
        action = gk.wait_for_action("delete_file", "pending_approval", path=path)
        meta = dump(first)["_meta"]["dev.faramesh/action"]
        assert meta["action_id"] == action["id"] and meta["status"] == "pending_approval"
        assert meta["expires_at"] == action["approval_expires_at"]
        assert f"{gk.base_url}/?action={action['id']}" in text
        assert action["approval_expires_at"] in text
        assert executed(log, "delete_file") == []

        # A retry before the decision resumes the same pending action (no second one).
        with anyio.fail_after(20):
            again = await proxied.call_tool("delete_file", {"path": path})
        assert is_error(again) and action["id"] in text_of(again)
        assert len(gk.actions("delete_file", path=path)) == 1

        await anyio.to_thread.run_sync(lambda: gk.decide(action["id"], True, "ok"))
        with anyio.fail_after(20):
            retried = await proxied.call_tool("delete_file", {"path": path})
    assert not is_error(retried)
    assert text_of(retried) == f"deleted {path}"
    assert [a["id"] for a in gk.actions("delete_file", path=path)] == [action["id"]]
    assert gk.action(action["id"])["status"] == "succeeded"
    assert len(executed(log, "delete_file")) == 1


@pytest.mark.parametrize("mode", ["stdio", "http"])
async def test_changed_arguments_after_approval_make_a_new_action(gk: Gatekeeper, log: str, mode: str) -> None:
    approved_path = f"/srv/{uuid.uuid4().hex}"
    other_path = f"/srv/{uuid.uuid4().hex}"
    async with session(mode, gk, log, "--hold", "1s") as proxied:
        with anyio.fail_after(20):
            await proxied.call_tool("delete_file", {"path": approved_path})
        approved = gk.wait_for_action("delete_file", "pending_approval", path=approved_path)
        gk.decide(approved["id"], True, "only this one")
        with anyio.fail_after(20):
            result = await proxied.call_tool("delete_file", {"path": other_path})
    assert is_error(result)
    new = gk.wait_for_action("delete_file", "pending_approval", path=other_path)
    assert new["id"] != approved["id"] and new["id"] in text_of(result)
    assert new["request_hash"] != approved["request_hash"]
    assert gk.action(approved["id"])["status"] == "approved"
    assert executed(log, "delete_file") == []


@pytest.mark.parametrize("mode", MODES)
async def test_gatekeeper_down_means_nothing_is_forwarded(gk: Gatekeeper, log: str, mode: str) -> None:
    async with session(mode, gk, log, gatekeeper_url=f"http://127.0.0.1:{DEAD_PORT}") as proxied:
        tools = dump(await proxied.list_tools())  # everything else still passes through
        assert any(tool["name"] == "read_file" for tool in tools["tools"])
        result = await proxied.call_tool("read_file", {"path": "/etc/hosts"})
    assert is_error(result)
    assert re.search(r"unavailable|unreachable|cannot reach", text_of(result))
    assert "fail closed" in text_of(result)
    assert executed(log, "read_file") == []


async def test_reserved_argument_names_are_refused(gk: Gatekeeper, log: str) -> None:
    async with session("stdio", gk, log) as proxied:
        result = await proxied.call_tool("echo", {"text": "hi", "mcp.readOnlyHint": True})
    assert is_error(result) and "mcp.readOnlyHint" in text_of(result)
    assert executed(log, "echo") == []
