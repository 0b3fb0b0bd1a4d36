"""A minimal stdio MCP server for the gateway benchmark: answers at once, so the measured time
is the proxy's, not an SDK's. Raw JSON-RPC, standard library only; read-only tools `echo` and
`garbage` (which answers with a line that is not JSON-RPC, as a broken server would)."""

import json
import sys

TOOLS = {"tools": [{"name": "echo", "description": "Echo the text back.",
                    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
                    "annotations": {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True,
                                    "openWorldHint": False}},
                   {"name": "garbage", "description": "Answer with a line that is not JSON.",
                    "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": True}}]}


def answer(request):
    method = request.get("method")
    if method == "initialize":
        return {"protocolVersion": request["params"].get("protocolVersion", "2025-11-25"),
                "capabilities": {"tools": {}}, "serverInfo": {"name": "bench", "version": "1"}}
    if method == "tools/list":
        return TOOLS
    if method == "tools/call":
        return {"content": [{"type": "text", "text": request["params"]["arguments"]["text"]}]}
    if method == "ping":
        return {}
    return None


def main():
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if "id" not in request:
            continue
        if request.get("method") == "tools/call" and request["params"]["name"] == "garbage":
            out.write("this is not JSON-RPC\n")
            out.flush()
            continue
        result = answer(request)
        if result is None:
            response = {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "Method not found"}}
        else:
            response = {"jsonrpc": "2.0", "id": request["id"], "result": result}
        out.write(json.dumps(response, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
