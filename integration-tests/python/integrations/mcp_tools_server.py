"""A real MCP server over stdio for the client-side tests: the three test tools, each appending
to the log file given as argv[1] when it really runs."""

import sys

from mcp.server.mcpserver import MCPServer

LOG = sys.argv[1]
server = MCPServer("faramesh-test-tools")


def _ran(line: str) -> None:
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


@server.tool()
def get_weather(city: str) -> str:
    """Current weather for a city."""
    _ran(f"get_weather:{city}")
    return f"sunny in {city}"


@server.tool()
def delete_database(name: str) -> str:
    """Drop a database."""
    _ran(f"delete_database:{name}")
    return "dropped"


@server.tool()
def send_email(to: str, body: str) -> str:
    """Send an email."""
    _ran(f"send_email:{to}")
    return f"sent to {to}"


@server.tool()
def get_forecast(city: str) -> str:
    """Forecast for a city (always fails here)."""
    _ran(f"get_forecast:{city}")
    raise RuntimeError("forecast service down")


if __name__ == "__main__":
    server.run("stdio")
