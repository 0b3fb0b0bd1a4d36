"""PromQL expressions of the dashboard and the rules, and the metric names they read."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Set

# Grafana's variables, replaced by what they stand for before promtool parses the query.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}

# A metric name: not part of a recording rule name (a:b:c), a label name, a function or a keyword.
_NAME = re.compile(r"(?<![\w:])([a-zA-Z_][a-zA-Z0-9_]*)(?![\w:])\s*(\{|\[|\s|\)|$|==|>|<|/|\*|\+|-)")
_NOT_METRICS = {
    "sum", "rate", "increase", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "and", "or", "unless",
    "histogram_quantile", "label_values", "deriv", "abs", "absent", "clamp_min", "clamp_max", "topk", "bottomk",
    "group_left", "group_right", "bool", "offset", "max_over_time", "min_over_time", "avg_over_time", "irate", "delta",
    "le", "namespace", "pod", "route", "outcome", "reason_code", "status", "result", "reason", "job", "instance",
}


def dashboard_expressions(dashboard: Dict[str, Any]) -> List[str]:
    """Every panel target's expression, with Grafana variables substituted."""
    expressions: List[str] = []

    def walk(panels: Iterable[Dict[str, Any]]) -> None:
        for panel in panels:
            walk(panel.get("panels", []))
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                expressions.append(expr.replace("$namespace", ".*").replace("$pod", ".*"))

    walk(dashboard["panels"])
    return expressions


def rule_expressions(rules: Dict[str, Any]) -> List[str]:
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def metric_names(expressions: Iterable[str]) -> Set[str]:
    names: Set[str] = set()
    for expr in expressions:
        without_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
        without_matchers = re.sub(r"\{[^}]*\}", "{}", without_strings)
        without_ranges = re.sub(r"\[[^\]]*\]", "[]", without_matchers)
        for match in _NAME.finditer(without_ranges):
            name = match.group(1)
            if name in _NOT_METRICS or re.fullmatch(r"\d+\w*", name):
                continue
            names.add(name)
    return names
