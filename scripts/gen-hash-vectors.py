#!/usr/bin/env python3
"""Generate Tests/FarameshCoreTests/Fixtures/hash-vectors.json from the published client.

Each vector is the raw JSON text of an action payload as it would arrive over HTTP, the
canonical text and the request_hash that faramesh-sdk 0.3.3 computes for it after Python's
json.loads. The Swift tests parse the same text with JSONParser and must agree byte for byte.

    python3 -m venv /tmp/venv-sdk && /tmp/venv-sdk/bin/pip install faramesh-sdk==0.3.3
    /tmp/venv-sdk/bin/python scripts/gen-hash-vectors.py
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import sys

from faramesh.canonicalization import canonicalize, compute_request_hash

try:
    from importlib.metadata import version
    SDK_VERSION = version("faramesh-sdk")
except Exception:  # pragma: no cover
    SDK_VERSION = "unknown"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "FarameshCoreTests", "Fixtures", "hash-vectors.json")


def payload(params: str, context: str = "{}", agent: str = '"agent-1"', tool: str = '"http"',
            operation: str = '"get"') -> str:
    """Raw JSON text of a submission with the given raw JSON fragments."""
    return ('{"agent_id": %s, "tool": %s, "operation": %s, "params": %s, "context": %s}'
            % (agent, tool, operation, params, context))


def random_doubles(seed: int, count: int) -> list[str]:
    """repr() of finite doubles: random bit patterns (all magnitudes) and short decimals."""
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        if len(out) % 2 == 0:
            bits = rng.getrandbits(64)
            d = struct.unpack("<d", struct.pack("<Q", bits))[0]
            if d != d or d in (float("inf"), float("-inf")):
                continue
        else:
            d = round(rng.uniform(-1e6, 1e6), rng.randint(0, 9)) * 10.0 ** rng.randint(-30, 30)
        out.append(repr(d))
    return out


VECTORS: list[tuple[str, str]] = [
    # floats
    ("float-1e-7", payload('{"x": 1e-7}')),
    ("float-1.5e-7", payload('{"x": 1.5e-7}')),
    ("float-1.5e300", payload('{"x": 1.5e300}')),
    ("float-negative-zero", payload('{"x": -0.0}')),
    ("float-zero-exponent-forms", payload('{"a": 0.0, "b": 0e0, "c": -0E+5, "d": 0.000}')),
    ("float-0.1", payload('{"x": 0.1}')),
    ("float-1e21", payload('{"x": 1e21}')),
    ("float-1e22-1e16", payload('{"a": 1e22, "b": 1e16, "c": 1E+16, "d": 123e14}')),
    ("float-123456789.123", payload('{"x": 123456789.123}')),
    ("float-5e-324", payload('{"x": 5e-324, "y": -5e-324}')),
    ("float-max", payload('{"x": 1.7976931348623157e308, "y": -1.7976931348623157e308}')),
    ("float-2.5e-10", payload('{"x": 2.5e-10}')),
    ("float-100.0", payload('{"x": 100.0, "y": 1.0, "z": -7.0}')),
    ("float-vs-int-same-text", payload('{"amount": 1.0, "count": 1}')),
    ("float-exponent-spellings", payload('{"a": 1E3, "b": 1e+3, "c": 1.0e0, "d": 10e-1, "e": 0.5e1}')),
    ("float-small-decimals", payload('{"a": 0.0001, "b": 0.00001, "c": 1e-5, "d": 0.001, "e": 12.5e-3}')),
    ("float-round-trip-digits", payload('{"a": 0.30000000000000004, "b": 0.3333333333333333, "c": 2.718281828459045, "d": 3.141592653589793}')),
    ("float-above-2^53", payload('{"a": 9007199254740993.0, "b": 9007199254740992.0, "c": 18014398509481984.5, "d": 1.152921504606847e18}')),
    ("float-just-below-2^53", payload('{"a": 9007199254740991.0, "b": 4503599627370497.5, "c": 4503599627370495.5}')),
    ("float-underflow-to-zero", payload('{"a": 1e-400, "b": -2.4e-330}')),
    ("float-long-mantissa-input", payload('{"a": 1.00000000000000000000000001, "b": 0.1000000000000000055511151231257827, "c": 123456789012345678901234567890.5}')),
    ("float-subnormals", payload('{"a": 2.2250738585072014e-308, "b": 2.225073858507201e-308, "c": 4.9406564584124654e-324}')),
    ("float-random-500", payload('{"values": [%s]}' % ", ".join(random_doubles(20261124, 500)))),
    # integers
    ("int-small", payload('{"a": 0, "b": -0, "c": 1, "d": -1, "e": 42}')),
    ("int-64-bit-limits", payload('{"max": 9223372036854775807, "min": -9223372036854775808}')),
    ("int-beyond-64-bit", payload('{"a": 9223372036854775808, "b": -9223372036854775809, "c": 18446744073709551615, "d": 18446744073709551616}')),
    ("int-2^70", payload('{"pos": 1180591620717411303424, "neg": -1180591620717411303424}')),
    ("int-huge", payload('{"x": %s, "y": -%s}' % ("9" * 60, "1" + "0" * 99))),
    # strings and unicode
    ("unicode-cjk", payload('{"text": "你好，世界", "日本語": "テスト"}')),
    ("unicode-emoji-raw", payload('{"text": "launch 🚀 now 😀"}')),
    ("unicode-emoji-escaped", payload('{"text": "\\ud83d\\ude00 and \\uD83D\\uDE80"}')),
    ("unicode-combining", payload('{"nfd": "e\\u0301", "nfc": "\\u00e9", "mixed": "Cafe\u0301 café"}')),
    ("keys-code-point-vs-utf16", payload('{"\\uFF61": 1, "\\uD83D\\uDE00": 2, "\\uFFFF": 3, "\\uE000": 4, "\\uD7FF": 5}')),
    ("keys-ascii-order", payload('{"b": 1, "a": 2, "B": 3, "A": 4, "_": 5, "aa": 6, "a0": 7, "": 8, " ": 9, "~": 10, "é": 11, "z": 12}')),
    ("keys-nested-order", payload('{"z": {"y": 1, "x": {"b": [3, {"d": 1, "c": 2}], "a": null}}, "a": []}')),
    ("control-characters", payload('{"s": "\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001f end"}')),
    ("del-and-separators", payload('{"s": "del\u007f nel\u0085 ls\u2028 ps\u2029 bom\ufeff", "e": "\\u007f\\u2028\\u2029"}')),
    ("escapes-in-input", payload('{"url": "https:\\/\\/example.com\\/a\\/b", "quote": "say \\"hi\\"", "backslash": "C:\\\\temp\\\\x", "u": "\\u0041\\u00e9\\u4e2d"}')),
    ("escape-needed-in-keys", payload('{"a\\"b": 1, "c\\\\d": 2, "e\\nf": 3, "tab\\tkey": 4}')),
    # structure
    ("empty-containers", payload('{"o": {}, "a": [], "s": "", "n": null, "nested": [[], {}, [[]], [{}]]}')),
    ("empty-params-and-context", payload('{}', '{}')),
    ("booleans-and-null", payload('{"t": true, "f": false, "n": null, "list": [true, false, null]}')),
    ("nested-arrays", payload('{"m": [[1, 2, [3, [4, [5.5, "six"]]]], [], [[[]]]]}')),
    ("deep-nesting", payload('{"d": %s1%s}' % ("[" * 30, "]" * 30))),
    ("whitespace-pretty-input", '{\n  "agent_id" : "agent-1",\r\n\t"tool":"http" ,\n  "operation":\t"get",\n  "params" : { "b" : [ 1 , 2 ] ,\n "a" : { } },\n  "context": {  }\n}\n'),
    ("context-values", payload('{"q": 1}', '{"session": "s-1", "user": {"id": 7, "roles": ["admin", "ops"]}, "trace": null}')),
    ("agent-tool-operation-unicode", payload('{}', '{}', agent='"agent-ü-🚀"', tool='"tool\\twith\\ncontrols"', operation='"op \\"quoted\\""')),
    # realistic tool payloads
    ("shell-run", payload('{"cmd": "rm -rf /tmp/build && echo \\"done\\"", "cwd": "/home/agent", "timeout": 30, "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}}', '{"session_id": "abc123", "reason": "cleanup"}', agent='"ops-agent"', tool='"shell"', operation='"run"')),
    ("http-post", payload('{"url": "https://api.example.com/v1/items?limit=10&sort=-created", "method": "POST", "headers": {"Content-Type": "application/json", "Authorization": "Bearer sk-test"}, "body": {"name": "widget", "price": 19.99, "tags": ["a", "b"]}}', '{}', agent='"web-agent"', tool='"http"', operation='"post"')),
    ("stripe-refund", payload('{"charge_id": "ch_3NfX2bLkdIwHu7ix0X0X0X0X", "amount": 2500, "currency": "usd", "reason": "requested_by_customer", "metadata": {"order_id": "ord_42", "approved_by": null}}', '{"customer_email": "jane@example.com", "amount_usd": 25.0}', agent='"billing-bot"', tool='"stripe"', operation='"refund"')),
    ("sql-query", payload('{"query": "SELECT * FROM users WHERE name = \'O\\u2019Brien\' AND age > 30;\\n", "database": "prod", "params": [30, "x", null, 1.5]}', '{}', agent='"data-agent"', tool='"postgres"', operation='"query"')),
    ("file-write", payload('{"path": "/etc/hosts", "content": "127.0.0.1\\tlocalhost\\n::1\\tlocalhost\\n", "mode": 420, "append": false}', '{}', agent='"sys"', tool='"filesystem"', operation='"write"')),
    ("mcp-tool-call", payload('{"server": "github", "name": "create_issue", "arguments": {"repo": "acme/api", "title": "Bug: \u00fcber crash", "labels": ["bug", "p1"], "body": "Steps:\\n1. run\\n2. crash"}}', '{"mcp_version": "2025-06-18"}', agent='"claude"', tool='"mcp"', operation='"call"')),
]


def one_kb_params() -> str:
    """A realistic ~1 KB params object (also used by the benchmarks)."""
    return payload(
        '{"url": "https://api.example.com/v2/customers/cus_9s6XKzkNRiz8i3/invoices?limit=25&status=open",'
        ' "method": "POST", "timeout_ms": 15000, "retry": {"attempts": 3, "backoff": 1.5, "jitter": true},'
        ' "headers": {"Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": "6f1c9a7e-2b4d-4f0a-9c3e-8d5b1a2f7e64", "User-Agent": "faramesh-agent/1.0"},'
        ' "body": {"customer": "cus_9s6XKzkNRiz8i3", "currency": "eur", "amount": 129900, "tax_rate": 0.19,'
        ' "description": "Annual plan \u2014 Zürich office (renewal)", "lines": ['
        '{"sku": "PLAN-PRO-12M", "qty": 1, "unit_price": 1099.0, "discount": 0.1},'
        ' {"sku": "SEAT-ADDON", "qty": 12, "unit_price": 16.75, "discount": 0},'
        ' {"sku": "SUPPORT-GOLD", "qty": 1, "unit_price": 99.99, "discount": null}],'
        ' "metadata": {"order_id": "ord_20261124_0042", "region": "eu-central-1", "notes": "Renewal approved by finance\\nRef: FIN-2291", "tags": ["renewal", "enterprise", "eu"]}},'
        ' "dry_run": false}',
        '{"session_id": "sess_01JD9Z8Q4W", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "user": "jane.doe@example.com"}',
        agent='"billing-agent-7"', tool='"http"', operation='"post"')


VECTORS.append(("realistic-1kb", one_kb_params()))

FIVE_KEYS = {"agent_id", "tool", "operation", "params", "context"}


def main() -> int:
    out = []
    names = set()
    for name, text in VECTORS:
        assert name not in names, name
        names.add(name)
        obj = json.loads(text)
        assert set(obj) == FIVE_KEYS, name
        canonical = canonicalize(obj)
        request_hash = compute_request_hash(obj)
        # With exactly the five request keys the hashed bytes are the canonical text itself.
        assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == request_hash, name
        out.append({"name": name, "json": text, "canonical": canonical, "request_hash": request_hash})
    document = {
        "generator": "scripts/gen-hash-vectors.py",
        "sdk": "faramesh-sdk " + SDK_VERSION,
        "python": sys.version.split()[0],
        "vectors": out,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} vectors to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
