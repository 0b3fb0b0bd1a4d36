"""LangChain 1.x: FarameshMiddleware in create_agent.

    FARAMESH_BASE_URL=http://127.0.0.1:8000 FARAMESH_TOKEN=<agent token named langchain-agent> \
        python langchain_agent_middleware.py

The chat model is scripted (no API key): it calls get_weather, then delete_database, then
answers. With integration-tests/python/integrations/policy.yaml the first runs, the second is denied and the
model is told why.
"""

from typing import Any, Sequence

from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool

from faramesh.integrations.langchain import FarameshMiddleware
from faramesh.sdk.client import ExecutionGovernorClient


class ScriptedModel(GenericFakeChatModel):
    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "ScriptedModel":
        return self


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


@tool
def delete_database(name: str) -> str:
    """Drop a database."""
    return f"dropped {name}"


def call(name: str, args: dict, call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


if __name__ == "__main__":
    import uuid

    run = uuid.uuid4().hex[:8]  # tool-call ids are idempotency keys: fresh ones per run
    model = ScriptedModel(messages=iter([call("get_weather", {"city": "Paris"}, f"call_w_{run}"),
                                         call("delete_database", {"name": "prod"}, f"call_d_{run}"),
                                         AIMessage(content="done")]))
    with ExecutionGovernorClient() as client:
        agent = create_agent(model, [get_weather, delete_database],
                             middleware=[FarameshMiddleware(client, agent_id="langchain-agent", mode="wait")])
        result = agent.invoke({"messages": [("user", "weather in Paris, then drop prod")]})
    for message in result["messages"]:
        if isinstance(message, ToolMessage):
            print(f"{message.name}: [{message.status}] {message.content}")
