import Yams

/// The compiled conditions of one rule (`match:` / `when:`), all ANDed. Absent conditions do not
/// constrain; a condition whose request value is missing or has the wrong type does not match
/// (a missing `amount` is never read as 0). A final class with constant fields, so the hot loop
/// reads conditions in place instead of copying them per rule.
final class RuleMatcher: Sendable {
    final class FieldCondition: Sendable {
        /// As written, e.g. `user.role`.
        let name: String
        /// `name` split at dots, walked through params when no top-level key has the full name.
        let path: [String]
        let expected: JSONValue

        init(name: String, path: [String], expected: JSONValue) {
            self.name = name
            self.path = path
            self.expected = expected
        }
    }

    /// The conditions while a rule is being compiled.
    struct Conditions {
        var tool = NamePattern("*")
        var op = NamePattern("*")
        var agentID: NamePattern?
        var method: String?
        var branch: NamePattern?
        var amountGT: Double?
        var amountGTE: Double?
        var amountLT: Double?
        var amountLTE: Double?
        var pathContains: String?
        var pathStartsWith: String?
        var pathEndsWith: String?
        var field: FieldCondition?
        var contains: ContainsNeedle?
        var pattern: TextPattern?
    }

    let tool: NamePattern
    let op: NamePattern
    let agentID: NamePattern?
    /// Compared ASCII case-insensitively.
    let method: String?
    let branch: NamePattern?
    let amountGT: Double?
    let amountGTE: Double?
    let amountLT: Double?
    let amountLTE: Double?
    let pathContains: String?
    let pathStartsWith: String?
    let pathEndsWith: String?
    let field: FieldCondition?
    let contains: ContainsNeedle?
    let pattern: TextPattern?

    /// True when only `tool` / `op` constrain (the common case, checked without touching the rest).
    let onlyNames: Bool
    private let hasAmount: Bool
    private let hasPath: Bool

    init(_ c: Conditions) {
        tool = c.tool
        op = c.op
        agentID = c.agentID
        method = c.method
        branch = c.branch
        amountGT = c.amountGT
        amountGTE = c.amountGTE
        amountLT = c.amountLT
        amountLTE = c.amountLTE
        pathContains = c.pathContains
        pathStartsWith = c.pathStartsWith
        pathEndsWith = c.pathEndsWith
        field = c.field
        contains = c.contains
        pattern = c.pattern
        hasAmount = c.amountGT != nil || c.amountGTE != nil || c.amountLT != nil || c.amountLTE != nil
        hasPath = c.pathContains != nil || c.pathStartsWith != nil || c.pathEndsWith != nil
        onlyNames =
            c.agentID == nil && c.method == nil && c.branch == nil && !hasAmount && !hasPath
            && c.field == nil && c.contains == nil && c.pattern == nil
    }

    /// True when the rule matches every request (no condition other than `"*"` names).
    var matchesEverything: Bool { onlyNames && tool.matchesEverything && op.matchesEverything }

    /// The first condition (in `ConditionKey` order) the request fails, or nil when all hold.
    @inline(__always)
    func firstFailure(_ input: inout PolicyInput) -> ConditionKey? {
        if !tool.matches(input.request.tool) { return .tool }
        if !op.matches(input.request.operation) { return .op }
        if onlyNames { return nil }
        return firstFailureBeyondNames(&input)
    }

    private func firstFailureBeyondNames(_ input: inout PolicyInput) -> ConditionKey? {
        // Optional chaining instead of `if let` so no condition is copied (and retained) per rule.
        if agentID?.matches(input.request.agentID) == false { return .agentID }
        if method != nil {
            guard case .string(let actual)? = input.method(),
                method.map({ Self.asciiCaseInsensitiveEqual(actual, $0) }) == true
            else { return .method }
        }
        if branch != nil {
            guard case .string(let actual)? = input.branch(), branch?.matches(actual) == true else { return .branch }
        }
        if hasAmount {
            let amount = input.amount()
            if let limit = amountGT { guard let amount, amount > limit else { return .amountGT } }
            if let limit = amountGTE { guard let amount, amount >= limit else { return .amountGTE } }
            if let limit = amountLT { guard let amount, amount < limit else { return .amountLT } }
            if let limit = amountLTE { guard let amount, amount <= limit else { return .amountLTE } }
        }
        if hasPath {
            let path = input.path()
            if let needle = pathContains { guard let path, Self.contains(path, needle) else { return .pathContains } }
            if let prefix = pathStartsWith {
                guard let path, Self.hasPrefix(path, prefix) else { return .pathStartsWith }
            }
            if let suffix = pathEndsWith { guard let path, Self.hasSuffix(path, suffix) else { return .pathEndsWith } }
        }
        if let field {
            guard let actual = input.value(of: field), actual.policyEquals(field.expected) else { return .field }
        }
        if let contains, !contains.matches(input.canonicalParams()) { return .contains }
        if let pattern, !pattern.matches(input.canonicalParams()) { return .pattern }
        return nil
    }

