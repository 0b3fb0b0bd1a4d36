"""LangGraph: a guarded ToolNode whose approvals survive a process restart.

    python langgraph_guarded_tool_node.py start  THREAD CHECKPOINT_DB   # runs until the approval interrupt
    faramesh approve <action id>                                       # a human decides in Faramesh
    python langgraph_guarded_tool_node.py resume THREAD CHECKPOINT_DB   # a new process picks up the thread

Environment: FARAMESH_BASE_URL, FARAMESH_TOKEN (an agent token named "langgraph-agent"). The chat
model is scripted (no API key): it asks to send one email, then answers.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, List, Optional, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Command

from faramesh.integrations.langgraph import guarded_tool_node
from faramesh.sdk.client import ExecutionGovernorClient

AGENT_ID = "langgraph-agent"
SENT_LOG: Optional[str] = None  # where send_email records what it sent (set from argv)


@tool
def send_email(to: str, body: str) -> str:
    """Send an email."""
    if SENT_LOG:
        with open(SENT_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"to": to, "body": body}) + "\n")
    return f"sent to {to}"


class State(TypedDict):
    messages: Annotated[List[AnyMessage], add_messages]


def model(state: State) -> dict:
    """A scripted model: one tool call (its id is stable, so a re-run step reuses it), then an
    answer that quotes the tool's result."""
    last = state["messages"][-1]
    if isinstance(last, ToolMessage):
        return {"messages": [AIMessage(content=f"Tool said: {last.content}")]}
    call = {"name": "send_email", "args": {"to": "ops@example.com", "body": "deploy done"}, "id": "call_email_1",
            "type": "tool_call"}
    return {"messages": [AIMessage(content="", tool_calls=[call])]}


def route(state: State) -> str:
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else END


def build(checkpointer: Any, client: ExecutionGovernorClient) -> Any:
    graph = StateGraph(State)
    graph.add_node("model", model)
    graph.add_node("tools", guarded_tool_node([send_email], client=client, agent_id=AGENT_ID, mode="interrupt",
                                              resume_wait=2.0))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", route, ["tools", END])
    graph.add_edge("tools", "model")
    return graph.compile(checkpointer=checkpointer)


def main(argv: List[str]) -> int:
    global SENT_LOG
    phase, thread_id, db = argv[1], argv[2], argv[3]
    SENT_LOG = argv[4] if len(argv) > 4 else None
    config = {"configurable": {"thread_id": thread_id}}
    with ExecutionGovernorClient() as client, SqliteSaver.from_conn_string(db) as saver:
        app = build(saver, client)
        if phase == "start":
            result = app.invoke({"messages": [("user", "tell ops the deploy is done")]}, config)
        else:
            result = app.invoke(Command(resume={"type": "approve"}), config)
    interrupts = [i.value for i in result.get("__interrupt__", [])]
    print(json.dumps({"interrupts": interrupts, "answer": result["messages"][-1].content}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
