"""LlamaIndex: governed tools in a FunctionAgent.

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named llamaindex-agent> python llamaindex_governed_tool.py

The LLM is LlamaIndex's MockFunctionCallingLLM with a scripted response generator (no API key).
Use governed_tool(..., approvals="events") to surface approvals as workflow events instead of
blocking (see docs/integrations.md).
"""

import asyncio
from typing import Any, Sequence

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

from faramesh.integrations.llamaindex import governed_tool
from faramesh.sdk.client import ExecutionGovernorClient


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


def script(messages: Sequence[ChatMessage], **kwargs: Any) -> ChatMessage:
    if messages and messages[-1].role == MessageRole.TOOL:
        return ChatMessage(role="assistant", content=f"Tool said: {messages[-1].content}")
    return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id="c1", tool_name="get_weather",
                                                               tool_kwargs={"city": "Paris"})])


async def main() -> None:
    with ExecutionGovernorClient() as client:
        tools = [governed_tool(FunctionTool.from_defaults(get_weather), client=client, agent_id="llamaindex-agent")]
        agent = FunctionAgent(tools=tools, llm=MockFunctionCallingLLM(response_generator=script, is_chat_model=True))
        print(await agent.run(user_msg="weather in Paris?"))


if __name__ == "__main__":
    asyncio.run(main())
