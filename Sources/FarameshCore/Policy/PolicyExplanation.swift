/// Why a request got its decision (`faramesh policy explain`): the decision, the rule that
/// matched with every condition that held, each rule passed over with the first condition that
/// failed (in `ConditionKey` order), and the same for risk rules. Evaluates the rules one by one
/// in file order; the result always agrees with the indexed evaluation of `DecisionEngine`.
public struct PolicyExplanation: Sendable {
    public enum Verdict: Sendable, Hashable {
        /// All conditions held; the strings describe each one.
        case matched([String])
        /// The first condition (in check order) that failed, and why.
        case failed(ConditionKey, String)
        /// After the first match: not looked at.
        case notEvaluated
    }

    public struct Trace: Sendable, Hashable {
        /// `rules[i]` or `risk.rules[i]`.
        public let reference: String
        public let index: Int
        public let name: String?
        public let line: Int
        /// What the rule does: `allow`, `deny`, `require_approval` or `risk high`.
        public let effect: String
        public let verdict: Verdict
    }

    public let request: ActionRequest
    public let decision: Decision
    /// Profile checks that applied (empty without a profile).
    public let profileNotes: [String]
    public let rules: [Trace]
    public let riskRules: [Trace]

    /// Explains how `engine` decides `request`.
    public static func explain(_ request: ActionRequest, engine: DecisionEngine) -> PolicyExplanation {
        let decision = engine.decide(request)
        var input = PolicyInput(request: request, canonicalParams: nil)
        var profileNotes: [String] = []
        switch engine.profile {
        case .none:
            break
        case .failed(let message):
            profileNotes.append("profile failed to load (every action HALTs): \(message)")
        case .loaded(let profile):
            profileNotes.append("profile '\(profile.id)' version \(profile.version)")
            if let allowed = profile.allowedTools {
                let listed = allowed.contains { $0.matches(request.tool) }
                profileNotes.append(
                    "allowed_tools [\(allowed.map(\.pattern).joined(separator: ", "))] "
                        + (listed ? "includes" : "does not include") + " '\(request.tool)'"
                )
            }
            if let index = decision.profileRule, profile.rules.indices.contains(index) {
                let rule = profile.rules[index]
                profileNotes.append("profile rule '\(rule.name)' (line \(rule.line)) matched: \(rule.outcome.rawValue)")
            }
            if profile.requiresApproval {
                profileNotes.append(
                    "required_controls.approval_token: every action the policy allows needs a human approval"
                )
            }
        }

        var rules: [Trace] = []
        var riskRules: [Trace] = []
        if let policy = engine.policy {
            var matched = false
            for rule in policy.rules {
                let verdict = matched ? Verdict.notEvaluated : rule.matcher.verdict(&input)
                if case .matched = verdict { matched = true }
                rules.append(
                    Trace(
                        reference: "rules[\(rule.index)]",
                        index: rule.index,
                        name: rule.name,
                        line: rule.line,
                        effect: rule.effect.rawValue,
                        verdict: verdict
                    )
                )
            }
            matched = false
            for rule in policy.riskRules {
                let verdict = matched ? Verdict.notEvaluated : rule.matcher.verdict(&input)
                if case .matched = verdict { matched = true }
                riskRules.append(
                    Trace(
                        reference: "risk.rules[\(rule.index)]",
                        index: rule.index,
                        name: rule.name,
                        line: rule.line,
                        effect: "risk \(rule.level.rawValue)",
                        verdict: verdict
                    )
                )
            }
        }
        return PolicyExplanation(
            request: request,
            decision: decision,
            profileNotes: profileNotes,
            rules: rules,
            riskRules: riskRules
        )
    }

    // MARK: - Rendering

