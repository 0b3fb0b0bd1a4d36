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

    public init(
        effect: PolicyEffect,
        reasonCode: ReasonCode,
        reason: String,
        riskLevel: RiskLevel,
        matchedRule: Int?,
        matchedRiskRule: Int?,
        approvalTimeout: Duration?
    ) {
        self.effect = effect
        self.reasonCode = reasonCode
        self.reason = reason
        self.riskLevel = riskLevel
        self.matchedRule = matchedRule
        self.matchedRiskRule = matchedRiskRule
        self.approvalTimeout = approvalTimeout
    }
}
