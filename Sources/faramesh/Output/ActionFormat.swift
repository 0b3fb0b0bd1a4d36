import FarameshAPI
import FarameshCore
import Foundation

/// Text forms of action fields shared by the commands.
enum ActionFormat {
    /// First 8 characters of an id unless `full`.
    static func id(_ id: String, full: Bool = false) -> String {
        full ? id : String(id.prefix(8))
    }

    /// `2026-11-24T18:11:08.231760Z` → `2026-11-24 18:11:08` (UTC).
    static func time(_ wire: String) -> String {
        var text = wire.replacingOccurrences(of: "T", with: " ")
        if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
        if text.hasSuffix("Z") { text.removeLast() }
        return text
    }

    /// `HH:MM:SS` of a wire timestamp, nil when it is not one.
    static func clock(_ wire: String) -> String? {
        guard let t = wire.firstIndex(of: "T") else { return nil }
        let rest = wire[wire.index(after: t)...]
        guard rest.count >= 8 else { return nil }
        return String(rest.prefix(8))
    }

    /// Compact JSON, cut to `limit` characters with an ellipsis.
    static func compact(_ value: JSONValue, limit: Int) -> String {
        self.truncate(CanonicalJSON.string(value), limit: limit)
    }

    /// One line of at most `limit` characters, control characters shown escaped.
    static func truncate(_ text: String, limit: Int) -> String {
        let flat = TerminalText.visible(text.replacingOccurrences(of: "\n", with: " "))
        return flat.count > limit ? String(flat.prefix(max(0, limit - 1))) + "…" : flat
    }

    /// First 12 characters of a hash, or "-".
    static func hash(_ hash: String?) -> String {
        hash.map { String($0.prefix(12)) } ?? "-"
    }

    /// The action as a JSON value (for composed `--json` documents).
    static func json(_ value: some JSONWritable) -> JSONValue {
        (try? JSONParser.parse(value.jsonBytes)) ?? .null
    }

    /// `20ms`, `2s`, `1.5s`.
    static func duration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if ms < 1000 { return "\(ms)ms" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms / 1000).\(ms % 1000 / 100)s"
    }
}