    // MARK: - String helpers (byte-exact, no allocation)

    static func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
        NamePattern.withBytes(a) { x in
            NamePattern.withBytes(b) { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count where lowerASCII(x[i]) != lowerASCII(y[i]) { return false }
                return true
            }
        }
    }

    @inline(__always)
    private static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    static func contains(_ text: String, _ needle: String) -> Bool {
        NamePattern.withBytes(text) { hay in
            NamePattern.withBytes(needle) { NamePattern.find($0, in: hay, from: 0) != nil }
        }
    }

    static func hasPrefix(_ text: String, _ prefix: String) -> Bool {
        NamePattern.withBytes(text) { hay in
            NamePattern.withBytes(prefix) { p in hay.count >= p.count && NamePattern.equal(hay, 0, p) }
        }
    }

    static func hasSuffix(_ text: String, _ suffix: String) -> Bool {
        NamePattern.withBytes(text) { hay in
            NamePattern.withBytes(suffix) { s in hay.count >= s.count && NamePattern.equal(hay, hay.count - s.count, s)
            }
        }
    }
}

// MARK: - Compilation

extension RuleMatcher {
    /// Compiles a `match:` / `when:` mapping. At least one condition is required; `op` and
    /// `operation` are aliases (not both); `field` and `value` come together.
    static func compile(
        _ node: Node,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> Conditions {
        let entries = try reader.mapping(node, location, allowed: ConditionKey.yamlKeys)
        guard !entries.isEmpty else {
            throw reader.error(
                "needs at least one condition; use tool: \"*\" to match every action",
                at: node,
                location
            )
        }
        var matcher = Conditions()
        var fieldName: (String, PolicyYAMLReader.Entry)?
        var value: (JSONValue, PolicyYAMLReader.Entry)?
        var sawOp: String?
        for entry in entries {
            let at = entry.location
            switch entry.key {
            case "tool":
                matcher.tool = NamePattern(try reader.string(entry.value, at))
            case "op", "operation":
                if let other = sawOp {
                    throw reader.error(
                        "'\(entry.key)' repeats '\(other)' (they are aliases); keep one",
                        at: entry.keyNode,
                        location
                    )
                }
                sawOp = entry.key
                matcher.op = NamePattern(try reader.string(entry.value, at))
            case "agent_id":
                matcher.agentID = NamePattern(try reader.string(entry.value, at))
            case "method":
                matcher.method = try reader.string(entry.value, at)
            case "branch":
                matcher.branch = NamePattern(try reader.string(entry.value, at))
            case "amount_gt": matcher.amountGT = try reader.number(entry.value, at)
            case "amount_gte": matcher.amountGTE = try reader.number(entry.value, at)
            case "amount_lt": matcher.amountLT = try reader.number(entry.value, at)
            case "amount_lte": matcher.amountLTE = try reader.number(entry.value, at)
            case "path_contains": matcher.pathContains = try reader.string(entry.value, at)
            case "path_starts_with": matcher.pathStartsWith = try reader.string(entry.value, at)
            case "path_ends_with": matcher.pathEndsWith = try reader.string(entry.value, at)
            case "field":
                fieldName = (try reader.string(entry.value, at), entry)
            case "value":
                value = (try reader.json(entry.value, at), entry)
            case "contains":
                matcher.contains = ContainsNeedle(try reader.string(entry.value, at))
            case "pattern":
                switch TextPattern.compile(try reader.string(entry.value, at)) {
                case .success(let pattern): matcher.pattern = pattern
                case .failure(let failure): throw reader.error(failure.message, at: entry.value, at)
                }
            default:
                throw reader.error("unknown condition '\(entry.key)'", at: entry.keyNode, location)
            }
        }
        switch (fieldName, value) {
        case (let (name, _)?, let (expected, _)?):
            let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if path.contains(where: \.isEmpty) {
                throw reader.error(
                    "field '\(name)' has an empty segment",
                    at: fieldName?.1.value,
                    location.key("field")
                )
            }
            matcher.field = FieldCondition(name: name, path: path, expected: expected)
        case (let (_, entry)?, nil):
            throw reader.error("'field' needs a 'value' to compare with", at: entry.keyNode, location)
        case (nil, let (_, entry)?):
            throw reader.error("'value' needs a 'field' naming what to compare", at: entry.keyNode, location)
        case (nil, nil):
            break
        }
        return matcher
    }
}
