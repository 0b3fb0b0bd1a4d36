import Yams

/// Policy unit tests (`faramesh policy test POLICY TESTS.yaml`), like `opa test`:
///
/// ```yaml
/// cases:
///   - name: small refunds are allowed
///     action:                      # (or input:) see PolicySample
///       tool: stripe
///       op: refund
///       params: {amount: 50}
///     expect:                      # at least one of:
///       decision: allow            # allow | deny | require_approval
///       outcome: EXECUTE           # EXECUTE | ABSTAIN | HALT
///       risk: low                  # (or risk_level) low | medium | high
///       reason_code: POLICY_ALLOW
///       rule: small-refunds        # the matched rule: its name or index
///       reason_contains: refund
/// ```
public struct PolicyTestSuite: Sendable {
    /// Which rule a case expects to decide.
    public enum RuleReference: Sendable, Hashable, CustomStringConvertible {
        case index(Int)
        case name(String)

        public var description: String {
            switch self {
            case .index(let index): return "rules[\(index)]"
            case .name(let name): return "'\(name)'"
            }
        }
    }

    public struct Expectation: Sendable, Hashable {
        public var decision: PolicyEffect?
        public var outcome: DecisionOutcome?
        public var risk: RiskLevel?
        public var reasonCode: ReasonCode?
        public var rule: RuleReference?
        public var reasonContains: String?

        public init(
            decision: PolicyEffect? = nil,
            outcome: DecisionOutcome? = nil,
            risk: RiskLevel? = nil,
            reasonCode: ReasonCode? = nil,
            rule: RuleReference? = nil,
            reasonContains: String? = nil
        ) {
            self.decision = decision
            self.outcome = outcome
            self.risk = risk
            self.reasonCode = reasonCode
            self.rule = rule
            self.reasonContains = reasonContains
        }
    }

    public struct Case: Sendable, Hashable {
        public var name: String
        public var line: Int
        public var request: ActionRequest
        public var expect: Expectation
    }

    public let source: String
    public let cases: [Case]

    // MARK: - Running

    /// Runs every case through `engine` (policy plus the engine's profile, if any).
    public func run(_ engine: DecisionEngine) -> PolicyTestReport {
        let results = cases.map { testCase in
            let decision = engine.decide(testCase.request)
            return PolicyTestReport.Result(
                testCase: testCase,
                decision: decision,
                failures: failures(of: testCase.expect, decision, policy: engine.policy)
            )
        }
        return PolicyTestReport(testsSource: source, policySource: engine.policy?.source, results: results)
    }

    private func failures(of expect: Expectation, _ decision: Decision, policy: CompiledPolicy?) -> [String] {
        var failures: [String] = []
        if let effect = expect.decision, effect != decision.effect {
            failures.append("decision: expected \(effect.rawValue), got \(decision.effect.rawValue)")
        }
        if let outcome = expect.outcome, outcome != decision.outcome {
            failures.append("outcome: expected \(outcome.rawValue), got \(decision.outcome.rawValue)")
        }
        if let risk = expect.risk, risk != decision.riskLevel {
            failures.append("risk: expected \(risk.rawValue), got \(decision.riskLevel.rawValue)")
        }
        if let code = expect.reasonCode, code != decision.reasonCode {
            failures.append("reason_code: expected \(code.rawValue), got \(decision.reasonCode.rawValue)")
        }
        if let rule = expect.rule {
            let actual = decision.matchedRule.flatMap { index in policy?.rules.first { $0.index == index } }
            let holds: Bool
            switch rule {
            case .index(let index): holds = actual?.index == index
            case .name(let name): holds = actual?.name == name
            }
            if !holds {
                var message =
                    "rule: expected \(rule), got \(actual.map { "rules[\($0.index)]" + ($0.name.map { " '\($0)'" } ?? "") } ?? "no rule")"
                if case .name(let name) = rule, policy?.rules.contains(where: { $0.name == name }) == false {
                    message += " (the policy has no rule named '\(name)')"
                }
                failures.append(message)
            }
        }
        if let text = expect.reasonContains, !decision.reason.contains(text) {
            failures.append("reason: expected to contain \"\(text)\", got \"\(decision.reason)\"")
        }
        return failures
    }

