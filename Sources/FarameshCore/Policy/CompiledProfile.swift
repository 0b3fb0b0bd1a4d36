import Yams

/// An execution profile: restrictions checked before the policy. A profile can only restrict:
/// it can HALT an action or hold it for approval (ABSTAIN), never let anything run that the
/// policy would not allow.
///
/// ```yaml
/// id: default
/// version: "1"
/// allowed_tools: [shell, http, "stripe.*"]   # omit for no tool restriction; [] is an error
/// rules:
///   - name: disallow_shell_on_root
///     when: {tool: shell}                    # any policy match conditions
///     pattern: "rm -rf /|mkfs"               # shorthand for when.pattern
///     outcome: HALT                          # HALT (default) or ABSTAIN; EXECUTE is an error
///     reason_code: PROFILE_DENY_DANGEROUS_SHELL   # free label, shown in the reason
/// required_controls:
///   approval_token: true                     # every action needs a human approval
/// ```
public struct CompiledProfile: Sendable {
    public let source: String
    public let id: String
    public let version: String
    /// `profile_hash`: SHA-256 hex of the canonical JSON of the parsed document.
    public let hash: String
    public let description: String?
    /// nil when the profile does not restrict tools.
    public let allowedTools: [NamePattern]?
    public let rules: [ProfileRule]
    /// `required_controls.approval_token: true`: every action the policy would allow is held for
    /// a human approval unless the caller verified an approval for it. Agent-supplied
    /// `approval_token` values in params or context are never trusted.
    public let requiresApproval: Bool
    public let document: JSONValue

    private let ruleTable: RuleTable

    /// A profile rule as compiled.
    public struct ProfileRule: Sendable {
        public let index: Int
        public let name: String
        public let outcome: DecisionOutcome
        /// The free-form `reason_code:` label of the file, shown in the reason.
        public let label: String?
        public let reason: String
        public let line: Int
        public let column: Int
        let matcher: RuleMatcher
    }

    /// What the profile says about a request before the policy is consulted.
    enum Verdict {
        case pass
        case halt(ReasonCode, String, rule: Int?)
        case hold(ReasonCode, String, rule: Int?)
    }

    func check(_ input: inout PolicyInput, approvalVerified: Bool) -> Verdict {
        if let allowedTools, !allowedTools.contains(where: { $0.matches(input.request.tool) }) {
            return .halt(
                .profileDisallowsTool,
                "Tool '\(input.request.tool)' is not in profile allowed_tools",
                rule: nil
            )
        }
        if let index = ruleTable.firstMatch(&input) {
            let rule = rules[index]
            return rule.outcome == .halt
                ? .halt(.profileRuleDeny, rule.reason, rule: index)
                : .hold(.profileRuleDeny, rule.reason, rule: index)
        }
        if requiresApproval && !approvalVerified {
            return .hold(
                .profileMissingRequiredControl,
                "Profile '\(id)' requires a human approval for every action (required_controls.approval_token)",
                rule: nil
            )
        }
        return .pass
    }

    // MARK: - Compilation

