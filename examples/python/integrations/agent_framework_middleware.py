"""Microsoft Agent Framework: FarameshFunctionMiddleware on an Agent.

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named agent-framework-agent> python agent_framework_middleware.py

The chat client is scripted (a BaseChatClient with the framework's FunctionInvocationLayer, no
API key): one get_weather call, then an answer quoting the function result.
"""

import asyncio
import json
import uuid
from typing import Any

from agent_framework import Agent, BaseChatClient, ChatResponse, Content, FunctionInvocationLayer, Message, tool

from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.agent_framework import FarameshFunctionMiddleware


class ScriptedChatClient(FunctionInvocationLayer, BaseChatClient):
    async def _respond(self, messages: Any) -> ChatResponse:
        results = [c for m in messages for c in (m.contents or []) if getattr(c, "type", None) == "function_result"]
        if results:
            return ChatResponse(messages=[Message(role="assistant", contents=[f"Tool said: {results[-1].result}"])])
        call = Content.from_function_call(f"call_{uuid.uuid4().hex[:8]}", "get_weather",
                                          arguments=json.dumps({"city": "Paris"}))
        return ChatResponse(messages=[Message(role="assistant", contents=[call])])

    def _inner_get_response(self, *, messages: Any, stream: bool, options: Any, **kwargs: Any) -> Any:
        return self._respond(messages)


@tool(approval_mode="never_require")
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


async def main() -> None:
    async with AsyncExecutionGovernorClient() as client:
        agent = Agent(client=ScriptedChatClient(), tools=[get_weather],
                      middleware=[FarameshFunctionMiddleware(client, agent_id="agent-framework-agent")])
        print((await agent.run("weather in Paris?")).text)


if __name__ == "__main__":
    asyncio.run(main())
