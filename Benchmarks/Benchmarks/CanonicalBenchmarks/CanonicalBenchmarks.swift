import Benchmark
import FarameshCore
import Foundation

/// A realistic ~1 KB submission (the `realistic-1kb` vector of hash-vectors.json).
let body1KB = #"""
{"agent_id": "billing-agent-7", "tool": "http", "operation": "post", "params": {"url": "https://api.example.com/v2/customers/cus_9s6XKzkNRiz8i3/invoices?limit=25&status=open", "method": "POST", "timeout_ms": 15000, "retry": {"attempts": 3, "backoff": 1.5, "jitter": true}, "headers": {"Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": "6f1c9a7e-2b4d-4f0a-9c3e-8d5b1a2f7e64", "User-Agent": "faramesh-agent/1.0"}, "body": {"customer": "cus_9s6XKzkNRiz8i3", "currency": "eur", "amount": 129900, "tax_rate": 0.19, "description": "Annual plan \u2014 Z\u00fcrich office (renewal)", "lines": [{"sku": "PLAN-PRO-12M", "qty": 1, "unit_price": 1099.0, "discount": 0.1}, {"sku": "SEAT-ADDON", "qty": 12, "unit_price": 16.75, "discount": 0}, {"sku": "SUPPORT-GOLD", "qty": 1, "unit_price": 99.99, "discount": null}], "metadata": {"order_id": "ord_20261124_0042", "region": "eu-central-1", "notes": "Renewal approved by finance\nRef: FIN-2291", "tags": ["renewal", "enterprise", "eu"]}}, "dry_run": false}, "context": {"session_id": "sess_01JD9Z8Q4W", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "user": "jane.doe@example.com"}}
"""#
/// The SDK's request_hash for `body1KB`.
let expectedHash = "ec7fee9ea2a8ff3090c7a7b79ad444fd01aa6e5ac50aa2c81dcafcce211d40ff"

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let bodyBytes = Array(body1KB.utf8)
    let parsed: JSONValue
    do {
        parsed = try JSONParser.parse(bodyBytes)
    } catch {
        print("benchmark body does not parse: \(error)")
        return
    }
    let request = ActionRequest(
        agentID: parsed["agent_id"]?.stringValue ?? "",
        tool: parsed["tool"]?.stringValue ?? "",
        operation: parsed["operation"]?.stringValue ?? "",
        params: parsed["params"] ?? .object([:]),
        context: parsed["context"] ?? .object([:]))
    guard RequestHash.compute(request) == expectedHash else {
        print("request hash differs from the SDK's: \(RequestHash.compute(request))")
        return
    }

    Benchmark("RequestHash.compute 1KB (canonical + SHA-256)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RequestHash.compute(request))
        }
    }

    Benchmark("CanonicalJSON.bytes 1KB") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RequestHash.canonicalBytes(request))
        }
    }

    Benchmark("JSONParser.parse 1KB body") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONParser.parse(bodyBytes))
        }
    }

    Benchmark("Parse + request hash 1KB body") { benchmark in
        for _ in benchmark.scaledIterations {
            let value = try JSONParser.parse(bodyBytes)
            let r = ActionRequest(
                agentID: value["agent_id"]?.stringValue ?? "", tool: value["tool"]?.stringValue ?? "",
                operation: value["operation"]?.stringValue ?? "",
                params: value["params"] ?? .object([:]), context: value["context"] ?? .object([:]))
            blackHole(RequestHash.compute(r))
        }
    }

    let actionID = UUID()
    let eventID = UUID()
    let at = WireTimestamp.now()
    let meta: JSONValue = .object(["risk_level": .string("high"), "reason": .string("amount above limit"),
                                   "policy_version": .string("v3")])
    let prev = String(repeating: "ab", count: 32)
    Benchmark("EventChain.recordHash") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EventChain.recordHash(eventID: eventID, actionID: actionID, type: .decisionMade,
                                            createdAt: at, meta: meta, prevHash: prev))
        }
    }

    Benchmark("WireTimestamp.format") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(WireTimestamp.format(at))
        }
    }
}
