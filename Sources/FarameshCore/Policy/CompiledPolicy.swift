import Yams

/// A policy file parsed once into an immutable, thread-safe evaluator: ordered rules (first match
/// wins, no match = deny), risk rules (first match, default low) and the high-risk upgrade.
/// Regexes are compiled and rules indexed by tool and op at load. Evaluation allocates nothing
/// unless a `contains` / `pattern` condition needs the canonical params text and the caller did
/// not pass it, a `path` needs normalizing, or a pattern only ICU can evaluate runs.
public struct CompiledPolicy: Sendable {
    /// The reason of a decision when no rule matched.
    public static let noMatchReason = "No rule matched (deny by default)"

    /// The file name given to `compile` (for messages only; it does not affect the hash).
    public let source: String
    /// `policy_version`: the caller's override, else the file's `version:`, else `sha256:<first 12 hex of hash>`.
    public let version: String
    /// `policy_hash`: SHA-256 hex of the canonical JSON of the parsed document. Depends only on content.
    public let hash: String
    /// Top-level `description:`, if any.
    public let description: String?
    public let rules: [PolicyRule]
    public let riskRules: [RiskRule]
    public let warnings: [PolicyWarning]
    /// The whole document as parsed (what `hash` is computed over).
    public let document: JSONValue

    private let ruleTable: RuleTable
    private let riskTable: RuleTable
    /// Hot data of each rule, kept apart so a match copies no strings.
    private let outcomes: ContiguousArray<Outcome>
    private let riskLevels: ContiguousArray<RiskLevel>

    private struct Outcome: Sendable {
        var effect: PolicyEffect
        var risk: RiskLevel
        var reason: String
        var upgradedReason: String
        var approvalTimeout: Duration?
    }

    // MARK: - Evaluation

    /// Evaluates risk rules and rules against `request`. `canonicalParams` is the canonical JSON of
    /// `request.params` when the caller already has it; otherwise it is computed on first need.
    public func evaluate(_ request: ActionRequest, canonicalParams: String? = nil) -> PolicyEvaluation {
        var input = PolicyInput(request: request, canonicalParams: canonicalParams)
        return evaluate(&input)
    }

    func evaluate(_ input: inout PolicyInput) -> PolicyEvaluation {
        let riskIndex = riskTable.firstMatch(&input)
        let computedRisk = riskIndex.map { riskLevels[$0] } ?? .low
        guard let index = ruleTable.firstMatch(&input) else {
            return PolicyEvaluation(
                effect: .deny,
                reasonCode: .defaultDenyNoMatch,
                reason: Self.noMatchReason,
                riskLevel: computedRisk,
                matchedRule: nil,
                matchedRiskRule: riskIndex,
                approvalTimeout: nil
            )
        }
        return outcomes.withUnsafeBufferPointer { outcomes in
            let outcome = outcomes[index]
            let risk = max(outcome.risk, computedRisk)
            let effect: PolicyEffect
            let code: ReasonCode
            let reason: String
            switch outcome.effect {
            case .allow where risk == .high:
                (effect, code, reason) = (.requireApproval, .riskUpgrade, outcome.upgradedReason)
            case .allow:
                (effect, code, reason) = (.allow, .policyAllow, outcome.reason)
            case .deny:
                (effect, code, reason) = (.deny, .policyDeny, outcome.reason)
            case .requireApproval:
                (effect, code, reason) = (.requireApproval, .policyRequireApproval, outcome.reason)
            }
            return PolicyEvaluation(
                effect: effect,
                reasonCode: code,
                reason: reason,
                riskLevel: risk,
                matchedRule: index,
                matchedRiskRule: riskIndex,
                approvalTimeout: effect == .requireApproval ? outcome.approvalTimeout : nil
            )
        }
    }

    // MARK: - Compilation

    /// Parses and validates a policy document.
    /// - Parameters:
    ///   - yaml: the file's text.
    ///   - source: the file name used in error messages.
    ///   - version: overrides the policy version (e.g. from `FARAMESH_POLICY_VERSION`); the hash is unaffected.
    public static func compile(
        yaml: String,
        source: String,
        version: String? = nil
    ) throws(PolicyLoadError) -> CompiledPolicy {
        let reader = PolicyYAMLReader(file: source)
        let root = try reader.compose(yaml)
        return try compile(root: root, reader: reader, versionOverride: version)
    }

