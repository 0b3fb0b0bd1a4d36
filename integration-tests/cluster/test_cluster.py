"""Live updates and exactly-once transitions across 3 replicas behind nginx (scripts/cluster-test.sh)."""
import concurrent.futures
import threading
import time

import pytest

from cluster import (ADMIN_TOKEN, Cluster, EventStream, HeldTransaction, request, submit, wait_until)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(replicas=3)
    c.approver = c.token("cluster-approver", "approver")
    c.agent = c.token("cluster-agent", "agent")
    yield c
    c.close()


def ports(c):
    return [r.port for r in c.replicas]


def head(c):
    """The newest committed seq (every replica has it once settled)."""
    rows = c.pg.sql("SELECT coalesce(max(seq), 0) FROM action_events")
    return int(rows[0])


def frames_for(stream, action_id):
    return [f for f in stream.frames if f[1]["data"]["id"] == action_id]


def test_event_committed_on_one_replica_reaches_clients_on_all(cluster):
    a, b, c = ports(cluster)
    start = head(cluster)
    streams = [EventStream(p, last_event_id=start) for p in (a, b, c, cluster.lb)]
    for s in streams:
        s.start()
    for s in streams:
        assert s.connected.wait(10)
    r = submit(a)
    assert r.status == 200, r.body
    action_id = r.json()["id"]
    for s in streams:
        s.wait_for(2)
        got = frames_for(s, action_id)
        assert [f[1]["type"] for f in got] == ["action.created", "action.decision_made"]
        assert [f[0] for f in got] == [start + 1, start + 2]
        assert got[0][1]["data"]["status"] == "allowed"
        assert got[0][1]["timestamp"].endswith("Z")
        s.close()


def test_resume_on_another_replica_gets_every_later_event_once(cluster):
    a, b, c = ports(cluster)
    start = head(cluster)
    first = EventStream(b, last_event_id=start)
    first.start()
    assert first.connected.wait(10)
    for _ in range(3):
        assert submit(a).status == 200
    first.wait_for(6)
    first.close()
    seen = first.seqs()
    # Events committed while no stream is open, through every replica.
    for p in (a, b, c, a):
        assert submit(p).status == 200
    resumed = EventStream(c, last_event_id=seen[-1])
    resumed.start()
    resumed.wait_for(8)
    time.sleep(1)
    resumed.close()
    combined = seen + resumed.seqs()
    assert combined == list(range(start + 1, start + 15)), combined
    assert cluster.all_seqs()[-14:] == combined


def test_many_tabs_from_one_address_are_all_served(cluster):
    streams = [EventStream(cluster.replicas[0].port) for _ in range(12)]
    for s in streams:
        s.start()
    for s in streams:
        assert s.connected.wait(10), s.error
    assert submit(cluster.lb).status == 200
    for s in streams:
        s.wait_for(2)
        s.close()


def test_stream_auth_and_validation(cluster):
    p = cluster.lb
    assert request(p, "GET", "/v1/events", token=None).status == 401
    bad = request(p, "GET", "/v1/events?status=nope")
    assert bad.status == 422 and bad.json()["code"] == "VALIDATION_ERROR"
    # Agents may stream; frames never carry approval tokens.
    start = head(cluster)
    agent_stream = EventStream(p, token=cluster.agent, last_event_id=start, path="/v1/events?tool=shell")
    agent_stream.start()
    assert agent_stream.connected.wait(10)
    assert submit(p).status == 200                       # http: filtered out
    held = submit(p, tool="shell", operation="run")
    assert held.status == 200
    token = request(p, "GET", f"/v1/actions/{held.json()['id']}").json()["approval_token"]
    assert token
    agent_stream.wait_for(2)
    time.sleep(0.5)
    agent_stream.close()
    assert [f[1]["data"]["tool"] for f in agent_stream.frames] == ["shell", "shell"]
    assert all(token not in str(f[1]) for f in agent_stream.frames)


