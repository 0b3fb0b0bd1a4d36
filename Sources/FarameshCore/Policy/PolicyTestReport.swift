/// The outcome of running a `PolicyTestSuite`.
public struct PolicyTestReport: Sendable {
    public struct Result: Sendable {
        public let testCase: PolicyTestSuite.Case
        public let decision: Decision
        /// Empty when the case passed.
        public let failures: [String]
        public var passed: Bool { failures.isEmpty }
    }

    public let testsSource: String
    public let policySource: String?
    public let results: [Result]

    public var passedCount: Int { results.lazy.filter(\.passed).count }
    public var failedCount: Int { results.count - passedCount }
    public var allPassed: Bool { failedCount == 0 }

    /// One line per case, the failures under each failing case, then `N passed, N failed`.
    public var text: String {
        var lines = ["\(testsSource) against \(policySource ?? "(no policy)")"]
        for result in results {
            if result.passed {
                lines.append("  PASS  \(result.testCase.name)")
            } else {
                lines.append("  FAIL  \(result.testCase.name) (line \(result.testCase.line))")
                for failure in result.failures { lines.append("        \(failure)") }
                lines.append("        got: \(Self.summary(result.decision))")
            }
        }
        lines.append("\(passedCount) passed, \(failedCount) failed")
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        .object([
            "tests": .string(testsSource),
            "policy": policySource.map(JSONValue.string) ?? .null,
            "passed": .int(Int64(passedCount)),
            "failed": .int(Int64(failedCount)),
            "cases": .array(
                results.map { result in
                    .object([
                        "name": .string(result.testCase.name),
                        "line": .int(Int64(result.testCase.line)),
                        "passed": .bool(result.passed),
                        "failures": .array(result.failures.map(JSONValue.string)),
                        "actual": Self.json(result.decision),
                    ])
                }
            ),
        ])
    }

    static func summary(_ decision: Decision) -> String {
        var text =
            "\(decision.effect.rawValue) (\(decision.outcome.rawValue), \(decision.reasonCode.rawValue), "
            + "risk \(decision.riskLevel.rawValue)"
        if let rule = decision.matchedRule { text += ", rules[\(rule)]" }
        return text + ") \"\(decision.reason)\""
    }

    static func json(_ decision: Decision) -> JSONValue {
        .object([
            "decision": .string(decision.effect.rawValue),
            "outcome": .string(decision.outcome.rawValue),
            "reason_code": .string(decision.reasonCode.rawValue),
            "reason": .string(decision.reason),
            "risk_level": .string(decision.riskLevel.rawValue),
            "rule": decision.matchedRule.map { .int(Int64($0)) } ?? .null,
        ])
    }
}
