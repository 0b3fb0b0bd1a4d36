import Testing

@testable import FarameshCore

/// The tool/op index must never change which rule matches: indexed evaluation is compared with
/// a plain first-match scan (the explanation) over generated policies and requests.
@Suite("Rule index keeps first-match order")
struct PolicyIndexTests {
    typealias F = PolicyFixture

    /// Deterministic generator (xorshift) so failures reproduce.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }
    }

    static let tools = ["http", "shell", "stripe", "stripe.refunds", "git", "fs"]
    static let ops = ["get", "post", "run", "refund", "read_file", "push"]

    static func policyYAML(_ g: inout Generator, rules: Int) -> String {
        var lines = ["rules:"]
        for i in 0..<rules {
            var conditions = ["tool: \"\(g.pick(tools + ["*", "stripe*", "*s*"]))\""]
            if g.next(3) > 0 { conditions.append("op: \"\(g.pick(ops + ["*", "read_*", "*u*"]))\"") }
            switch g.next(6) {
            case 0: conditions.append("amount_gt: \(g.next(100))")
            case 1: conditions.append("agent_id: \"\(g.pick(["a1", "a2", "a*"]))\"")
            case 2: conditions.append("contains: \"\(g.pick(["x", "y", "z"]))\"")
            case 3: conditions.append("pattern: \"\(g.pick(["x[0-9]", "^\\\\{\\\"a", "y|z"]))\"")
            default: break
            }
            lines.append("  - match: {\(conditions.joined(separator: ", "))}")
            lines.append("    \(g.pick(["allow", "deny", "require_approval"])): true")
            lines.append("    description: r\(i)")
        }
        return lines.joined(separator: "\n")
    }

    @Test("indexed first match equals a sequential scan", arguments: 0..<20)
    func equivalence(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1)
        let policy = try F.compile(Self.policyYAML(&g, rules: 5 + g.next(60)))
        let engine = DecisionEngine(policy: policy, runtimeVersion: "test")
        for _ in 0..<100 {
            var params: [String: JSONValue] = [:]
            if g.next(2) == 0 { params["amount"] = .int(Int64(g.next(200))) }
            if g.next(2) == 0 { params["a"] = .string(g.pick(["x1", "y", "z", "w"])) }
            let request = F.request(
                g.pick(Self.tools + ["other"]),
                g.pick(Self.ops + ["other"]),
                params,
                agent: g.pick(["a1", "a2", "b"])
            )
            let indexed = policy.evaluate(request)
            let sequential = PolicyExplanation.explain(request, engine: engine).rules.first {
                if case .matched = $0.verdict { true } else { false }
            }?.index
            #expect(indexed.matchedRule == sequential, "seed \(seed) \(request.tool).\(request.operation) \(params)")
            let withCanonical = policy.evaluate(request, canonicalParams: CanonicalJSON.string(request.params))
            #expect(withCanonical == indexed)
        }
    }

    @Test("rules for other tools are interleaved with wildcard rules in file order")
    func interleaving() throws {
        let policy = try F.compile(
            """
            rules:
              - match: {tool: http, op: post}
                deny: true
              - match: {tool: "*", op: get, contains: secret}
                deny: true
              - match: {tool: "h*", op: "*", agent_id: blocked}
                deny: true
              - match: {tool: http, op: get}
                allow: true
              - match: {tool: "*"}
                require_approval: true
            """
        )
        #expect(policy.evaluate(F.request("http", "get")).matchedRule == 3)
        #expect(policy.evaluate(F.request("http", "get", ["q": .string("secret")])).matchedRule == 1)
        #expect(policy.evaluate(F.request("http", "get", agent: "blocked")).matchedRule == 2)
        #expect(policy.evaluate(F.request("http", "post")).matchedRule == 0)
        #expect(policy.evaluate(F.request("ftp", "get")).matchedRule == 4)
        #expect(policy.evaluate(F.request("hg", "pull", agent: "blocked")).matchedRule == 2)
    }

    @Test("NameIndex finds every key and nothing else, also with colliding slots")
    func nameIndex() {
        var buckets: [String: [Int32]] = [:]
        for i in 0..<200 { buckets["tool-\(i)"] = [Int32(i), Int32(i + 1000)] }
        let index = NameIndex(buckets)
        for i in 0..<200 {
            let range = index.range(for: "tool-\(i)", hash: NameIndex.hash(of: "tool-\(i)"))
            #expect(Array(index.indices[range]) == [Int32(i), Int32(i + 1000)])
        }
        #expect(index.range(for: "tool-200", hash: NameIndex.hash(of: "tool-200")).isEmpty)
        #expect(index.range(for: "tool-1", hash: NameIndex.hash(of: "tool-2")).isEmpty)
        #expect(NameIndex([:]).range(for: "x", hash: NameIndex.hash(of: "x")).isEmpty)
    }
}
