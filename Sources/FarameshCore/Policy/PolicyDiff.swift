/// What changed between two policies (`faramesh policy-diff OLD NEW [--samples FILE]`): rules
/// added, removed, changed and moved (order matters: first match wins), risk rules likewise, and,
/// given sample actions, which decisions change.
///
/// Rules are paired by `name` when they have one, else by their `match` conditions; a paired rule
/// whose effect, description, risk or timeout differs is "changed"; a paired rule whose relative
/// order differs is "moved".
public struct PolicyDiff: Sendable {
    public enum ChangeKind: String, Sendable, Hashable {
        case added, removed, changed, moved
    }

    public struct RuleChange: Sendable, Hashable {
        public let kind: ChangeKind
        public let oldIndex: Int?
        public let newIndex: Int?
        /// The rule's name, or a one-line summary of it.
        public let label: String
        /// For `changed`: one line per differing key (`effect: allow → deny`).
        public let details: [String]
    }

    public struct DecisionChange: Sendable, Hashable {
        public let sample: PolicySample
        public let old: PolicyEvaluation
        public let new: PolicyEvaluation
    }

    public struct Side: Sendable, Hashable {
        public let source: String
        public let version: String
        public let hash: String
        public let ruleCount: Int
        public let riskRuleCount: Int
    }

    public let old: Side
    public let new: Side
    public let ruleChanges: [RuleChange]
    public let riskRuleChanges: [RuleChange]
    public let sampleCount: Int
    public let decisionChanges: [DecisionChange]

    /// True when the documents differ at all (same hash = same content).
    public var policiesDiffer: Bool { old.hash != new.hash }

    public static func compare(old: CompiledPolicy, new: CompiledPolicy, samples: [PolicySample] = []) -> PolicyDiff {
        let ruleChanges = changes(
            old: old.rules.map {
                Item(
                    key: $0.name.map { "name:\($0)" } ?? "match:\(CanonicalJSON.string($0.document["match"] ?? .null))",
                    label: summary($0),
                    document: $0.document
                )
            },
            new: new.rules.map {
                Item(
                    key: $0.name.map { "name:\($0)" } ?? "match:\(CanonicalJSON.string($0.document["match"] ?? .null))",
                    label: summary($0),
                    document: $0.document
                )
            }
        )
        let riskChanges = changes(
            old: old.riskRules.map {
                Item(key: "name:\($0.name)", label: "'\($0.name)' (risk \($0.level.rawValue))", document: $0.document)
            },
            new: new.riskRules.map {
                Item(key: "name:\($0.name)", label: "'\($0.name)' (risk \($0.level.rawValue))", document: $0.document)
            }
        )
        var decisionChanges: [DecisionChange] = []
        for sample in samples {
            let before = old.evaluate(sample.request)
            let after = new.evaluate(sample.request)
            if before.effect != after.effect || before.reasonCode != after.reasonCode
                || before.riskLevel != after.riskLevel
            {
                decisionChanges.append(DecisionChange(sample: sample, old: before, new: after))
            }
        }
        return PolicyDiff(
            old: side(old),
            new: side(new),
            ruleChanges: ruleChanges,
            riskRuleChanges: riskChanges,
            sampleCount: samples.count,
            decisionChanges: decisionChanges
        )
    }

    private static func side(_ policy: CompiledPolicy) -> Side {
        Side(
            source: policy.source,
            version: policy.version,
            hash: policy.hash,
            ruleCount: policy.rules.count,
            riskRuleCount: policy.riskRules.count
        )
    }

    /// `allow tool=http op=get "Allow HTTP GET requests"` (name first when there is one).
    static func summary(_ rule: PolicyRule) -> String {
        var parts: [String] = []
        if let name = rule.name { parts.append("'\(name)'") }
        parts.append(rule.effect.rawValue)
        if case .object(let match)? = rule.document["match"] {
            for key in match.keys.sorted() {
                let value = match[key] ?? .null
                parts.append("\(key)=\(value.stringValue ?? CanonicalJSON.string(value))")
            }
        }
        if let description = rule.description { parts.append("\"\(description)\"") }
        return parts.joined(separator: " ")
    }

