"""A small MCP server for the gateway tests, for the `mcp` package 1.x (FastMCP) and 2.x (MCPServer).

Tools: read_file (read-only), delete_file (destructive), echo (read-only), drop_table
(destructive, denied by the test policy), fail (returns isError), and slow (sleeps; the tests kill
the server during it).
Every executed tool call is appended to the JSON-lines file named by MCP_TEST_LOG, so a test can
prove that a call never reached the server.

Usage: python mcp_test_server.py stdio | python mcp_test_server.py http PORT
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from mcp.types import ToolAnnotations

try:  # mcp 2.x
    from mcp.server.mcpserver import MCPServer as _Server

    MAJOR = 2
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as _Server

    MAJOR = 1

server: Any = _Server("faramesh-test-server")

READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)
DESTRUCTIVE = ToolAnnotations(readOnlyHint=False, destructiveHint=True, idempotentHint=False, openWorldHint=False)


def _record(tool: str, arguments: dict[str, Any]) -> None:
    path = os.environ.get("MCP_TEST_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"tool": tool, "arguments": arguments, "pid": os.getpid()}) + "\n")


@server.tool(annotations=READ_ONLY)
def read_file(path: str) -> str:
    """Return the (pretend) contents of a file."""
    _record("read_file", {"path": path})
    return f"contents of {path}"


@server.tool(annotations=DESTRUCTIVE)
def delete_file(path: str) -> str:
    """Delete a (pretend) file."""
    _record("delete_file", {"path": path})
    return f"deleted {path}"


@server.tool(annotations=READ_ONLY)
def echo(text: str) -> str:
    """Echo the text back."""
    _record("echo", {"text": text})
    return text


@server.tool(annotations=DESTRUCTIVE)
def drop_table(table: str) -> str:
    """Drop a (pretend) table."""
    _record("drop_table", {"table": table})
    return f"dropped {table}"


@server.tool(annotations=READ_ONLY)
def fail(message: str) -> str:
    """Always fails (the result has isError)."""
    _record("fail", {"message": message})
    raise ValueError(message)


@server.tool(annotations=READ_ONLY)
def slow(seconds: float) -> str:
    """Sleep, then answer (the tests kill the server meanwhile)."""
    _record("slow", {"seconds": seconds})
    time.sleep(seconds)
    return "slept"


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    # The gateway passes the server's stderr through; the tests look for this line.
    print(f"mcp-test-server: started pid={os.getpid()} mode={mode} mcp={MAJOR}.x", file=sys.stderr, flush=True)
    if mode == "stdio":
        server.run("stdio")
    elif mode == "http":
        port = int(sys.argv[2])
        if MAJOR == 2:
            server.run("streamable-http", host="127.0.0.1", port=port)
        else:
            server.settings.host = "127.0.0.1"
            server.settings.port = port
            server.run("streamable-http")
    else:
        raise SystemExit(f"unknown mode {mode!r}: use stdio or http PORT")


if __name__ == "__main__":
    main()
