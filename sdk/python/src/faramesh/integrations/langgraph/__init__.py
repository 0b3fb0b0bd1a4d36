"""LangGraph: govern every tool call of a ``ToolNode`` (or of ``create_agent`` through
:class:`faramesh.integrations.langchain.FarameshMiddleware`).

``guarded_tool_node(tools, client=..., agent_id=...)`` is a ``langgraph.prebuilt.ToolNode`` whose
``wrap_tool_call`` / ``awrap_tool_call`` run every call through Faramesh. In ``mode="interrupt"``
(the default here) a call that needs approval becomes a LangGraph ``interrupt()``; the graph is
resumed with ``Command(resume={"type": "approve"})`` after a human decided in Faramesh (or
``{"type": "reject", "message": ...}`` to drop the call). The decision is always read from
Faramesh, never from the resume value, so a resume cannot approve anything. With a checkpointer
the interrupted graph survives a process restart: the re-run step re-submits with the same
``Idempotency-Key`` (agent id, thread id and tool-call id) and gets the same action back.
"""

from ._guard import Decision, FarameshApprovalRequest, ToolCallGuard, guarded_tool_node

__all__ = ["Decision", "FarameshApprovalRequest", "ToolCallGuard", "guarded_tool_node"]
