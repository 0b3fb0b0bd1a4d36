"""One process of the CrewAI checkpoint-resume test (test_crewai.py): a crew whose task calls
get_weather, governed by FarameshHooks with the default key (no key_fn).

    python crewai_checkpoint_run.py run1 CHECKPOINT_DIR CITY   # tool runs, then the process dies
    python crewai_checkpoint_run.py run2 CHECKPOINT_DIR CITY   # Crew.from_checkpoint + kickoff()

Environment: FARAMESH_BASE_URL, FARAMESH_TOKEN (agent token "crewai-agent"), RAN_LOG (a file the
tool appends one line to per real run). run1 checkpoints on ``task_started`` and exits with
status 3 (``os._exit``, no clean-up) on the model's second call, after the tool ran. run2 restores
the crew with its ids from that checkpoint and kicks off again: CrewAI re-runs the started task
from its first step, so the model asks for the same call again. run2 prints the tool result the
model was shown on its last call, as ``SEEN: ...``.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from typing import Any, List

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai.state.checkpoint_config import CheckpointConfig
from crewai.tools import BaseTool

from faramesh.integrations.crewai import FarameshHooks
from faramesh.sdk.client import ExecutionGovernorClient

AGENT = "crewai-agent"


class ScriptedLLM(BaseLLM):
    """Answers with the given ReAct-format texts in order and records every prompt it saw (also
    used by test_crewai.py). An exception in the script is raised (a provider error: CrewAI
    retries the task, ``Agent.max_retry_limit``); ``CRASH`` kills the process."""

    script: List[Any] = []
    seen: List[str] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        self.seen.append(json.dumps(messages, default=str))
        step = self.script.pop(0) if self.script else "Thought: I now know the final answer\nFinal Answer: done"
        if isinstance(step, BaseException):
            raise step
        if step == "CRASH":
            os._exit(3)
        return step

    def supports_function_calling(self) -> bool:
        return False


class GetWeather(BaseTool):
    """A class tool: CrewAI checkpoints can serialise it (a ``@tool`` function cannot)."""

    name: str = "get_weather"
    description: str = "Current weather for a city."

    def _run(self, city: str) -> str:
        with open(os.environ["RAN_LOG"], "a", encoding="utf-8") as fh:
            fh.write(f"get_weather:{city}\n")
        return f"sunny in {city}"


def react(tool_name: str, args: dict) -> str:
    return f"Thought: I need the tool.\nAction: {tool_name}\nAction Input: {json.dumps(args)}"


def main(mode: str, directory: str, city: str) -> None:
    call = react("get_weather", {"city": city})
    with ExecutionGovernorClient() as client, FarameshHooks(client, agent_id=AGENT):
        if mode == "run1":
            llm = ScriptedLLM(model="scripted", script=[call, "CRASH"], seen=[])
            agent = Agent(role="ops", goal="do ops", backstory="an ops bot", llm=llm, tools=[GetWeather()],
                          allow_delegation=False, max_iter=3, verbose=False)
            task = Task(description="Weather report", expected_output="a short answer", agent=agent)
            crew = Crew(agents=[agent], tasks=[task], verbose=False,
                        checkpoint=CheckpointConfig(location=directory, on_events=["task_started"]))
            crew.kickoff()
            raise SystemExit("run1 was meant to die before the task finished")
        files = [f for f in glob.glob(os.path.join(directory, "**", "*.json"), recursive=True)]
        crew = Crew.from_checkpoint(CheckpointConfig(restore_from=max(files, key=os.path.getmtime)))
        # Checkpoints carry no live LLM: the app re-attaches its model (the same script again).
        llm = ScriptedLLM(model="scripted", script=[call], seen=[])
        crew.agents[0].llm = llm
        crew.agents[0].tools = [GetWeather()]
        out = crew.kickoff()
        print(f"OUTPUT: {out}")
        print("SEEN: " + llm.seen[-1].split("Observation:")[-1][:400])


if __name__ == "__main__":
    main(*sys.argv[1:4])
