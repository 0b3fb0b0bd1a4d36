/// A match condition of a policy rule (`match:`), risk rule or profile rule (`when:`).
/// Conditions of one rule are ANDed and checked in this order (cheapest first); `policy explain`
/// reports the first one that failed in this order. `value` belongs to `field`; `operation` is
/// an alias of `op`.
public enum ConditionKey: String, Sendable, Hashable, CaseIterable, Codable {
    case tool
    case op
    case agentID = "agent_id"
    case method
    case branch
    case amountGT = "amount_gt"
    case amountGTE = "amount_gte"
    case amountLT = "amount_lt"
    case amountLTE = "amount_lte"
    case pathContains = "path_contains"
    case pathStartsWith = "path_starts_with"
    case pathEndsWith = "path_ends_with"
    case field
    case contains
    case pattern

    /// Every key accepted inside `match:` / `when:`.
    static let yamlKeys: [String] = [
        "tool", "op", "operation", "agent_id", "method", "branch",
        "amount_gt", "amount_gte", "amount_lt", "amount_lte",
        "path_contains", "path_starts_with", "path_ends_with",
        "field", "value", "contains", "pattern",
    ]
}
