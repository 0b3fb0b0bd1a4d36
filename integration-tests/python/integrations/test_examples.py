"""Every per-framework example under examples/python/integrations runs against the test server
(as a user would run it: FARAMESH_BASE_URL / FARAMESH_TOKEN in the environment) and prints the
governed outcome. The LangGraph example is run by test_langgraph.py, CrewAI's by test_crewai.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import BASE, TOKENS

EXAMPLES = Path(__file__).resolve().parents[3] / "examples/python/integrations"


def run_example(name: str, agent_id: str, *args: str) -> str:
    env = {**os.environ, "FARAMESH_BASE_URL": BASE, "FARAMESH_TOKEN": TOKENS[agent_id]}
    out = subprocess.run([sys.executable, str(EXAMPLES / name), *args], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


CASES: List[tuple] = [
    ("langchain_agent_middleware.py", "langchain-agent", (),
     ["get_weather: [success] sunny in Paris", "delete_database: [error]", "never allowed for agents"]),
    ("openai_agents_governor.py", "openai-agents-agent", (),
     ["sunny in Paris", "Deleting databases is never allowed for agents", "final: done"]),
    ("llamaindex_governed_tool.py", "llamaindex-agent", (), ["Tool said: sunny in Paris"]),
    ("autogen_governed_tool.py", "autogen-agent", (),
     ["delete_database: error=True", "never allowed for agents", "final: understood, not dropping it"]),
    ("agent_framework_middleware.py", "agent-framework-agent", (), ["Tool said: sunny in Paris"]),
    ("mcp_governed_session.py", "mcp-agent", (str(Path(__file__).with_name("mcp_tools_server.py")),),
     ["get_weather: error=False sunny in Paris", "delete_database: error=True", "never allowed for agents"]),
]


@pytest.mark.parametrize("name,agent_id,args,expected", CASES, ids=[c[0] for c in CASES])
def test_example_runs(name: str, agent_id: str, args: tuple, expected: List[str]) -> None:
    stdout = run_example(name, agent_id, *args)
    for fragment in expected:
        assert fragment in stdout, stdout