    public static func compile(yaml: String, source: String) throws(PolicyLoadError) -> CompiledProfile {
        let reader = PolicyYAMLReader(file: source)
        let root = try reader.compose(yaml)
        let top = try reader.mapping(
            root,
            .root,
            allowed: [
                "id", "version", "description", "allowed_tools", "rules", "required_controls",
            ]
        )
        var id = "default"
        var version = "1"
        var description: String?
        var allowedTools: [NamePattern]?
        var rules: [ProfileRule] = []
        var requiresApproval = false
        for entry in top {
            switch entry.key {
            case "id": id = try reader.string(entry.value, entry.location)
            case "version": version = try reader.string(entry.value, entry.location)
            case "description": description = try reader.string(entry.value, entry.location, allowEmpty: true)
            case "allowed_tools":
                let items = try reader.sequence(entry.value, entry.location)
                guard !items.isEmpty else {
                    throw reader.error(
                        "an empty allowed_tools list would halt every action; list the allowed tools, "
                            + "or remove the key for no tool restriction",
                        at: entry.value,
                        entry.location
                    )
                }
                var patterns: [NamePattern] = []
                for (index, item) in items.enumerated() {
                    patterns.append(NamePattern(try reader.string(item, entry.location.item(index))))
                }
                allowedTools = patterns
            case "rules":
                for (index, node) in try reader.sequence(entry.value, entry.location).enumerated() {
                    rules.append(try compileRule(node, index: index, entry.location.item(index), reader: reader))
                }
            default:
                for control in try reader.mapping(entry.value, entry.location, allowed: ["approval_token"]) {
                    requiresApproval = try reader.bool(control.value, control.location)
                }
            }
        }
        var names: [String: Int] = [:]
        for rule in rules {
            if let first = names[rule.name] {
                throw PolicyLoadError(
                    file: source,
                    line: rule.line,
                    column: rule.column,
                    keyPath: "rules[\(rule.index)]",
                    message: "duplicate profile rule name '\(rule.name)' (also rules[\(first)])"
                )
            }
            names[rule.name] = rule.index
        }
        let document = try reader.json(root, .root)
        return CompiledProfile(
            source: source,
            id: id,
            version: version,
            hash: SHA256Hex.hash(CanonicalJSON.bytes(document)),
            description: description,
            allowedTools: allowedTools,
            rules: rules,
            requiresApproval: requiresApproval,
            document: document,
            ruleTable: RuleTable(rules.map(\.matcher))
        )
    }

    private static func compileRule(
        _ node: Node,
        index: Int,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> ProfileRule {
        let entries = try reader.mapping(
            node,
            location,
            allowed: [
                "name", "description", "when", "pattern", "outcome", "reason_code",
            ]
        )
        var name: String?
        var description: String?
        var matcher: RuleMatcher.Conditions?
        var pattern: (TextPattern, PolicyYAMLReader.Entry)?
        var outcome = DecisionOutcome.halt
        var label: String?
        for entry in entries {
            switch entry.key {
            case "name": name = try reader.string(entry.value, entry.location)
            case "description": description = try reader.string(entry.value, entry.location)
            case "when": matcher = try RuleMatcher.compile(entry.value, entry.location, reader: reader)
            case "pattern":
                switch TextPattern.compile(try reader.string(entry.value, entry.location)) {
                case .success(let compiled): pattern = (compiled, entry)
                case .failure(let failure): throw reader.error(failure.message, at: entry.value, entry.location)
                }
            case "outcome":
                let text = try reader.string(entry.value, entry.location)
                switch text.uppercased() {
                case "HALT": outcome = .halt
                case "ABSTAIN": outcome = .abstain
                case "EXECUTE":
                    throw reader.error(
                        "a profile can only restrict: outcome EXECUTE would bypass the policy; "
                            + "use HALT or ABSTAIN",
                        at: entry.value,
                        entry.location
                    )
                default:
                    throw reader.error(
                        "unknown outcome '\(text)'; expected HALT or ABSTAIN",
                        at: entry.value,
                        entry.location
                    )
                }
            default:
                let text = try reader.string(entry.value, entry.location)
                guard text.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
                    throw reader.error(
                        "reason_code must be upper-case letters, digits and _",
                        at: entry.value,
                        entry.location
                    )
                }
                label = text
            }
        }
        guard let name else { throw reader.error("missing 'name'", at: node, location) }
        if let (compiled, entry) = pattern {
            var combined = matcher ?? RuleMatcher.Conditions()
            if combined.pattern != nil {
                throw reader.error(
                    "'pattern' is given twice (here and in 'when'); keep one",
                    at: entry.keyNode,
                    location
                )
            }
            combined.pattern = compiled
            matcher = combined
        }
        guard let matcher else {
            throw reader.error(
                "missing 'when' or 'pattern' (a rule without conditions would match every action; "
                    + "use when: {tool: \"*\"} for that)",
                at: node,
                location
            )
        }
        var reason = description ?? "Profile rule '\(name)'"
        if let label { reason += " (\(label))" }
        let mark = node.mark
        return ProfileRule(
            index: index,
            name: name,
            outcome: outcome,
            label: label,
            reason: reason,
            line: mark?.line ?? 0,
            column: mark?.column ?? 0,
            matcher: RuleMatcher(matcher)
        )
    }
}
