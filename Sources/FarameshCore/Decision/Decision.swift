/// A gate decision bound to exactly what produced it: the request (request_hash), the policy
/// (policy_hash, policy_version), the profile (profile_*), the runtime and their combination
/// (provenance_id). Replaying the same request against the same policy, profile and runtime gives
/// the same decision.
public struct Decision: Sendable, Hashable {
    public var outcome: DecisionOutcome
    public var effect: PolicyEffect
    public var reason: String
    public var reasonCode: ReasonCode
    public var riskLevel: RiskLevel
    public var requestHash: String
    public var policyHash: String?
    public var policyVersion: String?
    public var profileID: String?
    public var profileVersion: String?
    public var profileHash: String?
    public var runtimeVersion: String
    public var provenanceID: String
    /// Index of the policy rule that decided (`rules[i]`); nil when no rule matched or the
    /// profile, a missing policy or a malformed request decided.
    public var matchedRule: Int?
    /// Index of the first matching risk rule (`risk.rules[i]`), if any.
    public var matchedRiskRule: Int?
    /// `name:` of the deciding rule (`rules[i]` when it has none), recorded on `decision_made`.
    public var matchedRuleName: String? = nil
    /// Name of the risk rule that set the risk level, recorded on `decision_made`.
    public var matchedRiskRuleName: String? = nil
    /// Index of the profile rule that halted or held the action, if any.
    public var profileRule: Int?
    /// How long an approval may stay pending (the matched rule's `approval_timeout`); only set
    /// when the outcome is ABSTAIN.
    public var approvalTimeout: Duration?

    public init(
        outcome: DecisionOutcome,
        effect: PolicyEffect,
        reason: String,
        reasonCode: ReasonCode,
        riskLevel: RiskLevel,
        requestHash: String,
        policyHash: String?,
        policyVersion: String?,
        profileID: String?,
        profileVersion: String?,
        profileHash: String?,
        runtimeVersion: String,
        provenanceID: String,
        matchedRule: Int? = nil,
        matchedRiskRule: Int? = nil,
        profileRule: Int? = nil,
        approvalTimeout: Duration? = nil
    ) {
        self.outcome = outcome
        self.effect = effect
        self.reason = reason
        self.reasonCode = reasonCode
        self.riskLevel = riskLevel
        self.requestHash = requestHash
        self.policyHash = policyHash
        self.policyVersion = policyVersion
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.profileHash = profileHash
        self.runtimeVersion = runtimeVersion
        self.provenanceID = provenanceID
        self.matchedRule = matchedRule
        self.matchedRiskRule = matchedRiskRule
        self.profileRule = profileRule
        self.approvalTimeout = approvalTimeout
    }
}

extension DecisionOutcome {
    /// allow → EXECUTE, require_approval → ABSTAIN, deny → HALT.
    public init(_ effect: PolicyEffect) {
        switch effect {
        case .allow: self = .execute
        case .requireApproval: self = .abstain
        case .deny: self = .halt
        }
    }
}

extension PolicyEffect {
    /// EXECUTE → allow, ABSTAIN → require_approval, HALT → deny.
    public init(_ outcome: DecisionOutcome) {
        switch outcome {
        case .execute: self = .allow
        case .abstain: self = .requireApproval
        case .halt: self = .deny
        }
    }
}