    // MARK: - Parsing

    public static func parse(yaml: String, source: String) throws(PolicyLoadError) -> PolicyTestSuite {
        let reader = PolicyYAMLReader(file: source)
        return try parse(root: reader.compose(yaml), reader: reader)
    }

    static func parse(root: Node, reader: PolicyYAMLReader) throws(PolicyLoadError) -> PolicyTestSuite {
        let top = try reader.mapping(root, .root, allowed: ["description", "cases"])
        guard let list = top.first(where: { $0.key == "cases" }) else {
            throw reader.error("missing 'cases' (the list of test cases)", at: root, .root)
        }
        let nodes = try reader.sequence(list.value, list.location)
        guard !nodes.isEmpty else { throw reader.error("has no test cases", at: list.value, list.location) }
        var cases: [Case] = []
        for (index, node) in nodes.enumerated() {
            let location = list.location.item(index)
            var name: String?
            var request: ActionRequest?
            var expect: Expectation?
            for entry in try reader.mapping(node, location, allowed: ["name", "action", "input", "expect"]) {
                switch entry.key {
                case "name": name = try reader.string(entry.value, entry.location)
                case "action", "input":
                    if request != nil {
                        throw reader.error("'action' and 'input' are aliases; keep one", at: entry.keyNode, location)
                    }
                    request = try PolicySample.action(entry.value, entry.location, reader: reader)
                default: expect = try expectation(entry.value, entry.location, reader: reader)
                }
            }
            guard let name else { throw reader.error("missing 'name'", at: node, location) }
            guard let request else { throw reader.error("missing 'action' (the action to decide)", at: node, location) }
            guard let expect else {
                throw reader.error("missing 'expect' (what the decision must be)", at: node, location)
            }
            cases.append(Case(name: name, line: node.mark?.line ?? 0, request: request, expect: expect))
        }
        return PolicyTestSuite(source: reader.file, cases: cases)
    }

    private static func expectation(
        _ node: Node,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> Expectation {
        let entries = try reader.mapping(
            node,
            location,
            allowed: [
                "decision", "outcome", "risk", "risk_level", "reason_code", "rule", "reason_contains",
            ]
        )
        guard !entries.isEmpty else {
            throw reader.error(
                "expects nothing; give at least one of decision, outcome, risk, reason_code, rule, "
                    + "reason_contains",
                at: node,
                location
            )
        }
        var expect = Expectation()
        for entry in entries {
            let text = try reader.string(entry.value, entry.location)
            switch entry.key {
            case "decision":
                guard let value = PolicyEffect(rawValue: text) else {
                    throw reader.error(
                        "unknown decision '\(text)'; expected allow, deny or require_approval",
                        at: entry.value,
                        entry.location
                    )
                }
                expect.decision = value
            case "outcome":
                guard let value = DecisionOutcome(rawValue: text.uppercased()) else {
                    throw reader.error(
                        "unknown outcome '\(text)'; expected EXECUTE, ABSTAIN or HALT",
                        at: entry.value,
                        entry.location
                    )
                }
                expect.outcome = value
            case "risk", "risk_level":
                if expect.risk != nil {
                    throw reader.error("'risk' and 'risk_level' are aliases; keep one", at: entry.keyNode, location)
                }
                expect.risk = try reader.riskLevel(entry.value, entry.location)
            case "reason_code":
                guard let value = ReasonCode(rawValue: text) else {
                    throw reader.error(
                        "unknown reason_code '\(text)'; expected one of "
                            + ReasonCode.allCases.map(\.rawValue).joined(separator: ", "),
                        at: entry.value,
                        entry.location
                    )
                }
                expect.reasonCode = value
            case "rule":
                if case .scalar = entry.value, entry.value.tag.rawValue == Tag.Name.int.rawValue, let index = Int(text)
                {
                    expect.rule = .index(index)
                } else {
                    expect.rule = .name(text)
                }
            default:
                expect.reasonContains = text
            }
        }
        return expect
    }
}
