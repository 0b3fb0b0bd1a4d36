import Benchmark
import FarameshCore
import Foundation

/// Policy evaluation speed. Targets: the default policy ≤ 1 µs median with no allocations;
/// 100 mixed rules, last one matching, ≤ 2 µs median; 1,000 such rules ≤ 20 µs p99.
///
/// "canonical given" benchmarks pass the canonical params text, as the server does (it has it
/// from hashing the request); the others let the evaluation compute it on first need.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let defaultPolicy: CompiledPolicy
    let mixed100: CompiledPolicy
    let mixed1000: CompiledPolicy
    do {
        defaultPolicy = try CompiledPolicy.compile(yaml: PolicyScenarios.defaultPolicyYAML(), source: "default.yaml")
        mixed100 = try CompiledPolicy.compile(yaml: PolicyScenarios.mixedPolicyYAML(rules: 100), source: "mixed-100.yaml")
        mixed1000 = try CompiledPolicy.compile(yaml: PolicyScenarios.mixedPolicyYAML(rules: 1000), source: "mixed-1000.yaml")
    } catch {
        print("benchmark policies do not compile: \(error)")
        return
    }
    let worst = PolicyScenarios.worstCaseRequest
    guard mixed100.evaluate(worst).matchedRule == 99, mixed1000.evaluate(worst).matchedRule == 999 else {
        print("the worst-case request must match only the last rule")
        return
    }

    for (label, request) in [("http get", PolicyScenarios.httpGet), ("shell run", PolicyScenarios.shellRun),
                             ("unknown tool", PolicyScenarios.unknownTool)] {
        let canonical = CanonicalJSON.string(request.params)
        Benchmark("Default policy: \(label), canonical given") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(defaultPolicy.evaluate(request, canonicalParams: canonical))
            }
        }
    }

    Benchmark("Default policy: http get, canonical computed") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(defaultPolicy.evaluate(PolicyScenarios.httpGet))
        }
    }

    if let shellPack = try? CompiledPolicy.compile(yaml: PolicyScenarios.file("policies/packs/shell-safety.yaml"),
                                                  source: "shell-safety.yaml") {
        let request = ActionRequest(agentID: "agent-1", tool: "shell", operation: "run",
                                    params: .object(["cmd": .string("npm install left-pad"), "cwd": .string("/srv/app")]))
        let canonical = CanonicalJSON.string(request.params)
        Benchmark("Shell safety pack: 5 regex rules evaluated, canonical given") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(shellPack.evaluate(request, canonicalParams: canonical))
            }
        }
    }

    let worstCanonical = CanonicalJSON.string(worst.params)
    Benchmark("100 mixed rules: last matches") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(mixed100.evaluate(worst, canonicalParams: worstCanonical))
        }
    }

    Benchmark("1000 mixed rules: last matches") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(mixed1000.evaluate(worst, canonicalParams: worstCanonical))
        }
    }

    let engine = DecisionEngine(policy: defaultPolicy, runtimeVersion: "bench")
    Benchmark("DecisionEngine.decide: default policy, http get (request hash + provenance)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(engine.decide(PolicyScenarios.httpGet))
        }
    }

    Benchmark("CompiledPolicy.compile: default policy") { benchmark in
        let yaml = try PolicyScenarios.defaultPolicyYAML()
        for _ in benchmark.scaledIterations {
            blackHole(try CompiledPolicy.compile(yaml: yaml, source: "default.yaml"))
        }
    }
}

/// Policies and requests measured above.
enum PolicyScenarios {
    /// The shipped policies/default.yaml.
    static func defaultPolicyYAML() throws -> String {
        try file("policies/default.yaml")
    }

    /// A file of the repository (this file is Benchmarks/Benchmarks/PolicyBenchmarks/…).
    static func file(_ relative: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(relative)
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// `count` rules of mixed conditions; only the last one matches `worstCaseRequest`.
    /// A fifth of the rules use `tool: "*"`, a fifth the glob `svc.*` (which matches the request's
    /// tool), the rest exact tools over ten names, one of them the request's. Rules that reach
    /// their other conditions fail on agent, method, amount, path, field, contains, a regex or
    /// branch; the last rule matches through a regex.
    static func mixedPolicyYAML(rules count: Int) -> String {
        var lines = ["version: bench-\(count)", "rules:"]
        for i in 0..<(count - 1) {
            let tool: String, op: String
            switch i % 5 {
            case 0:
                tool = "\"*\""
                op = i % 4 == 0 ? "deploy" : "op\(i % 7)"
            case 1:
                tool = "\"svc.*\""
                op = i % 3 == 0 ? "\"dep*\"" : "\"read_*\""
            default:
                tool = "svc.t\((i / 5) % 10)"
                op = i % 2 == 0 ? "deploy" : "\"*\""
            }
            var conditions = "tool: \(tool), op: \(op)"
            switch i % 8 {
            case 0: conditions += ", agent_id: \"agent-\(i)\""
            case 1: conditions += ", method: POST"
            case 2: conditions += ", amount_gt: \(10_000 + i)"
            case 3: conditions += ", path_starts_with: /srv/\(i)/"
            case 4: conditions += ", field: env, value: staging-\(i)"
            case 5: conditions += ", contains: \"secret-\(i)\""
            case 6: conditions += ", pattern: \"release-[0-9]+-\(i)\""
            default: conditions += ", branch: \"hotfix/\(i)\""
            }
            lines.append("  - match: {\(conditions)}")
            lines.append("    \(["allow", "deny", "require_approval"][i % 3]): true")
            lines.append("    description: rule \(i)")
        }
        lines.append(#"  - match: {tool: svc.t0, op: deploy, agent_id: "deployer-*", pattern: "\"target\":\"prod-[a-z]+\""}"#)
        lines.append("    require_approval: true")
        lines.append("    description: production deploys need approval")
        lines.append("risk:")
        lines.append("  rules:")
        lines.append("    - name: prod")
        lines.append("      when: {tool: \"svc.*\", contains: \"prod-\"}")
        lines.append("      risk_level: medium")
        return lines.joined(separator: "\n")
    }

    static let worstCaseRequest = ActionRequest(
        agentID: "deployer-7", tool: "svc.t0", operation: "deploy",
        params: .object(["target": .string("prod-eu"), "amount": .int(5), "method": .string("GET"),
                         "path": .string("/srv/app/current"), "env": .string("production"),
                         "branch": .string("main")]))

    static let httpGet = ActionRequest(agentID: "agent-1", tool: "http", operation: "get",
                                       params: .object(["url": .string("https://example.com/data")]))
    static let shellRun = ActionRequest(agentID: "agent-1", tool: "shell", operation: "run",
                                        params: .object(["cmd": .string("ls -la /tmp")]))
    static let unknownTool = ActionRequest(agentID: "agent-1", tool: "github", operation: "create_issue",
                                           params: .object(["title": .string("x")]))
}
