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
