import Foundation

/// Prefix lookups of action ids (`faramesh get 3f2a9c1e`), shared by the backends: the ids whose
/// lower-case text starts with a prefix form one contiguous range, served from the primary key
/// index. Each backend binds the bounds in its own column type.
package enum ActionIDPrefix {
    /// The uuid range whose lower-case text starts with `prefix` (hex digits, dashes where the
    /// canonical form has them, any case); nil when no uuid can start with it.
    package static func range(_ prefix: String) -> ClosedRange<UUID>? {
        let template = Array("xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
        let chars = Array(prefix.lowercased())
        guard !chars.isEmpty, chars.count <= template.count else { return nil }
        var hex = ""
        for (index, ch) in chars.enumerated() {
            if template[index] == "-" {
                guard ch == "-" else { return nil }
            } else {
                guard ch.isHexDigit, ch.isASCII else { return nil }
                hex.append(ch)
            }
        }
        func uuid(padding: Character) -> UUID? {
            var digits = Array(hex + String(repeating: padding, count: 32 - hex.count))
            for position in [8, 13, 18, 23] { digits.insert("-", at: position) }
            return UUID(uuidString: String(digits))
        }
        guard let low = uuid(padding: "0"), let high = uuid(padding: "f") else { return nil }
        return low...high
    }

    /// The same range as stored text (lower-case canonical uuids), for text id columns.
    package static func textRange(_ prefix: String) -> ClosedRange<String>? {
        guard let range = range(prefix) else { return nil }
        return range.lowerBound.uuidString.lowercased()...range.upperBound.uuidString.lowercased()
    }
}
