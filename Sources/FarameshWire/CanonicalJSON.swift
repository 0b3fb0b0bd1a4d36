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
        var buffer = Buffer(capacity: 1024)
        encode(value, into: &buffer)
        return Array(buffer.bytes)
    }

    public static func string(_ value: JSONValue) -> String {
        var buffer = Buffer(capacity: 1024)
        encode(value, into: &buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    public static func append(_ value: JSONValue, to out: inout [UInt8]) {
        var buffer = Buffer(capacity: 1024)
        encode(value, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Appends `s` as a canonical JSON string literal (with quotes).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var buffer = Buffer(capacity: s.utf8.count * 6 + 2)
        encodeString(s, into: &buffer)
        out.append(contentsOf: buffer.bytes)
    }

    /// Code-point order of two strings (= UTF-8 byte order), as Python's `str` comparison.
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
            let x = a[i]
            let y = b[i]
            if x != y { return x < y }
            i += 1
        }
        return a.count < b.count
    }

    // MARK: - Output buffer

    /// A growable byte buffer owned by one encoding call. Writers reserve space once and then
    /// store without per-byte capacity or uniqueness checks (the cost of `[UInt8].append`).
    /// Non-copyable, so its storage has exactly one owner and is freed exactly once.
    package struct Buffer: ~Copyable {
        package private(set) var base: UnsafeMutablePointer<UInt8>
        package private(set) var count = 0
        private var capacity: Int

        package init(capacity: Int) {
            self.capacity = Swift.max(capacity, 16)
            base = .allocate(capacity: self.capacity)
        }

        deinit { base.deallocate() }

        package var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

        @inline(__always)
        package mutating func reserve(_ extra: Int) {
            if capacity - count < extra { grow(extra) }
        }

        @inline(never)
        private mutating func grow(_ extra: Int) {
            let newCapacity = Swift.max(capacity * 2, count + extra)
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBase.initialize(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }

        /// Only after `reserve`.
        @inline(__always)
        package mutating func put(_ byte: UInt8) {
            base[count] = byte
            count += 1
        }

        /// Only after `reserve`.
        @inline(__always)
        package mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let source = bytes.baseAddress else { return }
            (base + count).initialize(from: source, count: bytes.count)
            count += bytes.count
        }

        /// Only after `reserve`.
        @inline(__always)
        package mutating func putZeros(_ n: Int) {
            guard n > 0 else { return }
            (base + count).initialize(repeating: UInt8(ascii: "0"), count: n)
            count += n
        }

        /// Only after `reserve`: the caller stored `n` bytes at `base + count` directly.
        @inline(__always)
        package mutating func advance(_ n: Int) {
            count += n
        }

        @inline(__always)
        package mutating func write(_ byte: UInt8) {
            reserve(1)
            put(byte)
        }

        @inline(__always)
        package mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
            reserve(bytes.count)
            put(bytes)
        }

        @inline(__always)
        package mutating func write(_ literal: StaticString) {
            write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }

        package mutating func write(_ text: String) {
            var text = text
            text.withUTF8 { write($0) }
        }
    }

    // MARK: - Encoder

    package static func encode(_ value: JSONValue, into out: inout Buffer) {
        switch value {
        case .null:
            out.write("null")
        case .bool(let b):
            out.write(b ? "true" : "false")
        case .int(let i):
            encodeInteger(i, into: &out)
        case .bigInt(let digits):
            out.write(digits)
        case .double(let d):
            encodeDouble(d, into: &out)
        case .string(let s):
            encodeString(s, into: &out)
        case .array(let items):
            out.write(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { out.write(UInt8(ascii: ",")) }
                first = false
                encode(item, into: &out)
            }
            out.write(UInt8(ascii: "]"))
        case .object(let object):
            encodeObject(object, into: &out)
        }
    }

    /// An object member with the first eight UTF-8 bytes of its key as a big-endian integer,
    /// so most key comparisons are one integer compare.
    private struct Member {
        var prefix: UInt64
        var length: Int
        var key: String
        var value: JSONValue

        init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
            let computed = key.utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, Int) in
                var prefix: UInt64 = 0
                for i in 0..<Swift.min(bytes.count, 8) { prefix |= UInt64(bytes[i]) << (56 - 8 * i) }
                return (prefix, bytes.count)
            }
            if let computed {
                (prefix, length) = computed
            } else {
                var prefix: UInt64 = 0
                for (i, byte) in key.utf8.prefix(8).enumerated() { prefix |= UInt64(byte) << (56 - 8 * i) }
                self.prefix = prefix
                self.length = key.utf8.count
            }
        }

        @inline(__always)
        static func less(_ a: borrowing Member, _ b: borrowing Member) -> Bool {
            if a.prefix != b.prefix { return a.prefix < b.prefix }
            // Equal first bytes (zero-padded): a key of at most 8 bytes is a prefix of the other.
            if a.length <= 8 || b.length <= 8 { return a.length < b.length }
            return codePointLess(a.key, b.key)
        }
    }

    static func encodeObject(_ object: [String: JSONValue], into out: inout Buffer) {
        out.write(UInt8(ascii: "{"))
        let count = object.count
        if count == 1 {
            for (key, value) in object {
                encodeString(key, into: &out)
                out.write(UInt8(ascii: ":"))
                encode(value, into: &out)
            }
        } else if count > 1 {
            // Sorted in a temporary buffer (on the stack for typical object sizes).
            withUnsafeTemporaryAllocation(of: Member.self, capacity: count) { members in
                var n = 0
                for (key, value) in object where n < count {
                    members.initializeElement(at: n, to: Member(key: key, value: value))
                    n += 1
                }
                var sorted = UnsafeMutableBufferPointer(rebasing: members[0..<n])
                if n <= 24 {
                    for i in 1..<n {
                        var j = i
                        while j > 0 && Member.less(sorted[j], sorted[j - 1]) {
                            sorted.swapAt(j, j - 1)
                            j -= 1
                        }
                    }
                } else {
                    sorted.sort { Member.less($0, $1) }
                }
                for i in 0..<n {
                    if i > 0 { out.write(UInt8(ascii: ",")) }
                    encodeString(sorted[i].key, into: &out)
                    out.write(UInt8(ascii: ":"))
                    encode(sorted[i].value, into: &out)
                }
                _ = sorted.deinitialize()
            }
        }
        out.write(UInt8(ascii: "}"))
    }

    // MARK: strings

    package static func encodeString(_ s: String, into out: inout Buffer) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { encodeStringBytes($0, into: &out) }
        if done == nil {
            var copy = s
            copy.withUTF8 { encodeStringBytes($0, into: &out) }
        }
    }

    static func encodeStringBytes(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout Buffer) {
        let n = bytes.count
        // Worst case: every byte becomes \u00xx.
        out.reserve(n * 6 + 2)
        out.put(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        while i < n {
            let c = bytes[i]
            if c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i { out.put(UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
            out.put(UInt8(ascii: "\\"))
            switch c {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.put(c)
            case 0x08: out.put(UInt8(ascii: "b"))
            case 0x0C: out.put(UInt8(ascii: "f"))
            case 0x0A: out.put(UInt8(ascii: "n"))
            case 0x0D: out.put(UInt8(ascii: "r"))
            case 0x09: out.put(UInt8(ascii: "t"))
            default:
                out.put(UInt8(ascii: "u"))
                out.put(UInt8(ascii: "0"))
                out.put(UInt8(ascii: "0"))
                // c < 0x20: the high nibble is 0 or 1.
                let low = c & 0xF
                out.put(UInt8(ascii: "0") + (c >> 4))
                out.put(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") - 10 + low)
            }
            i += 1
            runStart = i
        }
        if runStart < n { out.put(UnsafeBufferPointer(rebasing: bytes[runStart..<n])) }
        out.put(UInt8(ascii: "\""))
    }

    // MARK: numbers

    static func encodeInteger(_ value: Int64, into out: inout Buffer) {
        out.reserve(20)
        if value < 0 { out.put(UInt8(ascii: "-")) }
        putUnsigned(value.magnitude, into: &out)
    }

    /// Only after reserving 20 bytes.
    @inline(__always)
    static func putUnsigned(_ value: UInt64, into out: inout Buffer) {
        if value < 10 {
            out.put(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits = 0
        var v = value
        while v > 0 {
            digits += 1
            v /= 10
        }
        v = value
        let start = out.base + out.count
        var i = digits
        while i > 0 {
            i -= 1
            start[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
        out.advance(digits)
    }

    /// 2^53: below it every integral double is printed exactly by its integer digits.
    private static let exactIntegerLimit = 9_007_199_254_740_992.0

    static func encodeDouble(_ value: Double, into out: inout Buffer) {
        guard value.isFinite else {
            out.write("null")
            return
        }
        if value == 0 {
            out.write(UInt8(ascii: "0"))
            return
        }
        let magnitude = value.magnitude
        if magnitude < exactIntegerLimit, magnitude == magnitude.rounded(.towardZero) {
            out.reserve(21)
            if value < 0 { out.put(UInt8(ascii: "-")) }
            putUnsigned(UInt64(magnitude), into: &out)
            return
        }
        var description = value.description
        description.withUTF8 { writePositional(shortestDescription: $0, into: &out) }
    }

    /// Rewrites Swift's shortest round-trip description (`1.5e-07`, `123.45`, `1e+16`) as
    /// Python's `Decimal(repr(x)).normalize()` printed positionally.
    static func writePositional(shortestDescription text: UnsafeBufferPointer<UInt8>, into out: inout Buffer) {
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
            if i < n, text[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
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
                out.write(UInt8(ascii: "0"))
                return
            }
            let significand = UnsafeBufferPointer(
                UnsafeMutableRawBufferPointer(rebasing: digits[0..<count]).bindMemory(to: UInt8.self)
            )
            // Sign, digits, point, and up to ~330 zeros.
            out.reserve(count + Swift.abs(scale) + 3)
            if negative { out.put(UInt8(ascii: "-")) }
            if scale >= 0 {
                out.put(significand)
                out.putZeros(scale)
            } else if -scale >= count {
                out.put(UInt8(ascii: "0"))
                out.put(UInt8(ascii: "."))
                out.putZeros(-scale - count)
                out.put(significand)
            } else {
                let point = count + scale
                out.put(UnsafeBufferPointer(rebasing: significand[0..<point]))
                out.put(UInt8(ascii: "."))
                out.put(UnsafeBufferPointer(rebasing: significand[point..<count]))
            }
        }
    }
}
