"""MCP client side: GovernedClientSession around mcp.ClientSession.call_tool.

    FARAMESH_BASE_URL=... FARAMESH_TOKEN=<agent token named mcp-agent> \
        python mcp_governed_session.py PATH/TO/mcp_server.py

Starts the given MCP server over stdio (integration-tests/python/integrations/mcp_tools_server.py works),
calls get_weather (allowed) and delete_database (denied: the server is never called, the
result is an error carrying the policy's reason).
"""

import asyncio
import sys
import tempfile

from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import TextContent

from faramesh.aio import AsyncExecutionGovernorClient
from faramesh.integrations.mcp import GovernedClientSession


async def main(server_script: str) -> None:
    log = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
    params = StdioServerParameters(command=sys.executable, args=[server_script, log])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session, \
            AsyncExecutionGovernorClient() as client:
        await session.initialize()
        governed = GovernedClientSession(session, client, agent_id="mcp-agent", server="example")
        for name, args in [("get_weather", {"city": "Paris"}), ("delete_database", {"name": "prod"})]:
            result = await governed.call_tool(name, args)
            text = " ".join(c.text for c in result.content if isinstance(c, TextContent))
            print(f"{name}: error={result.is_error} {text}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
