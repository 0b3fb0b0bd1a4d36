import Foundation

/// The one timestamp format on the wire and in hashed records: `2026-11-24T18:11:08.231760Z`
/// (UTC, always six fraction digits, `Z`). Microsecond precision matches what PostgreSQL
/// `timestamptz` stores, so a value read back from the database formats identically.
///
/// Formatting and parsing are done by hand (no `DateFormatter`): they are on the hash path
/// and must not depend on locale or time-zone settings.
public enum WireTimestamp {
    /// Microseconds between 1970-01-01 and 2001-01-01 (Foundation's reference date).
    private static let referenceOffsetMicros: Int64 = 978_307_200 * 1_000_000
    private static let microsPerSecond: Int64 = 1_000_000

    public static func format(_ date: Date) -> String {
        let micros = microseconds(date)
        return String(unsafeUninitializedCapacity: maxLength) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return put(micros: micros, at: base)
        }
    }

    /// Appends the formatted timestamp (without quotes) as ASCII.
    public static func append(_ date: Date, to out: inout [UInt8]) {
        let micros = microseconds(date)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxLength) { buffer in
            guard let base = buffer.baseAddress else { return }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: put(micros: micros, at: base)))
        }
    }

    package static func write(micros: Int64, into out: inout CanonicalJSON.Buffer) {
        out.reserve(maxLength)
        out.advance(put(micros: micros, at: out.base + out.count))
    }

    /// Longest output: sign, six-digit year (the clamp in `microseconds`), 23 more characters.
    static let maxLength = 32

    /// Stores the text at `p` (room for `maxLength` bytes) and returns its length.
    static func put(micros: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
        let seconds = floorDiv(micros, microsPerSecond)
        let fraction = micros - seconds * microsPerSecond
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var i = 0
        @inline(__always) func digits(_ value: Int64, _ width: Int) {
            var v = value
            var w = width
            // Years beyond 9999 need more digits than the width.
            while w < 6 && v >= pow10(w) { w += 1 }
            var k = w
            while k > 0 {
                k -= 1
                p[i + k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            }
            i += w
        }
        @inline(__always) func char(_ c: UInt8) {
            p[i] = c
            i += 1
        }
        if year < 0 { char(UInt8(ascii: "-")) }
        digits(Swift.abs(year), 4)
        char(UInt8(ascii: "-"))
        digits(month, 2)
        char(UInt8(ascii: "-"))
        digits(day, 2)
        char(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        char(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        char(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        char(UInt8(ascii: "."))
        digits(fraction, 6)
        char(UInt8(ascii: "Z"))
        return i
    }

    @inline(__always)
    private static func pow10(_ n: Int) -> Int64 {
        var r: Int64 = 1
        for _ in 0..<n { r *= 10 }
        return r
    }

    /// Accepts `YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|+00:00]`: the format above, Python's naive
    /// `isoformat()` (no zone, fraction omitted when zero), and an explicit UTC offset.
    /// Anything else, including other offsets and impossible dates, is nil.
    public static func parse(_ s: String) -> Date? {
        var text = s
        guard let micros = text.withUTF8({ parseMicros($0) }) else { return nil }
        return date(microseconds: micros)
    }

    static func parseMicros(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count >= 19 else { return nil }
        func number(_ start: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for i in start..<(start + width) {
                let c = b[i]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        var fraction: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 6 else { return nil }
                fraction = fraction * 10 + Int64(b[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 { fraction *= 10 }
        }
        let rest = b.count - i
        if rest == 1 {
            guard b[i] == UInt8(ascii: "Z") else { return nil }
        } else if rest == 6 {
            let offset = Array(b[i..<b.count])
            guard offset == Array("+00:00".utf8) else { return nil }
        } else if rest != 0 {
            return nil
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return seconds * microsPerSecond + fraction
    }

    /// The current time truncated to whole microseconds.
    public static func now() -> Date {
        let micros = (Date().timeIntervalSinceReferenceDate * 1_000_000).rounded(.down)
        return date(microseconds: Int64(micros) + referenceOffsetMicros)
    }

    /// Microseconds since 1970-01-01 UTC, rounded to the nearest microsecond (as PostgreSQL
    /// rounds on input). Exact for dates made by `date(microseconds:)` between about 1865 and
    /// 2137 (a `Date` is a Double of seconds since 2001, which resolves microseconds there).
    public static func microseconds(_ date: Date) -> Int64 {
        let relative = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
        // Clamp far outside any real timestamp instead of trapping on conversion.
        let limit = 9.0e18
        let clamped = Swift.min(Swift.max(relative, -limit), limit)
        return Int64(clamped) + referenceOffsetMicros
    }

    public static func date(microseconds: Int64) -> Date {
        let (relative, overflow) = microseconds.subtractingReportingOverflow(referenceOffsetMicros)
        if overflow {
            return Date(timeIntervalSinceReferenceDate: Double(microseconds) / 1_000_000 - 978_307_200)
        }
        return Date(timeIntervalSinceReferenceDate: Double(relative) / 1_000_000)
    }

    // MARK: calendar arithmetic (proleptic Gregorian, H. Hinnant's algorithms)

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    static func daysFromCivil(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}
