/// Why a JSON body was rejected. Safe to show to clients: it names the problem, the byte offset
/// and the path of the offending value (`"params.items[3]"`, or `"$"` for the document itself),
/// never the input's content beyond object keys.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Byte offset into the input where the problem was found.
    public var offset: Int
    /// Where in the document: `"$"` for the root, otherwise keys joined by `.` and `[i]` indices.
    public var path: String

    public init(message: String, offset: Int, path: String = "$") {
        self.message = message
        self.offset = offset
        self.path = path
    }

    public var description: String { "invalid JSON at \(path) (byte \(offset)): \(message)" }

    /// The same error seen from the parent object: `key` is prepended to the path.
    func prefixed(key: String) -> JSONParseError {
        var e = self
        let component = Self.pathComponent(key)
        if path == "$" {
            e.path = component
        } else if path.utf8.first == UInt8(ascii: "[") {
            e.path = component + path
        } else {
            e.path = component + "." + path
        }
        return e
    }

    /// A key as shown in a path: control characters replaced by `?`, cut to 64 characters, so an
    /// error message stays one short line whatever the client sent.
    static func pathComponent(_ key: String) -> String {
        var out = ""
        var count = 0
        for scalar in key.unicodeScalars {
            if count == 64 {
                out += "…"
                break
            }
            out.unicodeScalars.append(
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                    || scalar == "\u{2029}" ? "?" : scalar
            )
            count += 1
        }
        return out
    }

    /// The same error seen from the parent array: `[index]` is prepended to the path.
    func prefixed(index: Int) -> JSONParseError {
        var e = self
        let component = "[\(index)]"
        if path == "$" {
            e.path = component
        } else if path.utf8.first == UInt8(ascii: "[") {
            e.path = component + path
        } else {
            e.path = component + "." + path
        }
        return e
    }
}

/// Strict RFC 8259 parser producing `JSONValue`.
///
/// Besides the grammar it rejects everything that could make two readers see different
/// documents (and so different request hashes): duplicate object keys, lone surrogate escapes,
/// invalid UTF-8, numbers that overflow a Double, NaN/Infinity literals, and integers longer
/// than 4300 digits (Python's `int` limit, so the published client could not hash them either).
/// A number with `.`, `e` or `E` becomes `.double`, otherwise `.int` / `.bigInt`, which is how
/// Python's `json.loads` splits float and int.
public enum JSONParser {
    /// Integers longer than this are rejected (Python's default `sys.int_info.default_max_str_digits`).
    public static let maxIntegerDigits = 4300

