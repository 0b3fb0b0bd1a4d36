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