    private static func compile(
        root: Node,
        reader: PolicyYAMLReader,
        versionOverride: String?
    ) throws(PolicyLoadError) -> CompiledPolicy {
        let top = try reader.mapping(root, .root, allowed: ["version", "description", "rules", "risk"])
        var fileVersion: String?
        var description: String?
        var rulesEntry: PolicyYAMLReader.Entry?
        var riskEntry: PolicyYAMLReader.Entry?
        for entry in top {
            switch entry.key {
            case "version": fileVersion = try reader.string(entry.value, entry.location)
            case "description": description = try reader.string(entry.value, entry.location, allowEmpty: true)
            case "rules": rulesEntry = entry
            default: riskEntry = entry
            }
        }
        guard let rulesEntry else {
            throw reader.error("missing 'rules' (the ordered list of rules)", at: root, .root)
        }

        var rules: [PolicyRule] = []
        var names: [String: Int] = [:]
        for (index, node) in try reader.sequence(rulesEntry.value, rulesEntry.location).enumerated() {
            let location = PolicyYAMLReader.Location(path: "rules[\(index)]", rule: index)
            let rule = try compileRule(node, index: index, location, reader: reader)
            if let name = rule.name {
                if let first = names[name] {
                    throw reader.error("duplicate rule name '\(name)' (also rules[\(first)])", at: node, location)
                }
                names[name] = index
            }
            rules.append(rule)
        }

        var riskRules: [RiskRule] = []
        if let riskEntry {
            riskRules = try compileRiskRules(riskEntry, reader: reader)
        }

        let document = try reader.json(root, .root)
        let hash = SHA256Hex.hash(CanonicalJSON.bytes(document))
        let version = versionOverride ?? fileVersion ?? "sha256:\(hash.prefix(12))"
        return CompiledPolicy(
            source: reader.file,
            version: version,
            hash: hash,
            description: description,
            rules: rules,
            riskRules: riskRules,
            warnings: warnings(rules: rules, riskRules: riskRules),
            document: document
        )
    }

    private init(
        source: String,
        version: String,
        hash: String,
        description: String?,
        rules: [PolicyRule],
        riskRules: [RiskRule],
        warnings: [PolicyWarning],
        document: JSONValue
    ) {
        self.source = source
        self.version = version
        self.hash = hash
        self.description = description
        self.rules = rules
        self.riskRules = riskRules
        self.warnings = warnings
        self.document = document
        self.ruleTable = RuleTable(rules.map(\.matcher))
        self.riskTable = RuleTable(riskRules.map(\.matcher))
        self.outcomes = ContiguousArray(
            rules.map {
                Outcome(
                    effect: $0.effect,
                    risk: $0.risk ?? .low,
                    reason: $0.reason,
                    upgradedReason: $0.upgradedReason,
                    approvalTimeout: $0.approvalTimeout
                )
            }
        )
        self.riskLevels = ContiguousArray(riskRules.map(\.level))
    }

    private static let effectKeys = ["allow", "deny", "require_approval"]