    public var text: String {
        var lines: [String] = []
        lines.append(
            "Action: agent \(quoted(request.agentID)), tool \(quoted(request.tool)), op \(quoted(request.operation))"
        )
        lines.append("Params: \(CanonicalJSON.string(request.params))")
        if case .object(let context) = request.context, !context.isEmpty {
            lines.append("Context: \(CanonicalJSON.string(request.context))")
        }
        lines.append("")
        lines.append("Decision: \(decision.effect.rawValue) (\(decision.outcome.rawValue))")
        lines.append("Reason code: \(decision.reasonCode.rawValue)")
        lines.append("Reason: \(decision.reason)")
        lines.append("Risk: \(decision.riskLevel.rawValue)")
        if let timeout = decision.approvalTimeout {
            lines.append("Approval timeout: \(PolicyDuration.format(timeout))")
        }
        if let version = decision.policyVersion, let hash = decision.policyHash {
            lines.append("Policy: version \(version), hash \(hash.prefix(16))…")
        }
        if !profileNotes.isEmpty {
            lines.append("")
            lines.append("Profile:")
            lines.append(contentsOf: profileNotes.map { "  \($0)" })
        }
        func section(_ title: String, _ traces: [Trace]) {
            guard !traces.isEmpty else { return }
            lines.append("")
            lines.append(title)
            for trace in traces {
                let head =
                    "\(trace.reference)\(trace.name.map { " '\($0)'" } ?? "") (line \(trace.line), \(trace.effect))"
                switch trace.verdict {
                case .matched(let holds):
                    lines.append("  MATCH    \(head)")
                    lines.append(contentsOf: holds.map { "             ✓ \($0)" })
                case .failed(let key, let why):
                    lines.append("  skip     \(head): \(key.rawValue): \(why)")
                case .notEvaluated:
                    lines.append("  -        \(head): not evaluated (an earlier rule matched)")
                }
            }
        }
        section("Rules (first match wins):", rules)
        if !rules.isEmpty && !rules.contains(where: { if case .matched = $0.verdict { true } else { false } }) {
            lines.append("  no rule matched: deny by default")
        }
        section("Risk rules (first match sets the risk, default low):", riskRules)
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        func traces(_ list: [Trace]) -> JSONValue {
            .array(
                list.map { trace in
                    var object: [String: JSONValue] = [
                        "rule": .string(trace.reference),
                        "index": .int(Int64(trace.index)),
                        "line": .int(Int64(trace.line)),
                        "effect": .string(trace.effect),
                        "name": trace.name.map(JSONValue.string) ?? .null,
                    ]
                    switch trace.verdict {
                    case .matched(let holds):
                        object["verdict"] = .string("matched")
                        object["conditions"] = .array(holds.map(JSONValue.string))
                    case .failed(let key, let why):
                        object["verdict"] = .string("failed")
                        object["failed_condition"] = .string(key.rawValue)
                        object["why"] = .string(why)
                    case .notEvaluated:
                        object["verdict"] = .string("not_evaluated")
                    }
                    return .object(object)
                }
            )
        }
        var decisionObject: [String: JSONValue] = [
            "decision": .string(decision.effect.rawValue),
            "outcome": .string(decision.outcome.rawValue),
            "reason_code": .string(decision.reasonCode.rawValue),
            "reason": .string(decision.reason),
            "risk_level": .string(decision.riskLevel.rawValue),
            "request_hash": .string(decision.requestHash),
            "policy_hash": decision.policyHash.map(JSONValue.string) ?? .null,
            "policy_version": decision.policyVersion.map(JSONValue.string) ?? .null,
            "profile_id": decision.profileID.map(JSONValue.string) ?? .null,
            "profile_hash": decision.profileHash.map(JSONValue.string) ?? .null,
            "provenance_id": .string(decision.provenanceID),
            "matched_rule": decision.matchedRule.map { .int(Int64($0)) } ?? .null,
            "matched_risk_rule": decision.matchedRiskRule.map { .int(Int64($0)) } ?? .null,
        ]
        decisionObject["approval_timeout"] =
            decision.approvalTimeout.map { .string(PolicyDuration.format($0)) } ?? .null
        return .object([
            "action": .object([
                "agent_id": .string(request.agentID), "tool": .string(request.tool),
                "operation": .string(request.operation), "params": request.params, "context": request.context,
            ]),
            "decision": .object(decisionObject),
            "profile": .array(profileNotes.map(JSONValue.string)),
            "rules": traces(rules),
            "risk_rules": traces(riskRules),
        ])
    }
}

private func quoted(_ text: String) -> String { "\"\(text)\"" }

// MARK: - Condition descriptions

extension RuleMatcher {
    /// Evaluates like `firstFailure`, describing the outcome.
    func verdict(_ input: inout PolicyInput) -> PolicyExplanation.Verdict {
        if let key = firstFailure(&input) { return .failed(key, whyFailed(key, &input)) }
        return .matched(holds(&input))
    }

