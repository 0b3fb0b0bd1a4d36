"""compute_request_hash equals the server's request_hash: on the 54 shared vectors (locally and
as raw JSON sent to the server) and on randomly generated nested values."""

from __future__ import annotations

import json
import math
import os
import random
import struct
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from faramesh import CanonicalizeError, canonicalize, compute_request_hash
from faramesh._core import identifier
from faramesh.sdk.client import ExecutionGovernorClient

from support import Server

REPO = Path(__file__).resolve().parents[3]
VECTORS = json.loads((REPO / "Tests" / "FarameshCoreTests" / "Fixtures" / "hash-vectors.json").read_text())["vectors"]
SEED = int(os.environ.get("FARAMESH_HASH_SEED", "1303"))
CASES = int(os.environ.get("FARAMESH_HASH_CASES", "300"))


def test_there_are_54_vectors() -> None:
    assert len(VECTORS) == 54


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_locally(vector: dict) -> None:
    payload = json.loads(vector["json"])
    assert canonicalize(payload) == vector["canonical"]
    assert compute_request_hash(payload) == vector["request_hash"]


def _decide_raw(server: Server, raw: str) -> tuple[int, dict]:
    req = urllib.request.Request(server.url + "/v1/gate/decide", data=raw.encode("utf-8"), method="POST", headers={
        "Authorization": f"Bearer {server.admin_token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_on_the_server(server: Server, vector: dict) -> None:
    payload = json.loads(vector["json"])
    status, body = _decide_raw(server, vector["json"])
    if any(_has_control(payload[k]) for k in ("agent_id", "tool", "operation")):
        # The server refuses control characters in identifiers (the hash vector still pins the
        # canonical form, checked locally above).
        assert status == 422 and body["code"] == "VALIDATION_ERROR", body
        return
    assert status == 200, body
    assert body["request_hash"] == vector["request_hash"]
    assert body["request_hash"] == compute_request_hash(payload)


def _random_float(rng: random.Random) -> float:
    kind = rng.randrange(4)
    if kind == 0:
        while True:
            value = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
            if math.isfinite(value):
                return value
    if kind == 1:
        return round(rng.uniform(-1e6, 1e6), rng.randint(0, 9)) * 10.0 ** rng.randint(-30, 30)
    if kind == 2:
        return rng.choice([0.1, 0.2, 0.3, 1e-7, 1.5e300, 5e-324, -0.0, 1e21, 1e22, 2.0 ** 53 + 2, 100.0])
    return rng.random() * rng.choice([1, -1])


def _random_int(rng: random.Random) -> int:
    bits = rng.choice([8, 32, 53, 63, 64, 65, 70, 128, 200])
    return rng.getrandbits(bits) * rng.choice([1, -1])


def _random_char(rng: random.Random) -> str:
    while True:
        band = rng.randrange(5)
        code = (rng.randrange(0x20), rng.randrange(0x20, 0x7F), rng.randrange(0x80, 0x800),
                rng.randrange(0x800, 0x10000), rng.randrange(0x10000, 0x110000))[band]
        if not 0xD800 <= code <= 0xDFFF:
            return chr(code)


def _random_string(rng: random.Random) -> str:
    return "".join(_random_char(rng) for _ in range(rng.randrange(0, 12)))


def _random_value(rng: random.Random, depth: int) -> object:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return _random_int(rng)
    if kind == 3:
        return _random_float(rng)
    if kind in (4, 5):
        return _random_string(rng)
    if kind in (6, 7):
        return {_random_string(rng): _random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]


def test_generated_values_hash_like_the_server(server: Server) -> None:
    rng = random.Random(SEED)
    client = ExecutionGovernorClient(server.url, token=server.admin_token)
    try:
        for case in range(CASES):
            params = {_random_string(rng) or "k": _random_value(rng, 1) for _ in range(rng.randrange(1, 6))}
            context = {"case": case, "v": _random_value(rng, 2)}
            name = "".join(c for c in _random_string(rng) if not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F))
            agent_id = " gen-" + name if case % 3 == 0 else "sdk-agent"
            # The SDK sends identifiers trimmed, as the server stores and hashes them.
            payload = {"agent_id": identifier(agent_id, "agent_id"), "tool": "http", "operation": "get",
                       "params": params, "context": context}
            decision = client.gate_decide(agent_id, "http", "get", params, context)
            assert decision.request_hash == compute_request_hash(payload), (
                f"seed {SEED} case {case}: {json.dumps(payload, ensure_ascii=False)[:2000]}")
    finally:
        client.close()


def test_submitted_action_hash_matches(server: Server) -> None:
    rng = random.Random(SEED + 1)
    client = ExecutionGovernorClient(server.url, token=server.agent_token("sdk-agent"), agent_id="sdk-agent")
    try:
        for case in range(20):
            params = {"url": "https://x", "v": _random_value(rng, 1), "f": _random_float(rng), "i": _random_int(rng)}
            action = client.submit_action("http", "get", params, {"case": case})
            assert action["request_hash"] == compute_request_hash(
                {"agent_id": "sdk-agent", "tool": "http", "operation": "get", "params": params,
                 "context": {"case": case}})
    finally:
        client.close()


def test_non_finite_and_bad_keys_fail_closed() -> None:
    for bad in ({"x": float("nan")}, {"x": float("inf")}, {1: "int key"}, {"x": object()}):
        with pytest.raises(CanonicalizeError):
            compute_request_hash({"agent_id": "a", "tool": "t", "operation": "o", "params": bad, "context": {}})
