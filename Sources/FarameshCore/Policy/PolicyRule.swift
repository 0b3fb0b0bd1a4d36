/// One compiled policy rule (`rules[index]`).
public struct PolicyRule: Sendable {
    /// Position in `rules:` (0-based); first match wins.
    public let index: Int
    /// Optional `name:` (unique within the policy), used by explain and diff.
    public let name: String?
    public let effect: PolicyEffect
    /// `description:` as written; it becomes the decision's reason.
    public let description: String?
    /// `risk:` as written (the reported risk is the higher of this and the risk rules' level).
    public let risk: RiskLevel?
    /// `approval_timeout:` for approvals this rule causes.
    public let approvalTimeout: Duration?
    /// Where the rule starts in the file.
    public let line: Int
    public let column: Int
    /// The rule exactly as parsed (for diffs and display).
    public let document: JSONValue
    /// The reason a decision from this rule carries.
    public let reason: String
    /// The reason when a high risk turns this allow rule into require_approval.
    public let upgradedReason: String
    let matcher: RuleMatcher

    /// `name` when set, else `rules[i]`.
    public var label: String { name.map { "'\($0)'" } ?? "rules[\(index)]" }
}

/// One compiled risk rule (`risk.rules[index]`).
public struct RiskRule: Sendable {
    public let index: Int
    public let name: String
    public let level: RiskLevel
    public let description: String?
    public let line: Int
    public let column: Int
    public let document: JSONValue
    let matcher: RuleMatcher
}

/// A non-fatal finding about a policy that compiled (shown by `faramesh policy validate`).
public struct PolicyWarning: Sendable, Hashable, CustomStringConvertible {
    public let ruleIndex: Int?
    public let line: Int?
    public let column: Int?
    public let message: String

    public var description: String {
        var out = ""
        if let line { out += "\(line):\(column ?? 1): " }
        if let ruleIndex { out += "rules[\(ruleIndex)]: " }
        return out + message
    }
}

/// The result of evaluating a policy (risk rules, then rules) against one request.
public struct PolicyEvaluation: Sendable, Hashable {
    public var effect: PolicyEffect
    /// policyAllow, policyDeny, policyRequireApproval, riskUpgrade or defaultDenyNoMatch.
    public var reasonCode: ReasonCode
    public var reason: String
    /// The higher of the matched rule's `risk` and the first matching risk rule's level (default low).
    public var riskLevel: RiskLevel
    /// Index of the matched rule; nil when none matched (deny by default).
    public var matchedRule: Int?
    /// Index of the first matching risk rule, if any.
    public var matchedRiskRule: Int?
    public var approvalTimeout: Duration?

    public init(effect: PolicyEffect, reasonCode: ReasonCode, reason: String, riskLevel: RiskLevel,
                matchedRule: Int?, matchedRiskRule: Int?, approvalTimeout: Duration?) {
        self.effect = effect
        self.reasonCode = reasonCode
        self.reason = reason
        self.riskLevel = riskLevel
        self.matchedRule = matchedRule
        self.matchedRiskRule = matchedRiskRule
        self.approvalTimeout = approvalTimeout
    }
}