    // MARK: - Pairing

    private struct Item {
        var key: String
        var label: String
        var document: JSONValue
    }

    private static func changes(old: [Item], new: [Item]) -> [RuleChange] {
        // Disambiguate repeated keys by occurrence so the n-th duplicate pairs with the n-th.
        func keyed(_ items: [Item]) -> [String] {
            var seen: [String: Int] = [:]
            return items.map { item in
                let count = seen[item.key, default: 0]
                seen[item.key] = count + 1
                return count == 0 ? item.key : "\(item.key)#\(count)"
            }
        }
        let oldKeys = keyed(old)
        let newKeys = keyed(new)
        var newIndexByKey: [String: Int] = [:]
        for (index, key) in newKeys.enumerated() { newIndexByKey[key] = index }

        var result: [RuleChange] = []
        var pairs: [(old: Int, new: Int)] = []
        for (oldIndex, key) in oldKeys.enumerated() {
            if let newIndex = newIndexByKey[key] {
                pairs.append((oldIndex, newIndex))
            } else {
                result.append(
                    RuleChange(
                        kind: .removed,
                        oldIndex: oldIndex,
                        newIndex: nil,
                        label: old[oldIndex].label,
                        details: []
                    )
                )
            }
        }
        let pairedNew = Set(pairs.map(\.new))
        for (newIndex, item) in new.enumerated() where !pairedNew.contains(newIndex) {
            result.append(RuleChange(kind: .added, oldIndex: nil, newIndex: newIndex, label: item.label, details: []))
        }
        let inOrder = longestIncreasing(pairs.map(\.new))
        for (position, pair) in pairs.enumerated() {
            let details = differences(old[pair.old].document, new[pair.new].document)
            if !details.isEmpty {
                result.append(
                    RuleChange(
                        kind: .changed,
                        oldIndex: pair.old,
                        newIndex: pair.new,
                        label: new[pair.new].label,
                        details: details
                    )
                )
            }
            if !inOrder.contains(position) {
                result.append(
                    RuleChange(
                        kind: .moved,
                        oldIndex: pair.old,
                        newIndex: pair.new,
                        label: new[pair.new].label,
                        details: []
                    )
                )
            }
        }
        return result.sorted {
            ($0.newIndex ?? $0.oldIndex ?? 0, $0.kind.order) < ($1.newIndex ?? $1.oldIndex ?? 0, $1.kind.order)
        }
    }