    private static func compileRule(
        _ node: Node,
        index: Int,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> PolicyRule {
        let entries = try reader.mapping(
            node,
            location,
            allowed: [
                "name", "description", "match", "allow", "deny", "require_approval", "risk", "approval_timeout",
            ]
        )
        var name: String?
        var description: String?
        var matcher: RuleMatcher.Conditions?
        var effects: [(PolicyEffect, PolicyYAMLReader.Entry)] = []
        var risk: RiskLevel?
        var timeout: (Duration, PolicyYAMLReader.Entry)?
        for entry in entries {
            switch entry.key {
            case "name": name = try reader.string(entry.value, entry.location)
            case "description": description = try reader.string(entry.value, entry.location)
            case "match": matcher = try RuleMatcher.compile(entry.value, entry.location, reader: reader)
            case "risk": risk = try reader.riskLevel(entry.value, entry.location)
            case "approval_timeout": timeout = (try reader.duration(entry.value, entry.location), entry)
            default:
                guard try reader.bool(entry.value, entry.location) else {
                    throw reader.error(
                        "an effect key takes the value true; to get another effect use deny: true, "
                            + "allow: true or require_approval: true instead",
                        at: entry.value,
                        entry.location
                    )
                }
                effects.append((PolicyEffect(rawValue: entry.key) ?? .deny, entry))
            }
        }
        guard let matcher else {
            throw reader.error("missing 'match' (the conditions of this rule)", at: node, location)
        }
        guard effects.count == 1, let (effect, _) = effects.first else {
            let message =
                effects.isEmpty
                ? "missing effect: add exactly one of allow: true, deny: true, require_approval: true"
                : "has \(effects.count) effects (\(effects.map(\.1.key).joined(separator: ", "))); exactly one is allowed"
            throw reader.error(message, at: effects.dropFirst().first?.1.keyNode ?? node, location)
        }
        if let (_, entry) = timeout, effect == .deny {
            throw reader.error("approval_timeout has no effect on a deny rule", at: entry.keyNode, location)
        }
        let reason =
            description
            ?? {
                let label = name.map { "'\($0)'" } ?? "rules[\(index)]"
                switch effect {
                case .allow: return "Allowed by policy rule \(label)"
                case .deny: return "Denied by policy rule \(label)"
                case .requireApproval: return "Requires approval by policy rule \(label)"
                }
            }()
        let mark = node.mark
        return PolicyRule(
            index: index,
            name: name,
            effect: effect,
            description: description,
            risk: risk,
            approvalTimeout: timeout?.0,
            line: mark?.line ?? 0,
            column: mark?.column ?? 0,
            document: try reader.json(node, location),
            reason: reason,
            upgradedReason: "\(reason) (high risk requires approval)",
            matcher: RuleMatcher(matcher)
        )
    }

    private static func compileRiskRules(
        _ entry: PolicyYAMLReader.Entry,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> [RiskRule] {
        let riskEntries = try reader.mapping(entry.value, entry.location, allowed: ["rules"])
        guard let listEntry = riskEntries.first else {
            throw reader.error("missing 'rules' (the list of risk rules)", at: entry.value, entry.location)
        }
        var riskRules: [RiskRule] = []
        var names: [String: Int] = [:]
        for (index, node) in try reader.sequence(listEntry.value, listEntry.location).enumerated() {
            let location = listEntry.location.item(index)
            let fields = try reader.mapping(node, location, allowed: ["name", "description", "when", "risk_level"])
            var name: String?
            var description: String?
            var matcher: RuleMatcher.Conditions?
            var level: RiskLevel?
            for field in fields {
                switch field.key {
                case "name": name = try reader.string(field.value, field.location)
                case "description": description = try reader.string(field.value, field.location)
                case "when": matcher = try RuleMatcher.compile(field.value, field.location, reader: reader)
                default: level = try reader.riskLevel(field.value, field.location)
                }
            }
            guard let name else { throw reader.error("missing 'name'", at: node, location) }
            guard let matcher else {
                throw reader.error("missing 'when' (the conditions of this risk rule)", at: node, location)
            }
            guard let level else {
                throw reader.error("missing 'risk_level' (low, medium or high)", at: node, location)
            }
            if let first = names[name] {
                throw reader.error("duplicate risk rule name '\(name)' (also risk.rules[\(first)])", at: node, location)
            }
            names[name] = index
            let mark = node.mark
            riskRules.append(
                RiskRule(
                    index: index,
                    name: name,
                    level: level,
                    description: description,
                    line: mark?.line ?? 0,
                    column: mark?.column ?? 0,
                    document: try reader.json(node, location),
                    matcher: RuleMatcher(matcher)
                )
            )
        }
        return riskRules
    }

    private static func icuWarning(_ pattern: String) -> String {
        "pattern '\(pattern)' uses syntax outside the linear-time matcher (see docs/policy.md), so ICU evaluates it: "
            + "slower, and a backtracking regex can take seconds on hostile input and then reports no match"
    }

    private static func warnings(rules: [PolicyRule], riskRules: [RiskRule]) -> [PolicyWarning] {
        var warnings: [PolicyWarning] = []
        if rules.isEmpty {
            warnings.append(
                PolicyWarning(
                    ruleIndex: nil,
                    line: nil,
                    column: nil,
                    message: "the policy has no rules: every action is denied"
                )
            )
        }
        if let catchAll = rules.first(where: { $0.matcher.matchesEverything }), catchAll.index + 1 < rules.count {
            for rule in rules[(catchAll.index + 1)...] {
                warnings.append(
                    PolicyWarning(
                        ruleIndex: rule.index,
                        line: rule.line,
                        column: rule.column,
                        message:
                            "unreachable: rules[\(catchAll.index)] (line \(catchAll.line)) matches every action first"
                    )
                )
            }
        }
        for rule in rules where rule.effect == .allow && rule.risk == .high {
            warnings.append(
                PolicyWarning(
                    ruleIndex: rule.index,
                    line: rule.line,
                    column: rule.column,
                    message: "allow with risk: high always becomes require_approval (RISK_UPGRADE)"
                )
            )
        }
        for rule in rules where rule.matcher.pattern?.needsICU == true {
            warnings.append(
                PolicyWarning(
                    ruleIndex: rule.index,
                    line: rule.line,
                    column: rule.column,
                    message: Self.icuWarning(rule.matcher.pattern?.source ?? "")
                )
            )
        }
        for rule in riskRules where rule.matcher.pattern?.needsICU == true {
            warnings.append(
                PolicyWarning(
                    ruleIndex: nil,
                    line: rule.line,
                    column: rule.column,
                    message: "risk.rules[\(rule.index)]: " + Self.icuWarning(rule.matcher.pattern?.source ?? "")
                )
            )
        }
        if let catchAll = riskRules.first(where: { $0.matcher.matchesEverything }), catchAll.index + 1 < riskRules.count
        {
            for rule in riskRules[(catchAll.index + 1)...] {
                warnings.append(
                    PolicyWarning(
                        ruleIndex: nil,
                        line: rule.line,
                        column: rule.column,
                        message: "risk.rules[\(rule.index)] '\(rule.name)' is unreachable: "
                            + "risk.rules[\(catchAll.index)] matches every action first"
                    )
                )
            }
        }
        return warnings
    }
}
