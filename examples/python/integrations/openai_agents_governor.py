"""OpenAI Agents SDK: FarameshGovernor (needs_approval + tool input guardrail + audit).

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named openai-agents-agent> python openai_agents_governor.py

Uses the SDK's ScriptedModel (no API key): get_weather runs, delete_database is rejected by the
guardrail with the policy's reason. Interruptions (calls pending approval) are resolved from
Faramesh with gov.resolve().
"""

import asyncio
import uuid

from agents import Agent, Runner, function_tool
from agents.testing import ScriptedModel, assistant_message, function_call

from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.openai_agents import FarameshGovernor


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


@function_tool
def delete_database(name: str) -> str:
    """Drop a database."""
    return f"dropped {name}"


async def main() -> None:
    run = uuid.uuid4().hex[:8]
    model = ScriptedModel([[function_call("get_weather", {"city": "Paris"}, call_id=f"w_{run}"),
                            function_call("delete_database", {"name": "prod"}, call_id=f"d_{run}")],
                           [assistant_message("done")]])
    async with AsyncExecutionGovernorClient() as client:
        gov = FarameshGovernor(client, agent_id="openai-agents-agent")
        agent = Agent(name="ops", model=model, tools=[gov.govern(get_weather), gov.govern(delete_database)])
        result = await Runner.run(agent, "weather in Paris, then drop prod")
        while result.interruptions:  # waits for the humans' decisions in Faramesh
            result = await Runner.run(agent, await gov.resolve(result))
    for item in model.last_call.input:
        if isinstance(item, dict) and item.get("type") == "function_call_output":
            print(f"{item['call_id']}: {item['output']}")
    print("final:", result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
