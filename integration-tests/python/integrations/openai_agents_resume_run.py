"""One process of the OpenAI Agents SDK cross-process resume test (test_openai_agents.py).

    python openai_agents_resume_run.py run1 STATE_FILE CALL_ID TO  # runs until the approval interruption
    python openai_agents_resume_run.py run2 STATE_FILE CALL_ID TO  # loads the state, resolves, resumes

Environment: FARAMESH_BASE_URL, FARAMESH_TOKEN (agent token "openai-agents-agent"), RAN_LOG (the
tool appends one line per real run). run1: the scripted model asks for send_email (pending in the
policy), Faramesh's ``needs_approval`` interrupts the run, the state is written with
``result.to_state().to_string()`` and the process exits. run2: ``RunState.from_string``,
``FarameshGovernor.resolve(state)`` (Faramesh's decision), ``Runner.run(agent, state)``; prints
one JSON line: final output, interruptions left, and the tool outputs the model was shown.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, List

from agents import Agent, RunState, Runner, function_tool
from agents.testing import ScriptedModel, assistant_message, function_call

from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.openai_agents import FarameshGovernor

AGENT = "openai-agents-agent"


@function_tool
def send_email(to: str, body: str) -> str:
    """Send an email."""
    with open(os.environ["RAN_LOG"], "a", encoding="utf-8") as fh:
        fh.write(f"send_email:{to}\n")
    return f"sent to {to}"


def tool_outputs(model: ScriptedModel) -> List[str]:
    items = model.last_call.input if model.last_call else []
    return [str(i.get("output")) for i in items if isinstance(i, dict) and i.get("type") == "function_call_output"]


async def main(mode: str, state_file: str, call_id: str, to: str) -> None:
    async with AsyncExecutionGovernorClient() as client:
        gov = FarameshGovernor(client, agent_id=AGENT, wait_timeout=30)
        if mode == "run1":
            model = ScriptedModel([[function_call("send_email", {"to": to, "body": "hi"}, call_id=call_id)]])
            agent = Agent(name="ops", model=model, tools=[gov.govern(send_email)])
            result = await Runner.run(agent, f"mail {to}")
            assert [i.raw_item.call_id for i in result.interruptions] == [call_id], result.interruptions
            with open(state_file, "w", encoding="utf-8") as fh:
                fh.write(result.to_state().to_string())
            print(json.dumps({"interrupted": call_id}))
            return
        # A new process: the same agent definition, a model that answers the next turn.
        model = ScriptedModel([[assistant_message("done")]])
        agent = Agent(name="ops", model=model, tools=[gov.govern(send_email)])
        with open(state_file, encoding="utf-8") as fh:
            state: Any = await RunState.from_string(agent, fh.read())
        state = await gov.resolve(state)
        result = await Runner.run(agent, state)
        print(json.dumps({"final_output": result.final_output, "interruptions": len(result.interruptions),
                          "tool_outputs": tool_outputs(model)}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