    /// Values of `maxDepth` above `depthLimit` are treated as `depthLimit`.
    public static let depthLimit = 512

    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable({ parseBuffer($0, maxDepth: maxDepth) }) {
            return try result.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { parseBuffer($0, maxDepth: maxDepth) }.get()
    }

    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { parseBuffer($0, maxDepth: maxDepth) }.get()
    }

    static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        // Parsing recurses once per nesting level: bound it so no input can exhaust the stack.
        var reader = JSONReader(buffer: buffer, maxDepth: min(maxDepth, depthLimit))
        do {
            let value = try reader.parseDocument()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

// MARK: - Reader

private enum ASCII {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/")
    static let comma = UInt8(ascii: ",")
    static let colon = UInt8(ascii: ":")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let lowerE = UInt8(ascii: "e")
    static let upperE = UInt8(ascii: "E")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
}

/// Exact powers of ten for the Clinger fast path (10^0 ... 10^22 are exactly representable).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

private struct JSONReader {
    let buffer: UnsafeBufferPointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    /// Reused for strings that contain escapes.
    var scratch: [UInt8] = []
    /// Members of the objects being parsed, innermost last.
    var members: [(key: String, value: JSONValue, offset: Int)] = []
    /// Elements of the arrays being parsed, innermost last.
    var elements: [JSONValue] = []

    init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.end = buffer.count
        self.maxDepth = maxDepth
        members.reserveCapacity(32)
        elements.reserveCapacity(16)
    }

    @inline(__always)
    func fail(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, offset: offset ?? pos)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let c = buffer[pos]
            if c == ASCII.space || c == ASCII.newline || c == ASCII.carriageReturn || c == ASCII.tab {
                pos += 1
            } else {
                return
            }
        }
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        if pos != end { throw fail("unexpected data after the JSON value") }
        return value
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard pos < end else { throw fail("unexpected end of input") }
        switch buffer[pos] {
        case ASCII.openBrace:
            return try parseObject(depth: depth + 1)
        case ASCII.openBracket:
            return try parseArray(depth: depth + 1)
        case ASCII.quote:
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return try parseNumber()
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw fail("NaN and Infinity are not valid JSON numbers")
        case UInt8(ascii: "/"):
            throw fail("comments are not allowed")
        default:
            throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard end - pos >= count else { throw fail("invalid literal") }
        let bytes = literal.utf8Start
        for i in 0..<count where buffer[pos + i] != bytes[i] {
            throw fail("invalid literal")
        }
        pos += count
    }

    // MARK: containers

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
        pos += 1
        skipWhitespace()
        if pos < end, buffer[pos] == ASCII.closeBrace {
            pos += 1
            return .object([:])
        }
        // Members collect on a shared stack so each dictionary is created once at its final size.
        let base = members.count
        defer { members.removeSubrange(base...) }
        while true {
            skipWhitespace()
            guard pos < end else { throw fail("unterminated object") }
            guard buffer[pos] == ASCII.quote else {
                if buffer[pos] == ASCII.closeBrace { throw fail("trailing comma in object") }
                throw fail("expected a string key")
            }
            let keyOffset = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < end, buffer[pos] == ASCII.colon else {
                throw fail("expected ':' after object key").prefixed(key: key)
            }
            pos += 1
            let value: JSONValue
            do {
                value = try parseValue(depth: depth)
            } catch {
                throw error.prefixed(key: key)
            }
            members.append((key, value, keyOffset))
            skipWhitespace()
            guard pos < end else { throw fail("unterminated object") }
            let c = buffer[pos]
            pos += 1
            if c == ASCII.comma { continue }
            if c == ASCII.closeBrace { break }
            pos -= 1
            throw fail("expected ',' or '}' in object")
        }
        var object = [String: JSONValue](minimumCapacity: members.count - base)
        for i in base..<members.count {
            let member = members[i]
            if object.updateValue(member.value, forKey: member.key) != nil {
                throw JSONParseError(message: "duplicate object key", offset: member.offset).prefixed(key: member.key)
            }
        }
        return .object(object)
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw fail("nesting deeper than \(maxDepth) levels") }
        pos += 1
        skipWhitespace()
        if pos < end, buffer[pos] == ASCII.closeBracket {
            pos += 1
            return .array([])
        }
        // Elements collect on a shared stack so each array is allocated once at its final size.
        let base = elements.count
        defer { elements.removeSubrange(base...) }
        while true {
            skipWhitespace()
            if pos < end, buffer[pos] == ASCII.closeBracket { throw fail("trailing comma in array") }
            do {
                elements.append(try parseValue(depth: depth))
            } catch {
                throw error.prefixed(index: elements.count - base)
            }
            skipWhitespace()
            guard pos < end else { throw fail("unterminated array") }
            let c = buffer[pos]
            pos += 1
            if c == ASCII.comma { continue }
            if c == ASCII.closeBracket { break }
            pos -= 1
            throw fail("expected ',' or ']' in array")
        }
        return .array(Array(elements[base...]))
    }

    // MARK: strings

    /// At an opening quote; returns the decoded string and leaves `pos` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        let start = pos
        while pos < end {
            let c = buffer[pos]
            if c == ASCII.quote {
                let s = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == ASCII.backslash { return try parseEscapedString(from: start) }
            if c < 0x20 { throw fail("unescaped control character in string") }
            if c < 0x80 { pos += 1 } else { try skipUTF8Sequence() }
        }
        throw fail("unterminated string", at: start - 1)
    }

    /// Slow path once a backslash is seen: copies into `scratch`, decoding escapes.
    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<pos]))
        while pos < end {
            let c = buffer[pos]
            if c == ASCII.quote {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if c == ASCII.backslash {
                try decodeEscape()
                continue
            }
            if c < 0x20 { throw fail("unescaped control character in string") }
            if c < 0x80 {
                scratch.append(c)
                pos += 1
            } else {
                let from = pos
                try skipUTF8Sequence()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[from..<pos]))
            }
        }
        throw fail("unterminated string", at: start - 1)
    }

    /// At a backslash: appends the escaped character to `scratch`.
    mutating func decodeEscape() throws(JSONParseError) {
        let escapeOffset = pos
        pos += 1
        guard pos < end else { throw fail("unterminated string") }
        let c = buffer[pos]
        pos += 1
        switch c {
        case ASCII.quote: scratch.append(ASCII.quote)
        case ASCII.backslash: scratch.append(ASCII.backslash)
        case ASCII.slash: scratch.append(ASCII.slash)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4()
            var scalar: UInt32
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard end - pos >= 6, buffer[pos] == ASCII.backslash, buffer[pos + 1] == UInt8(ascii: "u") else {
                    throw fail("lone surrogate escape", at: escapeOffset)
                }
                pos += 2
                let low = try readHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail("lone surrogate escape", at: escapeOffset) }
                scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw fail("lone surrogate escape", at: escapeOffset)
            } else {
                scalar = unit
            }
            appendUTF8(scalar)
        default:
            throw fail("invalid escape sequence", at: escapeOffset)
        }
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard end - pos >= 4 else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[pos]
            let digit: UInt32
            switch c {
            case ASCII.zero...ASCII.nine: digit = UInt32(c - ASCII.zero)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        if scalar < 0x80 {
            scratch.append(UInt8(scalar))
        } else if scalar < 0x800 {
            scratch.append(UInt8(0xC0 | (scalar >> 6)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            scratch.append(UInt8(0xE0 | (scalar >> 12)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        } else {
            scratch.append(UInt8(0xF0 | (scalar >> 18)))
            scratch.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// At a byte >= 0x80: checks one well-formed UTF-8 sequence (no overlongs, no surrogates,
    /// nothing above U+10FFFF) and steps over it.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = buffer[pos]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default: throw fail("invalid UTF-8")
        }
        guard end - pos >= length else { throw fail("invalid UTF-8") }
        let second = buffer[pos + 1]
        guard second >= lower && second <= upper else { throw fail("invalid UTF-8") }
        if length > 2 {
            guard buffer[pos + 2] & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            if length > 3 {
                guard buffer[pos + 3] & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            }
        }
        pos += length
    }

    // MARK: numbers

    @inline(__always)
    func isDigit(at i: Int) -> Bool {
        i < end && buffer[i] >= ASCII.zero && buffer[i] <= ASCII.nine
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        var negative = false
        if buffer[pos] == ASCII.minus {
            negative = true
            pos += 1
            if pos < end, buffer[pos] == UInt8(ascii: "I") {
                throw fail("NaN and Infinity are not valid JSON numbers", at: start)
            }
        }
        guard isDigit(at: pos) else { throw fail("invalid number", at: start) }
        let intStart = pos
        if buffer[pos] == ASCII.zero {
            pos += 1
            if isDigit(at: pos) { throw fail("leading zeros are not allowed", at: start) }
        } else {
            while isDigit(at: pos) { pos += 1 }
        }
        let intEnd = pos
        var fracStart = pos
        var fracEnd = pos
        var isDouble = false
        if pos < end, buffer[pos] == ASCII.dot {
            isDouble = true
            pos += 1
            guard isDigit(at: pos) else { throw fail("expected a digit after '.'", at: start) }
            fracStart = pos
            while isDigit(at: pos) { pos += 1 }
            fracEnd = pos
        }
        var exponent = 0
        if pos < end, buffer[pos] == ASCII.lowerE || buffer[pos] == ASCII.upperE {
            isDouble = true
            pos += 1
            var expNegative = false
            if pos < end, buffer[pos] == ASCII.minus || buffer[pos] == ASCII.plus {
                expNegative = buffer[pos] == ASCII.minus
                pos += 1
            }
            guard isDigit(at: pos) else { throw fail("expected a digit in the exponent", at: start) }
            while isDigit(at: pos) {
                // Saturate: anything this large over- or underflows a Double anyway.
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(buffer[pos] - ASCII.zero) }
                pos += 1
            }
            if expNegative { exponent = -exponent }
        }
        if !isDouble {
            return try makeInteger(negative: negative, digitsStart: intStart, digitsEnd: intEnd, tokenStart: start)
        }
        return .double(
            try makeDouble(
                negative: negative,
                intRange: intStart..<intEnd,
                fracRange: fracStart..<fracEnd,
                exponent: exponent,
                tokenStart: start
            )
        )
    }

    func makeInteger(
        negative: Bool,
        digitsStart: Int,
        digitsEnd: Int,
        tokenStart: Int
    ) throws(JSONParseError) -> JSONValue {
        let count = digitsEnd - digitsStart
        if count <= 18 {
            var value: Int64 = 0
            for i in digitsStart..<digitsEnd { value = value &* 10 &+ Int64(buffer[i] - ASCII.zero) }
            return .int(negative ? -value : value)
        }
        if count > JSONParser.maxIntegerDigits {
            throw fail("integer has more than \(JSONParser.maxIntegerDigits) digits", at: tokenStart)
        }
        if count <= 20 {
            var value: UInt64 = 0
            var overflow = false
            for i in digitsStart..<digitsEnd {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(buffer[i] - ASCII.zero))
                value = a
                if o1 || o2 {
                    overflow = true
                    break
                }
            }
            if !overflow {
                if !negative, value <= UInt64(Int64.max) { return .int(Int64(value)) }
                if negative, value <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- value)) }
            }
        }
        let digits = String(decoding: UnsafeBufferPointer(rebasing: buffer[tokenStart..<digitsEnd]), as: UTF8.self)
        return .bigInt(digits)
    }

    func makeDouble(
        negative: Bool,
        intRange: Range<Int>,
        fracRange: Range<Int>,
        exponent: Int,
        tokenStart: Int
    ) throws(JSONParseError) -> Double {
        // Clinger's fast path: at most 15 significant digits and a small power of ten give an
        // exactly rounded result with one IEEE operation.
        var mantissa: UInt64 = 0
        var significant = 0
        var fastPath = true
        for i in intRange {
            let d = buffer[i] - ASCII.zero
            if significant == 0 && d == 0 { continue }
            significant += 1
            if significant > 15 {
                fastPath = false
                break
            }
            mantissa = mantissa * 10 + UInt64(d)
        }
        if fastPath {
            for i in fracRange {
                let d = buffer[i] - ASCII.zero
                if significant == 0 && d == 0 { continue }
                significant += 1
                if significant > 15 {
                    fastPath = false
                    break
                }
                mantissa = mantissa * 10 + UInt64(d)
            }
        }
        if fastPath {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            let scale = exponent - fracRange.count
            if scale >= -22 && scale <= 22 {
                var value = Double(mantissa)
                if scale >= 0 { value *= exactPowersOfTen[scale] } else { value /= exactPowersOfTen[-scale] }
                return negative ? -value : value
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[tokenStart..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw fail("number is out of range for a double", at: tokenStart)
        }
        return value
    }
}
