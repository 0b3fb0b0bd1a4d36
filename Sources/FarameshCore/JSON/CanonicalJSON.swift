/// Canonical JSON, byte-for-byte what faramesh-sdk 0.3.3 `canonicalize(...)` produces for the
/// same document (as Python's `json.loads` reads it):
///
/// - objects: keys sorted by Unicode code point (Python `sorted` on `str`, which is UTF-8 byte
///   order, not UTF-16 order and not Swift's `String <`), `"k":v` joined by `,`, no whitespace;
/// - strings: `"` `\` and `\b \f \n \r \t` escaped, other code points below U+0020 as `\u00xx`
///   (lower-case hex), everything else raw UTF-8 (DEL, U+2028, non-ASCII included);
/// - integers as decimal digits of any size;
/// - doubles: `0` for ±0, otherwise the shortest round-trip digits (Python `repr`, Swift
///   `description`) printed positionally with no exponent and no trailing zeros (`1.0` → `1`,
///   `1e21` → `1` + 21 zeros, `1.5e-7` → `0.00000015`).
///
/// `.double` values are finite by construction (the parser rejects NaN/Infinity); a non-finite
/// double built in code is written as `null`, since the Python client refuses to hash it at all.
public enum CanonicalJSON {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            appendLiteral("null", to: &out)
        case .bool(let b):
            if b { appendLiteral("true", to: &out) } else { appendLiteral("false", to: &out) }
        case .int(let i):
            appendInteger(i, to: &out)
        case .bigInt(let digits):
            out.append(contentsOf: digits.utf8)
        case .double(let d):
            appendDouble(d, to: &out)
        case .string(let s):
            appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                append(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            appendObject(object, to: &out)
        }
    }

    // MARK: objects

    static func appendObject(_ object: [String: JSONValue], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        switch object.count {
        case 0:
            break
        case 1:
            for (key, value) in object {
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(value, to: &out)
            }
        default:
            var entries = Array(object)
            entries.sort { codePointLess($0.key, $1.key) }
            var first = true
            for (key, value) in entries {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(value, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Code-point order of two strings (= UTF-8 byte order), as Python's `str` comparison.
    @inline(__always)
    public static func codePointLess(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in bytesLess(pa, pb) }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    @inline(__always)
    static func bytesLess(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            let x = a[i], y = b[i]
            if x != y { return x < y }
            i += 1
        }
        return a.count < b.count
    }

    // MARK: strings

    /// 0 = copy the byte; otherwise the short escape letter, or 1 for `\u00xx`.
    private static let escapeTable: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for c in 0..<0x20 { table[c] = 1 }
        table[0x08] = UInt8(ascii: "b")
        table[0x0C] = UInt8(ascii: "f")
        table[0x0A] = UInt8(ascii: "n")
        table[0x0D] = UInt8(ascii: "r")
        table[0x09] = UInt8(ascii: "t")
        table[Int(UInt8(ascii: "\""))] = UInt8(ascii: "\"")
        table[Int(UInt8(ascii: "\\"))] = UInt8(ascii: "\\")
        return table
    }()

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a canonical JSON string literal (with quotes).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendStringBytes($0, to: &out) }
        if done == nil {
            var copy = s
            copy.withUTF8 { appendStringBytes($0, to: &out) }
        }
    }

    static func appendStringBytes(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        escapeTable.withUnsafeBufferPointer { table in
            var runStart = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let escape = table[Int(bytes[i])]
                if escape == 0 {
                    i += 1
                    continue
                }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                out.append(UInt8(ascii: "\\"))
                if escape == 1 {
                    let c = bytes[i]
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigits[Int(c >> 4)])
                    out.append(hexDigits[Int(c & 0xF)])
                } else {
                    out.append(escape)
                }
                i += 1
                runStart = i
            }
            if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: numbers

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        appendUnsigned(value.magnitude, to: &out)
    }

    static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var v = value
        // 20 digits hold UInt64.max.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            var i = 20
            while v > 0 {
                i -= 1
                raw[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i..<20]))
        }
    }

    /// 2^53: below it every integral double is printed exactly by its integer digits.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            appendLiteral("null", to: &out)
            return
        }
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        let magnitude = value.magnitude
        if magnitude < exactIntegerLimit, magnitude == magnitude.rounded(.towardZero) {
            if value < 0 { out.append(UInt8(ascii: "-")) }
            appendUnsigned(UInt64(magnitude), to: &out)
            return
        }
        var description = value.description
        description.withUTF8 { appendPositional(shortestDescription: $0, to: &out) }
    }

    /// Rewrites Swift's shortest round-trip description (`1.5e-07`, `123.45`, `1e+16`) as
    /// Python's `Decimal(repr(x)).normalize()` printed positionally.
    static func appendPositional(shortestDescription text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        // Up to 17 significant digits plus the leading zeros of forms like "0.0001".
        var digitStorage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digitStorage) { digits in
            var count = 0
            var fractionDigits = 0
            var exponent = 0
            var negative = false
            var inFraction = false
            var i = 0
            let n = text.count
            if i < n, text[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            while i < n {
                let c = text[i]
                if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    if count == 0 && c == UInt8(ascii: "0") {
                        // Leading zero: no significant digit yet.
                    } else if count < digits.count {
                        digits[count] = c
                        count += 1
                    }
                    if inFraction { fractionDigits += 1 }
                    i += 1
                } else if c == UInt8(ascii: ".") {
                    inFraction = true
                    i += 1
                } else {
                    // 'e', optional sign, digits.
                    i += 1
                    var expNegative = false
                    if i < n, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                        expNegative = text[i] == UInt8(ascii: "-")
                        i += 1
                    }
                    while i < n {
                        exponent = exponent * 10 + Int(text[i] - UInt8(ascii: "0"))
                        i += 1
                    }
                    if expNegative { exponent = -exponent }
                }
            }
            // value = digits × 10^scale; drop trailing zeros into the scale.
            var scale = exponent - fractionDigits
            while count > 1 && digits[count - 1] == UInt8(ascii: "0") {
                count -= 1
                scale += 1
            }
            if count == 0 {
                out.append(UInt8(ascii: "0"))
                return
            }
            if negative { out.append(UInt8(ascii: "-")) }
            let significand = UnsafeRawBufferPointer(rebasing: digits[0..<count])
            if scale >= 0 {
                out.append(contentsOf: significand)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale))
            } else if -scale >= count {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -scale - count))
                out.append(contentsOf: significand)
            } else {
                let point = count + scale
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[0..<point]))
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: digits[point..<count]))
            }
        }
    }
}
