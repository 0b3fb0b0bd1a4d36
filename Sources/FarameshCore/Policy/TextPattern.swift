import Foundation

/// A compiled `pattern:` (regular expression searched anywhere in the canonical JSON text of
/// params). Patterns that are only literal alternatives (`rm -rf|shutdown|mkfs`) are matched by a
/// byte search instead of the regex engine; other regexes use `PolicyRegex` when it implements
/// their syntax and ICU otherwise. All give ICU's answer (NSRegularExpression syntax, e.g. `(?i)`
/// for case-insensitive matching), except that `PolicyRegex` never gives up where ICU's
/// backtracking hits its limits and silently reports no match; they are faster and allocate nothing.
final class TextPattern: Sendable {
    enum Kind: Sendable {
        case literals([[UInt8]])
        /// ICU decides; `fast` answers the same for the syntax it implements.
        case regex(NSRegularExpression, fast: PolicyRegex?)
    }

    /// Why a pattern does not compile (safe to show).
    struct CompileError: Error {
        var message: String
    }

    let source: String
    let kind: Kind
    /// For regexes: a literal every match must contain; when it is absent the regex is not run.
    let requiredLiteral: [UInt8]?

    convenience init(source: String, kind: Kind) {
        var literal: [UInt8]?
        if case .regex = kind { literal = Self.requiredLiteral(of: source) }
        self.init(source: source, kind: kind, prefilter: literal)
    }

    init(source: String, kind: Kind, prefilter: [UInt8]?) {
        self.source = source
        self.kind = kind
        self.requiredLiteral = prefilter
    }

    /// Compiles `source`; the error text is safe to show.
    static func compile(_ source: String) -> Result<TextPattern, CompileError> {
        let metacharacters: Set<UInt8> = Set("\\^$.?*+()[]{}".utf8)
        if !source.utf8.contains(where: metacharacters.contains) {
            let alternatives = source.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
            if alternatives.contains(where: \.isEmpty) {
                return .failure(
                    CompileError(message: "pattern '\(source)' has an empty alternative, which matches everything")
                )
            }
            return .success(TextPattern(source: source, kind: .literals(alternatives.map(Array.init))))
        }
        do {
            let regex = try NSRegularExpression(pattern: source, options: [])
            return .success(TextPattern(source: source, kind: .regex(regex, fast: PolicyRegex.compile(source))))
        } catch {
            return .failure(CompileError(message: "invalid regular expression '\(source)'"))
        }
    }

    /// True when only ICU can evaluate this pattern (syntax outside `PolicyRegex`): such
    /// patterns backtrack and may be slow on hostile input.
    var needsICU: Bool {
        if case .regex(_, nil) = kind { return true }
        return false
    }

    func matches(_ text: String) -> Bool {
        switch kind {
        case .literals(let needles):
            return NamePattern.withBytes(text) { bytes in
                for needle in needles
                where needle.withUnsafeBufferPointer({ NamePattern.find($0, in: bytes, from: 0) }) != nil {
                    return true
                }
                return false
            }
        case .regex(let regex, let fast):
            if let requiredLiteral, fast?.prefix == nil {
                let present = NamePattern.withBytes(text) { bytes in
                    requiredLiteral.withUnsafeBufferPointer { NamePattern.find($0, in: bytes, from: 0) } != nil
                }
                if !present { return false }
            }
            if let answer = fast?.matches(text) { return answer }
            return regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
        }
    }
}

extension TextPattern {
    /// The longest run of literal characters outside groups and classes that every match of an
    /// ASCII `pattern` contains, or nil when there is none of length ≥ 2 or the pattern uses
    /// constructs this scan does not follow (top-level `|`, `(?` flags or lookarounds, escapes
    /// other than punctuation and `\d \D \w \W \s \S \b \B`). Being conservative only costs speed.
    static func requiredLiteral(of pattern: String) -> [UInt8]? {
        let b = Array(pattern.utf8)
        guard b.allSatisfy({ $0 < 0x80 }) else { return nil }
        let backslash = UInt8(ascii: "\\")
        var runs: [[UInt8]] = []
        var run: [UInt8] = []
        func endRun() {
            if !run.isEmpty { runs.append(run) }
            run = []
        }
        var depth = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == backslash {
                guard i + 1 < b.count else { return nil }
                let e = b[i + 1]
                let isAlphanumeric = (e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5A) || (e >= 0x61 && e <= 0x7A)
                if isAlphanumeric {
                    guard Array("dDwWsSbB".utf8).contains(e) else { return nil }
                    if depth == 0 { endRun() }
                } else if depth == 0 {
                    run.append(e)
                }
                i += 2
                continue
            }
            if c == UInt8(ascii: "[") {
                if depth == 0 { endRun() }
                i = skipClass(b, from: i)
                continue
            }
            if depth > 0 {
                if c == UInt8(ascii: "(") { depth += 1 }
                if c == UInt8(ascii: ")") { depth -= 1 }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "("):
                if i + 1 < b.count && b[i + 1] == UInt8(ascii: "?") { return nil }
                endRun()
                depth = 1
            case UInt8(ascii: ")"), UInt8(ascii: "|"):
                return nil
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"):
                endRun()
            case UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"):
                // A quantifier makes the previous atom optional or repeated: drop it from the run.
                if !run.isEmpty { run.removeLast() }
                endRun()
                if c == UInt8(ascii: "{") {
                    while i < b.count && b[i] != UInt8(ascii: "}") { i += 1 }
                }
            default:
                run.append(c)
            }
            i += 1
        }
        if depth != 0 { return nil }
        endRun()
        guard let longest = runs.max(by: { $0.count < $1.count }), longest.count >= 2 else { return nil }
        return longest
    }

    /// Index just after the `]` closing the class that starts at `start` (nested classes allowed).
    private static func skipClass(_ b: [UInt8], from start: Int) -> Int {
        var i = start + 1
        if i < b.count && b[i] == UInt8(ascii: "^") { i += 1 }
        if i < b.count && b[i] == UInt8(ascii: "]") { i += 1 }
        var depth = 1
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "\\"):
                i += 2
                continue
            case UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default: break
            }
            i += 1
        }
        return b.count
    }
}