    /// Per top-level key of two rule documents: `key: old → new`.
    private static func differences(_ old: JSONValue, _ new: JSONValue) -> [String] {
        let a = old.objectValue ?? [:]
        let b = new.objectValue ?? [:]
        var lines: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            lines.append(
                "\(key): \(a[key].map(CanonicalJSON.string) ?? "(none)") → \(b[key].map(CanonicalJSON.string) ?? "(none)")"
            )
        }
        return lines
    }

    /// Positions (in `values`) of one longest strictly increasing subsequence (patience sorting).
    private static func longestIncreasing(_ values: [Int]) -> Set<Int> {
        var tails: [Int] = []  // positions
        var previous = [Int](repeating: -1, count: values.count)
        for (position, value) in values.enumerated() {
            var low = 0
            var high = tails.count
            while low < high {
                let mid = (low + high) / 2
                if values[tails[mid]] < value { low = mid + 1 } else { high = mid }
            }
            if low > 0 { previous[position] = tails[low - 1] }
            if low == tails.count { tails.append(position) } else { tails[low] = position }
        }
        var result = Set<Int>()
        var cursor = tails.last ?? -1
        while cursor >= 0 {
            result.insert(cursor)
            cursor = previous[cursor]
        }
        return result
    }

    // MARK: - Rendering

    public var text: String {
        var lines = ["Policy differences", ""]
        for (title, side) in [("Old", old), ("New", new)] {
            lines.append(
                "\(title): \(side.source) (version \(side.version), \(side.ruleCount) rules, "
                    + "\(side.riskRuleCount) risk rules, hash \(side.hash.prefix(12))…)"
            )
        }
        if !policiesDiffer {
            lines.append("")
            lines.append("The policies have the same content.")
        }
        func section(_ title: String, _ prefix: String, _ changes: [RuleChange]) {
            lines.append("")
            guard !changes.isEmpty else {
                lines.append("\(title): no changes")
                return
            }
            lines.append("\(title):")
            for change in changes {
                switch change.kind {
                case .added:
                    lines.append("  + \(prefix)[\(change.newIndex ?? 0)] \(change.label)")
                case .removed:
                    lines.append("  - \(prefix)[\(change.oldIndex ?? 0)] (old) \(change.label)")
                case .changed:
                    lines.append(
                        "  ~ \(prefix)[\(change.oldIndex ?? 0)] → \(prefix)[\(change.newIndex ?? 0)] \(change.label)"
                    )
                    lines.append(contentsOf: change.details.map { "      \($0)" })
                case .moved:
                    lines.append(
                        "  ↕ \(prefix)[\(change.oldIndex ?? 0)] → \(prefix)[\(change.newIndex ?? 0)] moved "
                            + "(first match wins, so order matters): \(change.label)"
                    )
                }
            }
        }
        section("Rules", "rules", ruleChanges)
        section("Risk rules", "risk.rules", riskRuleChanges)
        if sampleCount > 0 {
            lines.append("")
            lines.append("Decisions on \(sampleCount) sample action(s): \(decisionChanges.count) change(s)")
            for change in decisionChanges {
                lines.append("  \(change.sample.label): \(Self.brief(change.old)) → \(Self.brief(change.new))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func brief(_ evaluation: PolicyEvaluation) -> String {
        let rule = evaluation.matchedRule.map { ", rules[\($0)]" } ?? ""
        return
            "\(evaluation.effect.rawValue) (\(evaluation.reasonCode.rawValue), risk \(evaluation.riskLevel.rawValue)\(rule))"
    }

    public var json: JSONValue {
        func sideJSON(_ side: Side) -> JSONValue {
            .object([
                "source": .string(side.source), "version": .string(side.version), "hash": .string(side.hash),
                "rules": .int(Int64(side.ruleCount)), "risk_rules": .int(Int64(side.riskRuleCount)),
            ])
        }
        func changesJSON(_ changes: [RuleChange]) -> JSONValue {
            .array(
                changes.map { change in
                    .object([
                        "kind": .string(change.kind.rawValue),
                        "old_index": change.oldIndex.map { .int(Int64($0)) } ?? .null,
                        "new_index": change.newIndex.map { .int(Int64($0)) } ?? .null,
                        "label": .string(change.label),
                        "details": .array(change.details.map(JSONValue.string)),
                    ])
                }
            )
        }
        func evaluationJSON(_ evaluation: PolicyEvaluation) -> JSONValue {
            .object([
                "decision": .string(evaluation.effect.rawValue),
                "reason_code": .string(evaluation.reasonCode.rawValue),
                "risk_level": .string(evaluation.riskLevel.rawValue),
                "rule": evaluation.matchedRule.map { .int(Int64($0)) } ?? .null,
            ])
        }
        return .object([
            "old": sideJSON(old),
            "new": sideJSON(new),
            "same_content": .bool(!policiesDiffer),
            "rules": changesJSON(ruleChanges),
            "risk_rules": changesJSON(riskRuleChanges),
            "samples": .int(Int64(sampleCount)),
            "decision_changes": .array(
                decisionChanges.map { change in
                    .object([
                        "sample": .string(change.sample.label),
                        "line": .int(Int64(change.sample.line)),
                        "old": evaluationJSON(change.old),
                        "new": evaluationJSON(change.new),
                    ])
                }
            ),
        ])
    }
}

extension PolicyDiff.ChangeKind {
    fileprivate var order: Int {
        switch self {
        case .removed: 0
        case .changed: 1
        case .moved: 2
        case .added: 3
        }
    }
}
