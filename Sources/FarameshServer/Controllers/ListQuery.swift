import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation

/// Query parameters of `GET /v1/actions`, validated exactly as the OpenAPI document states.
struct ListQuery: Sendable {
    static let maxLimit = 1000
    static let defaultLimit = 20
    static let maxOffset = 2_147_483_647
    /// Every parameter the OpenAPI document lists; anything else is a 422 (as on the other
    /// GET routes), so a misspelt filter is never silently ignored.
    static let parameters: Set<String> = [
        "limit", "offset", "agent_id", "tool", "status", "risk_level", "cursor",
        "q", "since", "until",
    ]
    /// Longest free-text search (code points, after trimming).
    static let maxSearchLength = 200

    var query: ActionQuery
    /// The raw filter values, for building the next-page link.
    var filters: [(String, String)]

    /// - Throws: `WireValidationError` naming the parameter.
    static func parse(rawQuery: String?) throws(WireValidationError) -> ListQuery {
        var values: [String: String] = [:]
        for (key, value) in try self.formPairs(rawQuery ?? "") {
            guard self.parameters.contains(key) else {
                throw WireValidationError(field: key, message: "unknown query parameter")
            }
            if values[key] == nil { values[key] = value }
        }
        var query = ActionQuery(limit: self.defaultLimit)
        var filters: [(String, String)] = []
        if let raw = values["limit"] {
            query.limit = try self.integer(raw, name: "limit", range: 1...self.maxLimit)
        }
        if let raw = values["offset"] {
            query.offset = try self.integer(raw, name: "offset", range: 0...self.maxOffset)
        }
        if let raw = values["agent_id"] {
            query.agentID = try WireText.identifier(raw, field: "agent_id")
            filters.append(("agent_id", query.agentID ?? raw))
        }
        if let raw = values["tool"] {
            query.tool = try WireText.identifier(raw, field: "tool")
            filters.append(("tool", query.tool ?? raw))
        }
        if let raw = values["status"] {
            guard let status = ActionStatus(rawValue: raw) else {
                throw WireValidationError(field: "status", message: "unknown status")
            }
            query.status = status
            filters.append(("status", raw))
        }
        if let raw = values["risk_level"] {
            guard let level = RiskLevel(rawValue: raw) else {
                throw WireValidationError(field: "risk_level", message: "must be low, medium or high")
            }
            query.riskLevel = level
            filters.append(("risk_level", raw))
        }
        if let raw = values["q"] {
            let text = try WireText.identifier(raw, field: "q", maxLength: self.maxSearchLength)
            query.text = text
            filters.append(("q", text))
        }
        for (name, keyPath) in [("since", \ActionQuery.createdSince), ("until", \ActionQuery.createdUntil)] {
            guard let raw = values[name] else { continue }
            guard let date = self.timestamp(raw) else {
                throw WireValidationError(
                    field: name,
                    message: "must be an RFC 3339 date-time, e.g. 2026-12-03T14:00:00Z"
                )
            }
            query[keyPath: keyPath] = date
            filters.append((name, WireTimestamp.format(date)))
        }
        // `until` before `since` is a valid, empty range (each bound is checked on its own, as the
        // OpenAPI document can state): the page is empty, not an error.
        if let raw = values["cursor"] {
            guard let cursor = self.cursor(raw) else {
                throw WireValidationError(field: "cursor", message: "not a cursor returned by this API")
            }
            query.cursor = cursor
        }
        return ListQuery(query: query, filters: filters)
    }

    /// `<1–16 digits>_<uuid>`, the form `ActionCursor.encoded` produces (bounded so the time fits
    /// every database's timestamp range).
    static func cursor(_ raw: String) -> ActionCursor? {
        let parts = raw.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, (1...16).contains(parts[0].count), parts[0].allSatisfy(\.isASCIIDigit),
            parts[1].utf8.count == 36
        else { return nil }
        return ActionCursor(encoded: raw)
    }

    /// An RFC 3339 date-time (`T`/`t`/space between date and time, any number of fraction digits,
    /// `Z`/`z` or a `±HH:MM` offset; no offset reads as UTC) as `WireTimestamp` parses it after
    /// normalising: fraction cut to microseconds, the offset applied. A leap second (`:60`) is
    /// read as the last microsecond of its minute. Years 0000–9999 only.
    static func timestamp(_ raw: String) -> Date? {
        var b = Array(raw.utf8)
        guard b.count >= 19, b.count <= 64 else { return nil }
        if b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " ") { b[10] = UInt8(ascii: "T") }
        var offsetMinutes = 0
        if b.last == UInt8(ascii: "z") || b.last == UInt8(ascii: "Z") {
            b.removeLast()
        } else if b.count >= 25, b[b.count - 3] == UInt8(ascii: ":"),
            b[b.count - 6] == UInt8(ascii: "+") || b[b.count - 6] == UInt8(ascii: "-")
        {
            let tail = b.suffix(6)
            let digits = [
                tail[tail.startIndex + 1], tail[tail.startIndex + 2], tail[tail.startIndex + 4],
                tail[tail.startIndex + 5],
            ]
            guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            let value = digits.map { Int($0 - UInt8(ascii: "0")) }
            let hours = value[0] * 10 + value[1]
            let minutes = value[2] * 10 + value[3]
            guard hours < 24, minutes < 60 else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (tail.first == UInt8(ascii: "-") ? -1 : 1)
            b.removeLast(6)
        }
        var leap = false
        if b.count >= 19, b[17] == UInt8(ascii: "6"), b[18] == UInt8(ascii: "0") {
            leap = true
            b[17] = UInt8(ascii: "5")
            b[18] = UInt8(ascii: "9")
        }
        if b.count > 26, b[19] == UInt8(ascii: "."),
            b[20...].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        {
            b.removeLast(b.count - 26)
        }
        if leap { b = Array(b.prefix(19)) + Array(".999999".utf8) }
        guard let text = String(bytes: b, encoding: .utf8), let local = WireTimestamp.parse(text + "Z") else {
            return nil
        }
        return local.addingTimeInterval(-Double(offsetMinutes * 60))
    }

    private static func integer(_ raw: String, name: String, range: ClosedRange<Int>) throws(WireValidationError) -> Int
    {
        guard !raw.isEmpty, raw.utf8.count <= 20, let value = Int(raw) else {
            throw WireValidationError(field: name, message: "must be an integer")
        }
        guard range.contains(value) else {
            throw WireValidationError(
                field: name,
                message: "must be between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }

    /// `application/x-www-form-urlencoded` pairs: `+` is a space, `%XX` escapes must be valid UTF-8.
    static func formPairs(_ query: String) throws(WireValidationError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try self.decode(kv[0], name: "query")
            let value = kv.count > 1 ? try self.decode(kv[1], name: key) : ""
            pairs.append((key, value))
        }
        return pairs
    }

    private static func decode(_ text: Substring, name: String) throws(WireValidationError) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        guard let decoded = spaced.removingPercentEncoding else {
            throw WireValidationError(field: name, message: "invalid percent-encoding")
        }
        return decoded
    }

    /// Query string of the next page: same filters and limit, the new cursor, no offset.
    func nextPageQuery(cursor: ActionCursor) -> String {
        var parts = self.filters.map { "\($0.0)=\(Self.encode($0.1))" }
        parts.append("limit=\(self.query.limit)")
        parts.append("cursor=\(Self.encode(cursor.encoded))")
        return parts.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(
        charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: self.unreserved) ?? ""
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