def test_out_of_order_commit_is_held_back_then_delivered_in_order(cluster):
    a, b, c = ports(cluster)
    first = submit(a).json()["id"]
    second = submit(a).json()["id"]
    wait_until(lambda: all(request(p, "GET", "/ready", token=None).status == 200 for p in (a, b, c)), 10)
    start = head(cluster)
    stream = EventStream(c, last_event_id=start)
    stream.start()
    assert stream.connected.wait(10)
    held = HeldTransaction(cluster.pg, first)            # takes seq start+1, not committed
    assert held.seq == start + 1
    r = request(b, "POST", f"/v1/actions/{second}/start")  # seq start+2, committed and notified
    assert r.status == 200, r.body
    time.sleep(1.0)
    assert stream.seqs() == [], "a later seq was delivered before an earlier one committed"
    held.commit()
    stream.wait_for(2)
    time.sleep(0.5)
    stream.close()
    assert stream.seqs() == [start + 1, start + 2]
    # A rolled-back seq does not stall delivery.
    start = head(cluster)
    stream = EventStream(b, last_event_id=start)
    stream.start()
    held = HeldTransaction(cluster.pg, first)
    r = request(a, "POST", f"/v1/actions/{second}/result", {"success": True})
    assert r.status == 200, r.body
    time.sleep(0.5)
    assert stream.seqs() == []
    held.rollback()
    stream.wait_for(1, timeout=15)
    stream.close()
    assert stream.seqs() == [held.seq + 1]
    cluster.verify_log()


def race(calls):
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        barrier = threading.Barrier(len(calls))

        def run(call):
            barrier.wait()
            return call()
        return list(pool.map(run, calls))


def events(cluster, action_id):
    return request(cluster.lb, "GET", f"/v1/actions/{action_id}/events").json()


def test_fifty_concurrent_decisions_over_three_replicas_have_one_winner(cluster):
    rs = ports(cluster)
    action = submit(cluster.lb, tool="shell", operation="run").json()
    token = request(cluster.lb, "GET", f"/v1/actions/{action['id']}", token=cluster.approver).json()["approval_token"]

    def decide(i):
        body = {"token": token, "approve": i % 2 == 0, "reason": f"call {i}"}
        return lambda: request(rs[i % 3], "POST", f"/v1/actions/{action['id']}/approval", body, token=cluster.approver)
    replies = race([decide(i) for i in range(50)])
    winners = [r for r in replies if r.status == 200]
    assert len(winners) == 1, [r.status for r in replies]
    final = winners[0].json()["status"]
    assert final in ("approved", "denied")
    losers = [r for r in replies if r.status != 200]
    assert all(r.status == 409 for r in losers), {r.status for r in losers}
    assert all(r.json()["current_status"] == final for r in losers)
    timeline = [e["event_type"] for e in events(cluster, action["id"])]
    assert timeline == ["created", "decision_made", final]
    cluster.verify_log()


def test_start_and_result_races_have_one_outcome(cluster):
    rs = ports(cluster)
    action = submit(cluster.lb).json()

    def start(i):
        return lambda: request(rs[i % 3], "POST", f"/v1/actions/{action['id']}/start")

    def result(i):
        return lambda: request(rs[i % 3], "POST", f"/v1/actions/{action['id']}/result", {"success": i % 2 == 0})
    replies = race([start(i) if i % 2 else result(i) for i in range(40)])
    ok = [r for r in replies if r.status == 200]
    assert all(r.status in (200, 409) for r in replies), {r.status for r in replies}
    timeline = [e["event_type"] for e in events(cluster, action["id"])]
    # Exactly one terminal event, at most one start, and one 200 per recorded transition.
    assert timeline[:2] == ["created", "decision_made"]
    assert timeline[-1] in ("succeeded", "failed")
    assert timeline.count("started") <= 1
    assert len(timeline) - 2 == len(ok)
    final = request(cluster.lb, "GET", f"/v1/actions/{action['id']}").json()["status"]
    assert final == timeline[-1]
    cluster.verify_log()


def test_approval_racing_expiry_has_one_decision(cluster):
    rs = ports(cluster)
    outcomes = set()
    for attempt in range(3):
        action = submit(cluster.lb, tool="shell", operation="quick").json()     # expires after 2 s
        token = request(cluster.lb, "GET", f"/v1/actions/{action['id']}", token=cluster.approver).json()["approval_token"]
        time.sleep(1.9 + attempt * 0.05)

        def approve(i):
            return lambda: request(rs[i % 3], "POST", f"/v1/actions/{action['id']}/approval",
                                   {"token": token, "approve": True}, token=cluster.approver)
        replies = race([approve(i) for i in range(30)])
        time.sleep(0.3)
        timeline = [e["event_type"] for e in events(cluster, action["id"])]
        decisions = [t for t in timeline if t in ("approved", "denied", "expired")]
        assert len(decisions) == 1, timeline
        ok = [r for r in replies if r.status == 200]
        assert len(ok) == (1 if decisions[0] == "approved" else 0)
        assert all(r.status in (200, 409) for r in replies)
        outcomes.add(decisions[0])
    cluster.verify_log()
