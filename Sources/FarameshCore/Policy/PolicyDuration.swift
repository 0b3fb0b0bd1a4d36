/// Duration strings of policy files (`approval_timeout: 30m`): one or more `<integer><unit>`
/// parts with units s, m, h, d (`90s`, `30m`, `1h`, `2d`, `1h30m`). Positive, at most 365 days.
public enum PolicyDuration {
    public static let maximum: Duration = .seconds(365 * 86_400)

    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64?
        var sawPart = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times10, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !o1, !o2, next <= 365 * 86_400 else { return nil }
                number = next
            case UInt8(ascii: "s"), UInt8(ascii: "m"), UInt8(ascii: "h"), UInt8(ascii: "d"):
                guard let value = number else { return nil }
                let unit: Int64 =
                    switch byte {
                    case UInt8(ascii: "s"): 1
                    case UInt8(ascii: "m"): 60
                    case UInt8(ascii: "h"): 3_600
                    default: 86_400
                    }
                total += value * unit
                guard total <= 365 * 86_400 else { return nil }
                number = nil
                sawPart = true
            default:
                return nil
            }
        }
        guard sawPart, number == nil, total > 0 else { return nil }
        return .seconds(total)
    }

    /// The shortest form `parse` reads back (`5400s` → `1h30m`).
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        guard seconds > 0 else { return "0s" }
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where seconds >= size {
            out += "\(seconds / size)\(unit)"
            seconds %= size
        }
        return out
    }
}