    private func whyFailed(_ key: ConditionKey, _ input: inout PolicyInput) -> String {
        switch key {
        case .tool: return "\(quoted(input.request.tool)) does not match \(quoted(tool.pattern))"
        case .op: return "\(quoted(input.request.operation)) does not match \(quoted(op.pattern))"
        case .agentID: return "agent \(quoted(input.request.agentID)) does not match \(quoted(agentID?.pattern ?? ""))"
        case .method:
            return stringFailure("method", input.value(forKey: "method"), wanted: "\(quoted(method ?? "")) (any case)")
        case .branch:
            return stringFailure("branch", input.value(forKey: "branch"), wanted: quoted(branch?.pattern ?? ""))
        case .amountGT, .amountGTE, .amountLT, .amountLTE:
            let limit: (String, Double?) =
                switch key {
                case .amountGT: (">", amountGT)
                case .amountGTE: (">=", amountGTE)
                case .amountLT: ("<", amountLT)
                default: ("<=", amountLTE)
                }
            let wanted = "amount \(limit.0) \(Self.number(limit.1 ?? 0))"
            guard let raw = input.value(forKey: "amount") else {
                return "no amount in params or context (wanted \(wanted); a missing amount never matches)"
            }
            guard let amount = raw.numericValue else {
                return "amount \(CanonicalJSON.string(raw)) is not a number (wanted \(wanted))"
            }
            return "amount is \(Self.number(amount)), wanted \(wanted)"
        case .pathContains, .pathStartsWith, .pathEndsWith:
            let (verb, needle): (String, String?) =
                switch key {
                case .pathContains: ("to contain", pathContains)
                case .pathStartsWith: ("to start with", pathStartsWith)
                default: ("to end with", pathEndsWith)
                }
            let wanted = "wanted the path \(verb) \(quoted(needle ?? ""))"
            guard case .string(let raw)? = input.value(forKey: "path") else {
                return input.value(forKey: "path") == nil
                    ? "no path in params or context (\(wanted))"
                    : "path is not a string (\(wanted))"
            }
            let normalized = input.path() ?? raw
            let shown = normalized == raw ? quoted(raw) : "\(quoted(normalized)) (normalized from \(quoted(raw)))"
            return "path is \(shown), \(wanted)"
        case .field:
            guard let field else { return "" }
            let wanted = "wanted \(CanonicalJSON.string(field.expected))"
            guard let actual = input.value(forKey: field.name, path: field.path) else {
                return "\(field.name) is missing (\(wanted))"
            }
            return "\(field.name) is \(CanonicalJSON.string(actual)), \(wanted)"
        case .contains:
            return "\(quoted(contains?.source ?? "")) not found in params \(Self.clip(input.canonicalParams()))"
        case .pattern:
            return "/\(pattern?.source ?? "")/ does not match params \(Self.clip(input.canonicalParams()))"
        }
    }

    private func stringFailure(_ name: String, _ value: JSONValue?, wanted: String) -> String {
        switch value {
        case nil: return "no \(name) in params or context (wanted \(wanted))"
        case .string(let actual)?: return "\(name) is \(quoted(actual)), wanted \(wanted)"
        case let other?: return "\(name) is \(CanonicalJSON.string(other)), not a string (wanted \(wanted))"
        }
    }

    /// One line per condition of a matching rule.
    private func holds(_ input: inout PolicyInput) -> [String] {
        var out: [String] = []
        out.append("tool \(quoted(input.request.tool)) matches \(quoted(tool.pattern))")
        out.append("op \(quoted(input.request.operation)) matches \(quoted(op.pattern))")
        if let agentID { out.append("agent \(quoted(input.request.agentID)) matches \(quoted(agentID.pattern))") }
        if let method, case .string(let actual)? = input.value(forKey: "method") {
            out.append("method \(quoted(actual)) equals \(quoted(method)) (any case)")
        }
        if let branch, case .string(let actual)? = input.value(forKey: "branch") {
            out.append("branch \(quoted(actual)) matches \(quoted(branch.pattern))")
        }
        let amount = input.amount().map(Self.number) ?? "?"
        for (symbol, limit) in [(">", amountGT), (">=", amountGTE), ("<", amountLT), ("<=", amountLTE)] {
            if let limit { out.append("amount \(amount) \(symbol) \(Self.number(limit))") }
        }
        let path = input.path() ?? ""
        if let pathContains { out.append("path \(quoted(path)) contains \(quoted(pathContains))") }
        if let pathStartsWith { out.append("path \(quoted(path)) starts with \(quoted(pathStartsWith))") }
        if let pathEndsWith { out.append("path \(quoted(path)) ends with \(quoted(pathEndsWith))") }
        if let field { out.append("\(field.name) equals \(CanonicalJSON.string(field.expected))") }
        if let contains { out.append("params contain \(quoted(contains.source))") }
        if let pattern { out.append("params match /\(pattern.source)/") }
        return out
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func clip(_ text: String) -> String {
        text.count <= 160 ? text : String(text.prefix(160)) + "…"
    }
}
