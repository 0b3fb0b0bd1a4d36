import Foundation

/// A compiled `pattern:` (regular expression searched anywhere in the canonical JSON text of
/// params). Patterns that are only literal alternatives (`rm -rf|shutdown|mkfs`) are matched by a
/// byte search instead of the regex engine; both give the same answer, the search is faster.
/// Regexes use ICU syntax (NSRegularExpression), e.g. `(?i)` for case-insensitive matching.
struct TextPattern: Sendable {
    enum Kind: Sendable {
        case literals([[UInt8]])
        case regex(NSRegularExpression)
    }

    let source: String
    let kind: Kind

    /// Compiles `source`; the error text is safe to show.
    static func compile(_ source: String) -> Result<TextPattern, TextPatternError> {
        let metacharacters: Set<UInt8> = Set("\\^$.?*+()[]{}".utf8)
        if !source.utf8.contains(where: metacharacters.contains) {
            let alternatives = source.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
            if alternatives.contains(where: \.isEmpty) {
                return .failure(TextPatternError(message: "pattern '\(source)' has an empty alternative, which matches everything"))
            }
            return .success(TextPattern(source: source, kind: .literals(alternatives.map(Array.init))))
        }
        do {
            let regex = try NSRegularExpression(pattern: source, options: [])
            return .success(TextPattern(source: source, kind: .regex(regex)))
        } catch {
            return .failure(TextPatternError(message: "invalid regular expression '\(source)'"))
        }
    }

    func matches(_ text: String) -> Bool {
        switch kind {
        case .literals(let needles):
            return NamePattern.withBytes(text) { bytes in
                for needle in needles where needle.withUnsafeBufferPointer({ NamePattern.find($0, in: bytes, from: 0) }) != nil {
                    return true
                }
                return false
            }
        case .regex(let regex):
            return regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
        }
    }
}

struct TextPatternError: Error {
    var message: String
}

/// A compiled `contains:` needle: a byte-exact substring test on the canonical JSON of params.
struct ContainsNeedle: Sendable {
    let source: String
    let bytes: [UInt8]

    init(_ source: String) {
        self.source = source
        self.bytes = Array(source.utf8)
    }

    func matches(_ text: String) -> Bool {
        NamePattern.withBytes(text) { haystack in
            bytes.withUnsafeBufferPointer { NamePattern.find($0, in: haystack, from: 0) } != nil
        }
    }
}
