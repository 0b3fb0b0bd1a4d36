"""Every metric the dashboard and the rules read is one that the live replicas export after some traffic."""

from __future__ import annotations

import json
import re
from typing import Set

import requests
import yaml

from support import pods
from support.chart import REPO
from support.promql import dashboard_expressions, metric_names, rule_expressions
from support.stack import EventStream, Stack, post, submit

# Made by Prometheus itself for every scrape target, never by an exporter.
PROMETHEUS_SYNTHETIC = {"up"}


def traffic(stack: Stack) -> None:
    """Submits, approves, denies, starts, reports, decides, streams: every code path with a metric."""
    first, second = stack.replicas
    for replica in stack.replicas:
        pods.wait_for(replica, f"{replica.url}/ready")
    agent = stack.token("metrics-agent", "agent")
    approver = stack.token("metrics-approver", "approver")
    stream = EventStream(second.url, stack.admin_token)
    try:
        allowed = submit(first.url, agent, "metrics-agent", "http", "get", {"url": "https://example.com/m"})
        assert allowed["status"] == "allowed"
        assert post(first.url, f"/v1/actions/{allowed['id']}/start", agent, {}).status_code == 200
        assert post(second.url, f"/v1/actions/{allowed['id']}/result", agent, {"success": True}).status_code == 200
        denied = submit(second.url, agent, "metrics-agent", "stripe", "refund", {"amount": 10})
        assert denied["status"] == "denied"
        for approve in (True, False):
            pending = submit(first.url, agent, "metrics-agent", "shell", "exec", {"cmd": "ls"})
            assert pending["status"] == "pending_approval"
            seen = requests.get(f"{second.url}/v1/actions/{pending['id']}", headers={"Authorization": f"Bearer {approver}"},
                                timeout=5).json()
            decided = post(second.url, f"/v1/actions/{pending['id']}/approval", approver,
                           {"token": seen["approval_token"], "approve": approve, "reason": "metrics test"})
            assert decided.status_code == 200, decided.text
        gate = post(first.url, "/v1/gate/decide", agent, {"agent_id": "metrics-agent", "tool": "http", "operation": "get",
                                                          "params": {"url": "https://example.com"}})
        assert gate.status_code == 200, gate.text
        assert requests.get(f"{first.url}/v1/actions/not-an-id", headers={"Authorization": f"Bearer {agent}"},
                            timeout=5).status_code in (400, 404)
        stream.wait_for_action(denied["id"])
    finally:
        stream.close()


def exported(stack: Stack) -> Set[str]:
    names: Set[str] = set()
    for replica in stack.replicas:
        # Scraped as the ServiceMonitor does: with the chart's metrics token.
        response = requests.get(f"{replica.url}/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}, timeout=10)
        assert response.status_code == 200
        for line in response.text.splitlines():
            if line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_dashboard_and_rule_metrics_are_exported(stack: Stack) -> None:
    traffic(stack)
    names = exported(stack)
    dashboard = json.loads((REPO / "deploy" / "grafana" / "faramesh.json").read_text(encoding="utf-8"))
    rules = yaml.safe_load((REPO / "deploy" / "prometheus" / "rules.yaml").read_text(encoding="utf-8"))
    used = metric_names(dashboard_expressions(dashboard)) | metric_names(rule_expressions(rules))
    assert len(used) >= 20
    missing = sorted(used - names - PROMETHEUS_SYNTHETIC)
    assert missing == [], f"not exported by a live server: {missing}"
    # The traffic really moved the counters the panels chart.
    assert any(n.startswith("faramesh_approval_wait_seconds_bucket") for n in names)
    assert used & PROMETHEUS_SYNTHETIC == {"up"}
