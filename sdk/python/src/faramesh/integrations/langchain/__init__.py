"""LangChain 1.x: :class:`FarameshMiddleware` for ``create_agent`` and :class:`GovernedTool`
for any ``BaseTool`` (``from faramesh.integrations.langchain.governed_tool import GovernedTool``)."""

from .governed_tool import FarameshToolRefused, GovernedTool
from .middleware import FarameshMiddleware

__all__ = ["FarameshMiddleware", "FarameshToolRefused", "GovernedTool"]
