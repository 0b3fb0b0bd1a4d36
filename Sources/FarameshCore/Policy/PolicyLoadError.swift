/// Why a policy, profile, test or sample file could not be loaded: the file, where in it
/// (rule index, line and column, key path) and what is wrong. Safe to show to users; it never
/// contains anything but the file name and the offending key or value.
public struct PolicyLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name the document was compiled from (as given by the caller).
    public var file: String
    /// Index of the policy rule (`rules[i]`, 0-based) the error is in, if any.
    public var ruleIndex: Int?
    /// 1-based line of the offending node, when known.
    public var line: Int?
    /// 1-based column (in Unicode scalars) of the offending node, when known.
    public var column: Int?
    /// Where in the document, e.g. `rules[2].match.amount_gt`; nil for the document itself.
    public var keyPath: String?
    public var message: String

    public init(
        file: String,
        ruleIndex: Int? = nil,
        line: Int? = nil,
        column: Int? = nil,
        keyPath: String? = nil,
        message: String
    ) {
        self.file = file
        self.ruleIndex = ruleIndex
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `file:line:column: keyPath: message`, like a compiler diagnostic.
    public var description: String {
        var out = file
        if let line {
            out += ":\(line)"
            if let column { out += ":\(column)" }
        }
        out += ": "
        if let keyPath, !keyPath.isEmpty { out += "\(keyPath): " }
        out += message
        return out
    }
}
