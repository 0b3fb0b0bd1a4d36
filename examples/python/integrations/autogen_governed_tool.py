"""AutoGen 0.7: governed tools for an AssistantAgent.

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named autogen-agent> python autogen_governed_tool.py

The model client is AutoGen's ReplayChatCompletionClient (no API key): one call to
delete_database, which Faramesh denies; the model gets the reason as an error result.
"""

import asyncio
import json
import uuid

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import ToolCallExecutionEvent
from autogen_core import FunctionCall
from autogen_core.models import CreateResult, ModelInfo, RequestUsage
from autogen_core.tools import FunctionTool
from autogen_ext.models.replay import ReplayChatCompletionClient

from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.autogen import govern_tools


def delete_database(name: str) -> str:
    """Drop a database."""
    return f"dropped {name}"


async def main() -> None:
    model = ReplayChatCompletionClient([
        CreateResult(finish_reason="function_calls", cached=False, usage=RequestUsage(prompt_tokens=0, completion_tokens=0),
                     content=[FunctionCall(id=f"call_{uuid.uuid4().hex[:8]}", name="delete_database",
                                           arguments=json.dumps({"name": "prod"}))]),
        "understood, not dropping it",
    ], model_info=ModelInfo(vision=False, function_calling=True, json_output=False, family="unknown",
                            structured_output=False))
    async with AsyncExecutionGovernorClient() as client:
        tools = govern_tools([FunctionTool(delete_database, description="Drop a database")], client=client,
                             agent_id="autogen-agent")
        agent = AssistantAgent("ops", model_client=model, tools=tools, reflect_on_tool_use=True)
        result = await agent.run(task="drop prod")
    for message in result.messages:
        if isinstance(message, ToolCallExecutionEvent):
            for r in message.content:
                print(f"{r.name}: error={r.is_error} {r.content}")
    print("final:", result.messages[-1].content)


if __name__ == "__main__":
    asyncio.run(main())
