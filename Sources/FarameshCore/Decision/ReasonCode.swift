/// Why a decision came out as it did. Closed set; documented in docs/reason-codes.md.
public enum ReasonCode: String, Sendable, Codable, CaseIterable, Hashable {
    /// A policy rule allowed the action.
    case policyAllow = "POLICY_ALLOW"
    /// A policy rule denied the action.
    case policyDeny = "POLICY_DENY"
    /// A policy rule requires human approval.
    case policyRequireApproval = "POLICY_REQUIRE_APPROVAL"
    /// A rule allowed it but the computed risk is high, so it needs approval.
    case riskUpgrade = "RISK_UPGRADE"
    /// No rule matched; deny by default.
    case defaultDenyNoMatch = "DEFAULT_DENY_NO_MATCH"
    /// The execution profile does not list the tool.
    case profileDisallowsTool = "PROFILE_DISALLOWS_TOOL"
    /// A profile rule halted (or held) the action.
    case profileRuleDeny = "PROFILE_RULE_DENY"
    /// The profile requires a control (e.g. an approval token) the request lacks.
    case profileMissingRequiredControl = "PROFILE_MISSING_REQUIRED_CONTROL"
    /// The execution profile could not be loaded: fail closed.
    case profileLoadError = "PROFILE_LOAD_ERROR"
    /// No policy could be loaded: fail closed.
    case missingPolicy = "MISSING_POLICY"
    /// The request could not be canonicalized or evaluated: fail closed.
    case internalError = "INTERNAL_ERROR"
}
