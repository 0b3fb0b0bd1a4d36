extension JSONValue {
    /// Equality for `field` + `value`: numbers compare by value (`1 == 1.0`), everything else
    /// must have the same type (`true` is not `1`, `"5"` is not `5`).
    func policyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double), (.bigInt, .double), (.double, .bigInt),
            (.int, .bigInt), (.bigInt, .int):
            guard let a = numericValue, let b = other.numericValue else { return false }
            return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.policyEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.policyEquals(otherValue) else { return false }
            }
            return true
        default:
            return false
        }
    }
}
