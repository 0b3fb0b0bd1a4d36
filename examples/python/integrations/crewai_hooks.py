"""CrewAI: FarameshHooks (PRE_TOOL_CALL / POST_TOOL_CALL).

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named crewai-agent> python crewai_hooks.py

A scripted BaseLLM (no API key) asks for delete_database; the PRE hook raises HookAborted with
the policy's reason, the POST hook hands that reason to the model instead of CrewAI's generic
"blocked" text.
"""

import json
from typing import Any, List

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai.tools import tool

from faramesh.integrations.crewai import FarameshHooks
from faramesh.sdk.client import ExecutionGovernorClient


class ScriptedLLM(BaseLLM):
    script: List[str] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        if self.script:
            return self.script.pop(0)
        observation = json.dumps(messages, default=str).split("Observation: ")[-1][:300]
        return f"Thought: I now know the final answer\nFinal Answer: the tool said: {observation}"

    def supports_function_calling(self) -> bool:
        return False


@tool("delete_database")
def delete_database(name: str) -> str:
    """Drop a database."""
    return f"dropped {name}"


if __name__ == "__main__":
    llm = ScriptedLLM(model="scripted", script=[
        'Thought: drop it.\nAction: delete_database\nAction Input: {"name": "prod"}'])
    agent = Agent(role="ops", goal="run ops tasks", backstory="an ops bot", llm=llm, tools=[delete_database],
                  max_iter=2)
    task = Task(description="Drop the prod database", expected_output="what happened", agent=agent)
    with ExecutionGovernorClient() as client, FarameshHooks(client, agent_id="crewai-agent"):
        print(Crew(agents=[agent], tasks=[task]).kickoff())
