import FarameshCore

/// The text form of params, context and event meta in the database.
///
/// It is canonical JSON (sorted keys, no whitespace, same string escaping) with one difference:
/// a `.double` keeps a fraction or exponent (`1.0`, `1e-07`), so reading it back yields the same
/// `JSONValue` case, not `.int`. Canonical JSON itself writes `1.0` as `1`, which would turn a
/// double into an int on the way back. Both backends store this text (PostgreSQL: not jsonb,
/// which rewrites numbers and rejects `\u0000`).
package enum StoredJSON {
    /// Deeper than anything the API accepts, so stored documents always read back.
    static let readDepth = 1_024

    package static func string(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    package static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(text, maxDepth: readDepth)
    }

    private static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .double(let d):
            // Swift's description is the shortest text that reads back as the same Double and
            // always contains "." or "e". Non-finite values cannot come from the parser;
            // canonical JSON writes them as null, so do the same.
            if d.isFinite { out.append(contentsOf: d.description.utf8) } else { out.append(contentsOf: "null".utf8) }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, key) in object.keys.sorted(by: CanonicalJSON.codePointLess).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                CanonicalJSON.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if let item = object[key] { append(item, to: &out) }
            }
            out.append(UInt8(ascii: "}"))
        case .null, .bool, .int, .bigInt, .string:
            CanonicalJSON.append(value, to: &out)
        }
    }
}
