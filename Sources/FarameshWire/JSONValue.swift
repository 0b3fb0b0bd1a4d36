import Foundation

/// A JSON document as the gatekeeper sees it: numbers keep the distinction the published
/// client's canonicalization makes (integers of any size print as digits; non-integer numbers
/// are finite doubles), objects are unordered (canonical output sorts keys by code point).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer that fits in 64 bits.
    case int(Int64)
    /// An integer too large for 64 bits, kept as its canonical decimal digits (optional leading "-").
    case bigInt(String)
    /// A number written with a fraction or exponent. Always finite.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The value under `key` when this is an object.
    @inlinable
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    @inlinable
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    @inlinable
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Numeric value for comparisons (amount conditions). Numeric strings count, as in the
    /// original (`"5000"`); anything else is nil.
    @inlinable
    public var numericValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .bigInt(let s): return Double(s)
        case .double(let d): return d
        case .string(let s):
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite else { return nil }
            return d
        default: return nil
        }
    }
}
