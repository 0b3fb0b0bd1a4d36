import Foundation
import Testing

@testable import FarameshCore

/// `PolicyRegex` must answer exactly what ICU (NSRegularExpression) answers, for every pattern
/// it accepts; everything else must be left to ICU.
@Suite("PolicyRegex agrees with ICU")
struct PolicyRegexTests {
    static func icu(_ pattern: String, _ text: String) -> Bool? {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        return regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
    }

    @Test("the policy subset compiles; other syntax is left to ICU")
    func support() {
        let supported = [
            #""target":"prod-[a-z]+""#, "rm -rf|shutdown", #"\brm\s+-[a-zA-Z]*[rRf]"#, "^\\{\"cmd\"", "a{2,3}b",
            "(?:ab|cd)+e", "[-a]", "[a-]", #"[\w.-]+@[\w-]+"#, "x*?y", "a.c", "$", #"\$\(\)"#, "[^\"\\\\]*",
            "(?i)drop table", "(?i)[a-c]x",
        ]
        for pattern in supported { #expect(PolicyRegex.compile(pattern) != nil, "\(pattern)") }
        let unsupported = [
            "a(?i)bc", "(?m)^a", "a(?=b)", "(a)\\1", "a*+", #"\p{L}"#, "[[:alpha:]]", "[a[b]]", "[é]", #"\x41"#,
            "a{1000}",
            "[:alpha:]", "[a-c-e]", #"\Qa.b\E"#, "a{,3}", "]", "a)", "(a?)*", "(^|a)+", "(?:a*)+b",
        ]
        for pattern in unsupported { #expect(PolicyRegex.compile(pattern) == nil, "\(pattern)") }
    }

    @Test("hand-picked cases match ICU, including line terminators and non-ASCII text")
    func cases() throws {
        let patterns = [
            #""target":"prod-[a-z]+""#, "a$", "^a", "a.b", #"\bfoo\b"#, #"\Bfoo"#, #"\s"#, #"\d+"#, #"\w+x"#, "[^a]",
            #".\W$"#, #"[^a]?$\n"#, "(ab|a)c", "(a|ab)(c|bcd)(d*)", "x{2}", "x{2,}", "x{0,1}y", "(?:ab?)*b", "é+", "$",
            "^$", ".", "[^\"]*\"$",
        ]
        let texts = [
            "", "a", "ba", "a\n", "a\r\n", "X\r\n", "1A\"\r\n", "\r\n", "\n\r", "a\r", "a\u{0B}", "a\u{0C}", "a\u{85}",
            "a\u{2028}", "a\n\n", "a\nb",
            "axb", "a\nb", "a\u{2028}b", "foo", "xfoo", "foo bar", "_foo", "1 2", "x", "xx", "xxx", "y", "xy",
            "abcd", "ac", "abc", "éé", "b", "aab", "\"x\"", "{\"target\":\"prod-eu\"}", "{\"target\":\"prod-\"}",
            "\u{1F600}a", "é1", "٣", "x٣x", " ", "\t", "\u{A0}",
        ]
        for pattern in patterns {
            let fast = try #require(PolicyRegex.compile(pattern), "\(pattern)")
            for text in texts {
                guard let answer = fast.matches(text) else { continue }
                #expect(answer == Self.icu(pattern, text), "/\(pattern)/ on \(text.debugDescription)")
            }
        }
    }

    @Test("non-ASCII text with Unicode-sensitive escapes is left to ICU")
    func unicodeEscapesDeferToICU() throws {
        let digits = try #require(PolicyRegex.compile(#"\d"#))
        #expect(digits.matches("x٣") == nil)
        #expect(digits.matches("x3") == true)
        let plain = try #require(PolicyRegex.compile("é"))
        #expect(plain.matches("café") == true)
    }

    /// Deterministic generator (xorshift).
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        mutating func pick<T>(_ items: [T]) -> T { items[next(items.count)] }
    }

    static func pattern(_ g: inout Generator, depth: Int = 0) -> String {
        var out = depth == 0 && g.next(6) == 0 ? "(?i)" : ""
        for _ in 0..<(1 + g.next(4)) {
            var atom: String
            switch g.next(12) {
            case 0 where depth < 2:
                atom = "(" + pattern(&g, depth: depth + 1) + "|" + pattern(&g, depth: depth + 1) + ")"
            case 1 where depth < 2: atom = "(?:" + pattern(&g, depth: depth + 1) + ")"
            case 2: atom = g.pick(["[a-c]", "[^a]", "[\\d_]", "[-\"]", "[^\"\\\\]", "[ab-]", "[\\s.]"])
            case 3: atom = g.pick(["\\d", "\\w", "\\s", "\\D", "\\W", "\\S", "\\b", "\\B"])
            case 4: atom = "."
            case 5: atom = g.pick(["^", "$"])
            case 6: atom = g.pick(["\\.", "\\\"", "\\{", "\\-", "\\\\", "\\n"])
            default: atom = g.pick(["a", "b", "c", "\"", ":", "1", "é", " ", "-", "_", "x", "A", "X"])
            }
            if atom != "^" && atom != "$" && !atom.hasPrefix("\\b") && !atom.hasPrefix("\\B") {
                switch g.next(8) {
                case 0: atom += "*"
                case 1: atom += "+"
                case 2: atom += "?"
                case 3: atom += g.pick(["{2}", "{1,2}", "{0,}", "*?", "+?"])
                default: break
                }
            }
            out += atom
        }
        return out
    }

    /// Long texts only for patterns without groups: ICU backtracks exponentially on nested
    /// quantifiers (and then silently reports no match), which would make the comparison slow and void.
    static func text(_ g: inout Generator, long: Bool) -> String {
        let alphabet = [
            "a", "b", "c", "x", "A", "B", "X", "\"", ":", "1", "9", "é", " ", "-", "_", "{", "}", ".", "\\", "\n", "\r",
            "\u{0B}", "\u{85}", "\u{2028}", "٣", "\u{1F600}", "\t", "\u{1C}", "\u{0C}", "\u{1F}",
        ]
        var out = ""
        for _ in 0..<g.next(long && g.next(4) == 0 ? 40 : 12) { out += g.pick(alphabet) }
        return out
    }

    @Test("generated patterns and texts agree with ICU", arguments: 0..<16)
    func differential(seed: Int) {
        var g = Generator(state: UInt64(seed + 1) &* 0x9E37_79B9_7F4A_7C15)
        var compared = 0
        for _ in 0..<300 {
            let pattern = Self.pattern(&g)
            guard let icu = try? NSRegularExpression(pattern: pattern), let fast = PolicyRegex.compile(pattern) else {
                continue
            }
            for _ in 0..<20 {
                let text = Self.text(&g, long: !pattern.contains("("))
                guard let answer = fast.matches(text) else { continue }
                compared += 1
                let expected = icu.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count)) != nil
                #expect(answer == expected, "/\(pattern)/ on \(text.debugDescription)")
            }
        }
        #expect(compared > 2000)
    }

    @Test("TextPattern uses the fast matcher and still agrees with ICU on params text")
    func textPattern() throws {
        guard case .success(let pattern) = TextPattern.compile(#"\b(curl|wget)\b[^"]*\|\s*(sudo\s+)?(ba|z)?sh\b"#),
            case .regex(_, let fast) = pattern.kind
        else {
            Issue.record("pattern should compile as a regex")
            return
        }
        #expect(fast != nil)
        #expect(pattern.matches(#"{"cmd":"curl -fsSL https://x.sh | bash"}"#))
        #expect(!pattern.matches(#"{"cmd":"curl -o x https://x.sh"}"#))
    }
}
