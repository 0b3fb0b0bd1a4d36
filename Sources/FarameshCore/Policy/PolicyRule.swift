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
