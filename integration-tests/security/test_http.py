"""Findings 8 and 9 and the hardening list, against the real binary on both backends."""
from __future__ import annotations

import json
import socket

import pytest

from conftest import ADMIN_TOKEN, Server, backends


def raw(server: Server, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(request)
        s.settimeout(10)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        return data


def test_bad_chunk_size_is_a_json_400(launch) -> None:
    server: Server = launch()
    answer = raw(server, b"POST /v1/gate/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                 + ADMIN_TOKEN.encode() + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"zz\r\n{}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["code"] == "BAD_REQUEST" and body["detail"]


@pytest.mark.parametrize("request_bytes", [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n"])
def test_parser_errors_have_a_json_body(launch, request_bytes: bytes) -> None:
    server: Server = launch()
    answer = raw(server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400"), answer
    head, body = answer.split(b"\r\n\r\n", 1)
    assert b"application/json" in head.lower()
    assert json.loads(body)["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("backend", backends())
def test_nul_in_reason_and_error_is_422_and_in_json_strings_is_stored(launch, backend: str) -> None:
    server: Server = launch(backend=backend)
    agent, approver = server.agent_token, server.approver_token
    status, pending = server.json("POST", "/v1/actions", {"agent_id": server.agent, "tool": "shell", "operation": "run",
                                                          "params": {"cmd": "ls"}}, token=agent)
    assert status == 200 and pending["status"] == "pending_approval", pending
    _, seen = server.json("GET", f"/v1/actions/{pending['id']}", token=approver)
    status, error = server.json("POST", f"/v1/actions/{pending['id']}/approval",
                                {"token": seen["approval_token"], "approve": False, "reason": "no\u0000"}, token=approver)
    assert status == 422 and error["field"] == "reason", error
    status, denied = server.json("POST", f"/v1/actions/{pending['id']}/approval",
                                 {"token": seen["approval_token"], "approve": False, "reason": "no"}, token=approver)
    assert status == 200 and denied["status"] == "denied", denied
    status, allowed = server.json("POST", "/v1/actions", {"agent_id": server.agent, "tool": "http", "operation": "get",
                                                          "params": {"q": "a\u0000b"}, "context": {"c\u0000": "\u0000"}},
                                  token=agent)
    assert status == 200, allowed
    status, read = server.json("GET", f"/v1/actions/{allowed['id']}", token=agent)
    assert read["params"] == {"q": "a\u0000b"} and read["context"] == {"c\u0000": "\u0000"}
    status, error = server.json("POST", f"/v1/actions/{allowed['id']}/result", {"success": False, "error": "x\u0000"},
                                token=agent)
    assert status == 422 and error["field"] == "error", error
    status, done = server.json("POST", f"/v1/actions/{allowed['id']}/result", {"success": False, "error": "x"}, token=agent)
    assert status == 200 and done["status"] == "failed"


def test_nosniff_head_and_unknown_list_parameters(launch) -> None:
    server: Server = launch()
    for method, path, token in [("GET", "/health", None), ("GET", "/nope", None), ("GET", "/v1/actions", None),
                                ("GET", "/v1/actions", ADMIN_TOKEN)]:
        _, headers, _ = server.request(method, path, token=token)
        assert headers.get("x-content-type-options") == "nosniff", (method, path)
    get_status, get_headers, get_body = server.request("GET", "/v1/actions?limit=5")
    head_status, head_headers, head_body = server.request("HEAD", "/v1/actions?limit=5")
    assert (head_status, head_body) == (get_status, b"")
    assert head_headers["content-length"] == get_headers["content-length"] == str(len(get_body))
    status, error = server.json("GET", "/v1/actions?limt=5")
    assert status == 422 and error["field"] == "limt"
