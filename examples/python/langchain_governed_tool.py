# The seed README's "LangChain Integration / Basic Usage" example, as written there, with one
# substitution: `ShellTool` (no longer in `langchain.tools`; it moved to langchain-community) is
# replaced by a LangChain tool of the same name and purpose defined here. Run it against a
# server on http://127.0.0.1:8000 with FARAMESH_TOKEN set to an agent token named
# "my-langchain-agent"; the policy decides whether `ls -la` may run.
import shlex
import subprocess

from langchain_core.tools import Tool


def ShellTool() -> Tool:  # substitution for: from langchain.tools import ShellTool
    """A LangChain tool that runs one command (argv split, no shell) and returns its output."""
    def run(command: str) -> str:
        return subprocess.run(shlex.split(command), capture_output=True, text=True, check=True, timeout=30).stdout
    return Tool(name="terminal", description="Run a command and return its standard output", func=run)


# --- from here on, exactly the seed README ---
from faramesh.sdk.client import ExecutionGovernorClient
from faramesh.integrations.langchain.governed_tool import GovernedTool

# Create Faramesh client
client = ExecutionGovernorClient("http://127.0.0.1:8000")

# Wrap LangChain tool
shell_tool = ShellTool()
governed = GovernedTool(
    tool=shell_tool,
    client=client,
    agent_id="my-langchain-agent"
)

# Use in agent - tool calls are automatically governed
result = governed.run("ls -la")
