"""AsyncExecutionGovernorClient and agovern against the real server; waits never block the loop."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from faramesh import errors
from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.governed import agovern

from conftest import unique
from support import Proxy, Server, approve_over_api, unused_port


def _client(url: str, server: Server, **kwargs) -> AsyncExecutionGovernorClient:
    return AsyncExecutionGovernorClient(url, token=server.agent_token("sdk-agent"), agent_id="sdk-agent", **kwargs)


def run(coro):
    return asyncio.run(coro)


def test_async_round_trip_and_errors(server: Server) -> None:
    async def main() -> None:
        async with _client(server.url, server) as client:
            action = await client.submit_action("http", "get", {"url": "https://async.example", "f": 0.1})
            assert action["status"] == "allowed"
            assert (await client.get_action(action["id"]))["id"] == action["id"]
            assert action["id"] in [a["id"] for a in await client.list_actions(limit=1000, agent_id="sdk-agent")]
            assert (await client.start_action(action["id"]))["status"] == "executing"
            assert (await client.report_result(action["id"], True))["status"] == "succeeded"
            assert (await client.wait_for_completion(action["id"], timeout=5))["status"] == "succeeded"
            events = await client.get_events(action["id"])
            assert [e["event_type"] for e in events] == ["created", "decision_made", "started", "succeeded"]
            decision = await client.gate_decide("sdk-agent", "database", "drop", {})
            assert decision.outcome == "HALT"
            denied = await client.submit_action("database", "drop", {"table": "t"})
            assert denied["status"] == "denied"
            with pytest.raises(errors.NotFound):
                await client.get_action(str(uuid.uuid4()))
            pending = await client.submit_action("shell", "run", {"cmd": "ls"})
            with pytest.raises(errors.Conflict) as err:
                await client.start_action(pending["id"])
            assert err.value.current_status == "pending_approval"
            with pytest.raises(errors.Forbidden):
                await client.approve_action(pending["id"])
        async with AsyncExecutionGovernorClient(server.url, token="wrong") as bad:
            with pytest.raises(errors.AuthError):
                await bad.list_actions()
        async with AsyncExecutionGovernorClient(server.url, token=server.approver_token) as approver:
            assert (await approver.deny_action(pending["id"], reason="no"))["status"] == "denied"

    run(main())


def test_async_wait_is_unblocked_by_approval_and_does_not_block_the_loop(server: Server) -> None:
    async def main() -> None:
        proxy = Proxy(server.url)
        try:
            async with _client(proxy.url, server) as client:
                action = await client.submit_action("shell", "run", {"cmd": "echo async"})
                ticks = 0

                async def ticker() -> None:
                    nonlocal ticks
                    while True:
                        await asyncio.sleep(0.01)
                        ticks += 1

                tick_task = asyncio.create_task(ticker())
                decider = threading.Thread(target=lambda: (time.sleep(0.8), approve_over_api(server, action["id"])))
                decider.start()
                decided = await client.wait_for_decision(action["id"], timeout=30)
                tick_task.cancel()
                decider.join()
                assert decided["status"] == "approved"
                # The loop kept running other tasks during the wait.
                assert ticks >= 20
                assert proxy.count("GET", "/v1/events") == 1
                assert proxy.count("GET", f"/v1/actions/{action['id']}") <= 3
        finally:
            proxy.close()

    run(main())


def test_async_retry_keeps_the_idempotency_key(server: Server) -> None:
    async def main() -> None:
        proxy = Proxy(server.url, lambda req, i: "drop" if i == 0 else ("503" if i == 1 else "forward"))
        try:
            async with _client(proxy.url, server, backoff=0.01) as client:
                marker = unique()
                action = await client.submit_action("http", "get", {"marker": marker})
                assert action["status"] == "allowed"
                keys = {r.headers["idempotency-key"] for r in proxy.requests}
                assert len(proxy.requests) == 3 and len(keys) == 1
            async with _client(server.url, server) as direct:
                same = [a for a in await direct.list_actions(limit=1000, agent_id="sdk-agent")
                        if a["params"].get("marker") == marker]
                assert len(same) == 1
        finally:
            proxy.close()

    run(main())


def test_async_timeouts_and_unreachable(server: Server) -> None:
    async def main() -> None:
        proxy = Proxy(server.url, lambda req, i: "hang")
        try:
            async with _client(proxy.url, server, timeout=0.3, retries=0) as client:
                with pytest.raises(errors.RequestTimeout):
                    await client.list_actions()
        finally:
            proxy.close()
        async with _client(f"http://127.0.0.1:{unused_port()}", server, retries=1, backoff=0.01) as down:
            ran = []
            with pytest.raises(errors.GatekeeperUnreachable):
                await agovern(down, agent_id="sdk-agent", tool="http", operation="get", params={},
                              run=lambda: ran.append(1))
            assert ran == []

    run(main())


def test_agovern_lifecycle(server: Server) -> None:
    async def main() -> None:
        async with _client(server.url, server) as client:
            async def tool() -> str:
                await asyncio.sleep(0)
                return "async-ok"

            assert await agovern(client, agent_id="sdk-agent", tool="http", operation="get", params={"a": 1},
                                 run=tool) == "async-ok"
            with pytest.raises(errors.ActionDenied) as err:
                await agovern(client, agent_id="sdk-agent", tool="database", operation="drop", params={},
                              run=tool)
            assert err.value.reason == "Dropping tables is never allowed"
            marker = unique()

            async def approve_soon() -> None:
                for _ in range(400):
                    pending = [a for a in await client.list_actions(limit=1000, agent_id="sdk-agent",
                                                                    status="pending_approval")
                               if a["params"].get("marker") == marker]
                    if pending:
                        await asyncio.to_thread(approve_over_api, server, pending[0]["id"])
                        return
                    await asyncio.sleep(0.05)

            approval = asyncio.create_task(approve_soon())
            assert await agovern(client, agent_id="sdk-agent", tool="shell", operation="run",
                                 params={"marker": marker}, run=lambda: "sync-callable") == "sync-callable"
            await approval
            with pytest.raises(errors.ActionPending):
                await agovern(client, agent_id="sdk-agent", tool="shell", operation="run", params={},
                              run=tool, wait_timeout=0.3)

    run(main())


def test_async_stream_events(server: Server) -> None:
    async def main() -> None:
        async with _client(server.url, server) as client:
            action = await client.submit_action("shell", "run", {"cmd": "echo events"})
            after = str((await client.get_events(action["id"]))[-1]["seq"])
            await asyncio.to_thread(approve_over_api, server, action["id"])
            got: list = []
            await client.stream_events(got.append, event_types=["approved"], stop_after=1, timeout=10,
                                       action_id=action["id"], last_event_id=after)
            assert [f["type"] for f in got] == ["action.approved"]
            with pytest.raises(errors.FarameshTimeoutError):
                await client.stream_events(got.append, action_id=action["id"], timeout=0.3)

    run(main())


def test_async_wait_falls_back_to_polling_without_a_stream(server: Server) -> None:
    async def main() -> None:
        proxy = Proxy(server.url, lambda req, i: "404" if req.path.startswith("/v1/events") else "forward")
        try:
            async with _client(proxy.url, server) as client:
                action = await client.submit_action("shell", "run", {"cmd": "echo async-poll"})
                decider = threading.Thread(target=lambda: (time.sleep(0.5), approve_over_api(server, action["id"])))
                decider.start()
                decided = await client.wait_for_decision(action["id"], timeout=30, poll_interval=0.2)
                decider.join()
                assert decided["status"] == "approved"
                assert proxy.count("GET", "/v1/events") == 1
                assert proxy.count("GET", f"/v1/actions/{action['id']}") >= 3
        finally:
            proxy.close()

    run(main())


def test_async_broken_stream_is_resumed(server: Server) -> None:
    async def main() -> None:
        streams = {"n": 0}

        def rule(req, i):
            if req.path.startswith("/v1/events"):
                streams["n"] += 1
                return "drop" if streams["n"] == 1 else "forward"
            return "forward"

        proxy = Proxy(server.url, rule)
        try:
            async with _client(proxy.url, server) as client:
                action = await client.submit_action("shell", "run", {"cmd": "echo async-resume"})
                decider = threading.Thread(target=lambda: (time.sleep(0.5), approve_over_api(server, action["id"])))
                decider.start()
                assert (await client.wait_for_decision(action["id"], timeout=30))["status"] == "approved"
                decider.join()
                requests = [r for r in proxy.requests if r.path.startswith("/v1/events")]
                assert len(requests) >= 2
                assert requests[0].headers["last-event-id"] == requests[1].headers["last-event-id"]
        finally:
            proxy.close()

    run(main())


def test_async_concurrent_calls_on_one_client(server: Server) -> None:
    async def main() -> None:
        marker = unique("gather")
        async with _client(server.url, server) as client:
            async def one(i: int) -> str:
                action = await client.submit_action("http", "get", {"url": f"https://{marker}/{i}"})
                await client.start_action(action["id"])
                return (await client.report_result(action["id"], True))["status"]

            statuses = await asyncio.gather(*(one(i) for i in range(60)))
            assert statuses == ["succeeded"] * 60
            listed = [a for a in await client.list_actions(limit=1000, agent_id="sdk-agent")
                      if str(a["params"].get("url", "")).startswith(f"https://{marker}/")]
            assert len(listed) == 60

    run(main())
