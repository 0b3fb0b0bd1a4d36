"""The README's screenshot, taken from a fresh server with a realistic queue (regenerate with
scripts/test-ui.sh BIN -k screenshot; copy .ui-test-output/web-ui.png to docs/images/)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import server as faramesh
from page import Console


@pytest.fixture
def fresh() -> Iterator[faramesh.Server]:
    running = faramesh.start(os.environ["FARAMESH_BIN"])
    try:
        yield running
    finally:
        running.stop()


def test_readme_screenshot(fresh: faramesh.Server, browser, shots: Path) -> None:
    admin = fresh.admin

    def submit(agent: str, tool: str, op: str, params: dict, context: dict | None = None) -> dict:
        body = {"agent_id": agent, "tool": tool, "operation": op, "params": params, "context": context or {}}
        return fresh.request("POST", "/v1/actions", admin, body)

    submit("research-agent", "http", "get", {"url": "https://api.github.com/repos/faramesh/faramesh-core"})
    approved = submit("deploy-agent", "shell", "run", {"cmd": "kubectl rollout restart deploy/web"})
    fresh.decide(approved["id"], "ui-approver-2", True, "Expected change")
    denied = submit("deploy-agent", "shell", "run", {"cmd": "terraform destroy -auto-approve"})
    fresh.decide(denied["id"], "ui-approver-2", False, "Wrong environment")
    submit("billing-bot", "stripe", "refund", {"charge": "ch_3Q", "amount": 12000})
    submit("demo-agent", "shell", "run", {"cmd": "cat /var/log/app.log | tail -50"}, {"demo": True})
    submit("ops-agent", "shell", "run", {"cmd": "systemctl restart nginx", "host": "web-2"})
    risky = submit("ops-agent", "shell", "run", {"cmd": "rm -rf /var/cache/app/*", "host": "web-1"},
                   {"ticket": "OPS-1432", "requested_by": "nightly-cleanup"})
    assert risky["risk_level"] == "high"

    browser.set_window_size(1760, 1000)
    page = Console(browser, fresh.base)
    page.sign_in(fresh.tokens["ui-approver"])
    row = page.row(risky["id"])
    assert "risk-high" in row.get_attribute("class")
    assert "demo" in page.css('tr.row:has(.pill.demo)').text
    page.open_drawer(risky["id"])
    page.wait(lambda d: page.css("[data-chain]").get_attribute("data-chain") == "ok")
    browser.execute_script("document.activeElement.blur()")
    browser.save_screenshot(str(shots / "web-ui.png"))
