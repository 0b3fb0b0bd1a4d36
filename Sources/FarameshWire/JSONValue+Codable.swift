import Foundation

/// Lets `JSONValue` sit inside Codable wire types. Decoding tries null, bool, Int64, UInt64,
/// Double, string, array, object in that order.
///
/// A Decoder cannot say whether `1.0` was written with a fraction, and it has no exact form for
/// integers beyond 64 bits, so hashing must parse the raw body with `JSONParser` instead. The
/// canonical text is the same either way for integral doubles (`1.0` and `1` both print `1`).
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let u = try? container.decode(UInt64.self) {
            self = .bigInt(String(u))
        } else if let d = try? container.decode(Double.self) {
            guard d.isFinite else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "non-finite number")
            }
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let b):
            try container.encode(b)
        case .int(let i):
            try container.encode(i)
        case .bigInt(let digits):
            // Exact when Decimal holds all digits (38); otherwise the nearest double.
            if let exact = Decimal(string: digits), exact.description == digits {
                try container.encode(exact)
            } else {
                try container.encode(Double(digits) ?? 0)
            }
        case .double(let d):
            try container.encode(d)
        case .string(let s):
            try container.encode(s)
        case .array(let a):
            try container.encode(a)
        case .object(let o):
            try container.encode(o)
        }
    }
}
