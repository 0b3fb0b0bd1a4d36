"""promtool check/test rules, every alert unit-tested, every dashboard and rule expression parses."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Dict, List, Set

import yaml

from support.chart import CHART, REPO
from support.promql import dashboard_expressions, metric_names, rule_expressions

RULES = REPO / "deploy" / "prometheus" / "rules.yaml"
RULE_TESTS = REPO / "deploy" / "prometheus" / "rules.test.yaml"
DASHBOARD = REPO / "deploy" / "grafana" / "faramesh.json"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_test_rules() -> None:
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules_can_fail(tmp_path: Path) -> None:
    """A raised threshold makes the unit tests fail: they assert the alerts, not just run them."""
    rules = RULES.read_text(encoding="utf-8").replace("max by (namespace) (faramesh_pending_approvals) > 50",
                                                      "max by (namespace) (faramesh_pending_approvals) > 500")
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "rules.test.yaml").write_text(RULE_TESTS.read_text(encoding="utf-8"), encoding="utf-8")
    result = promtool("test", "rules", str(tmp_path / "rules.test.yaml"))
    assert result.returncode != 0 and "FarameshApprovalsPilingUp" in result.stdout + result.stderr


def alerts() -> List[str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule]


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    firing: Set[str] = set()
    quiet: Set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = alerts()
    assert len(names) >= 9
    assert set(names) == firing, set(names) ^ firing
    assert set(names) == quiet, set(names) ^ quiet


def test_the_issue_alerts_exist() -> None:
    expected = {"FarameshReplicaDown", "FarameshNoActiveSealer", "FarameshLedgerSealLagHigh", "FarameshApprovalsPilingUp",
                "FarameshApprovalsWaitingTooLong", "FarameshHigh5xxRate", "FarameshEventListenerDisconnected",
                "FarameshPolicyReloadFailing", "FarameshDatabasePoolSaturated"}
    assert expected <= set(alerts())


def test_every_dashboard_expression_parses(tmp_path: Path) -> None:
    """promtool parses PromQL while checking rules: each panel query becomes a recording rule."""
    expressions = dashboard_expressions(json.loads(DASHBOARD.read_text(encoding="utf-8")))
    assert len(expressions) >= 25
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:panel_{index}", "expr": expr} for index, expr in enumerate(expressions)]}]}
    path = tmp_path / "dashboard-rules.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    broken = {"groups": [{"name": "x", "rules": [{"record": "x:y", "expr": "sum by (le (rate(faramesh_x[5m]))"}]}]}
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    assert promtool("check", "rules", str(path)).returncode != 0


def test_dashboard_covers_the_issue_panels_and_variables() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    titles = " | ".join(p["title"] for p in dashboard["panels"]).lower()
    for words in ["decisions/s by outcome and reason", "decision latency p50 / p99", "submits/s", "http error rate by route",
                  "pending approvals", "approval wait", "expired approvals", "sse clients", "event delivery lag",
                  "listener connected", "db operations in flight vs pool size", "seal lag", "active sealer",
                  "executions", "policy reload failures"]:
        assert words in titles, words
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert {"datasource", "namespace", "pod"} <= variables
    for expr in (t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])):
        if "faramesh_" in expr:
            assert 'namespace=~"$namespace"' in expr and 'pod=~"$pod"' in expr, expr
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_chart_copies_are_deploy_files() -> None:
    assert (CHART / "files" / "prometheus-rules.yaml").read_text(encoding="utf-8") == RULES.read_text(encoding="utf-8")
    assert (CHART / "files" / "grafana-dashboard.json").read_text(encoding="utf-8") == DASHBOARD.read_text(encoding="utf-8")


def test_metric_names_are_extracted() -> None:
    names = metric_names(['sum by (le) (rate(faramesh_a_bucket{x="1"}[5m])) / namespace:faramesh_b:rate5m', "up{job=~\".*faramesh.*\"} == 0"])
    assert names == {"faramesh_a_bucket", "up"}


def used_metric_names() -> Dict[str, Set[str]]:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return {"rules": metric_names(rule_expressions(rules)), "dashboard": metric_names(dashboard_expressions(dashboard))}


def test_recording_rules_used_are_defined() -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    defined = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
    used: Set[str] = set()
    for expr in rule_expressions(rules):
        used |= set(re.findall(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", expr))
    assert used and used <= defined
