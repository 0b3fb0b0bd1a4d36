"""The seed README's LangChain example (examples/python/langchain_governed_tool.py) runs unchanged
against the test server: the only change at run time is that the seed's fixed address
http://127.0.0.1:8000 is pointed at the server under test (the tests may use only their own
loopback ports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import BASE, TOKENS, Approver

EXAMPLE = Path(__file__).resolve().parents[3] / "examples/python/langchain_governed_tool.py"
AGENT = "my-langchain-agent"

RUNNER = r"""
import json, runpy, sys
import faramesh.sdk.client as sdk_client

SEED_URL, TEST_URL = "http://127.0.0.1:8000", sys.argv[2]
Base = sdk_client.ExecutionGovernorClient

class Redirected(Base):
    def __init__(self, base_url=None, *args, **kwargs):
        super().__init__(TEST_URL if base_url == SEED_URL else base_url, *args, **kwargs)

sdk_client.ExecutionGovernorClient = Redirected
g = runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"result": g["result"]}))
"""


def run_example(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "FARAMESH_TOKEN": TOKENS[AGENT]}
    return subprocess.run([sys.executable, "-c", RUNNER, str(EXAMPLE), BASE], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_seed_langchain_example_runs_governed(approver: Approver, tmp_path: Path) -> None:
    (tmp_path / "marker-file.txt").write_text("x")
    out = run_example(tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])["result"]
    assert "marker-file.txt" in result  # `ls -la` really ran, in the working directory
    [action] = approver.actions(AGENT, "terminal")
    assert (action["operation"], action["params"]) == ("invoke", {"input": "ls -la"})
    assert approver.events(action["id"]) == ["created", "decision_made", "started", "succeeded"]
