import FarameshCore
import Foundation
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: accepted input

    @Test func parsesScalarsAndContainers() throws {
        let v = try JSONParser.parse(#" { "a" : [1, -2, 3.5, true, false, null, "x"], "b": {}, "c": [] } "#)
        #expect(
            v
                == .object([
                    "a": .array([.int(1), .int(-2), .double(3.5), .bool(true), .bool(false), .null, .string("x")]),
                    "b": .object([:]),
                    "c": .array([]),
                ])
        )
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(" \"s\" ") == .string("s"))
        #expect(try JSONParser.parse("\t\r\n42\n") == .int(42))
    }

    @Test func splitsIntegersFromDoublesLikePython() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("1.0") == .double(1))
        #expect(try JSONParser.parse("1e3") == .double(1000))
        #expect(try JSONParser.parse("1E+3") == .double(1000))
        #expect(try JSONParser.parse("-0") == .int(0))
        let negativeZero = try JSONParser.parse("-0.0")
        guard case .double(let d) = negativeZero else {
            Issue.record("expected a double")
            return
        }
        #expect(d == 0 && d.sign == .minus)
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .bigInt("9223372036854775808"))
        #expect(try JSONParser.parse("-9223372036854775809") == .bigInt("-9223372036854775809"))
        #expect(try JSONParser.parse("1180591620717411303424") == .bigInt("1180591620717411303424"))
        #expect(try JSONParser.parse("123456789012345678") == .int(123_456_789_012_345_678))
        #expect(try JSONParser.parse("-1234567890123456789") == .int(-1_234_567_890_123_456_789))
    }

    @Test func parsesDoublesExactly() throws {
        let cases: [(String, Double)] = [
            ("0.1", 0.1), ("1e-7", 1e-7), ("1.5e300", 1.5e300), ("5e-324", Double(bitPattern: 1)),
            ("1.7976931348623157e308", 1.7976931348623157e308), ("2.5e-10", 2.5e-10),
            ("123456789.123", 123456789.123), ("0.30000000000000004", 0.30000000000000004),
            ("9007199254740993.0", 9_007_199_254_740_992), ("1e-400", 0), ("-2.5", -2.5),
            ("1.00000000000000000000000001", 1), ("4.9406564584124654e-324", Double(bitPattern: 1)),
            ("2.2250738585072011e-308", Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)), ("1e22", 1e22), ("1e23", 1e23),
            ("123456789012345.6", 123456789012345.6), ("0.000000000000000000001", 1e-21),
        ]
        for (text, expected) in cases {
            #expect(try JSONParser.parse(text) == .double(expected), "\(text)")
        }
    }

    @Test func randomDoublesRoundTripThroughShortestText() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite else { continue }
            let text = d.description
            #expect(try JSONParser.parse(text) == .double(d), "\(text)")
        }
    }

    @Test func decodesEscapes() throws {
        let v = try JSONParser.parse(#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u4E2D\ud83d\ude00\u0000""#)
        #expect(v == .string("a\"b\\c/d\u{8}\u{c}\n\r\tAé中😀\u{0}"))
        // The escape can also come after raw multi-byte text.
        #expect(try JSONParser.parse(#""Zürich\n""#) == .string("Zürich\n"))
    }

    @Test func keepsRawUnicodeAndEquivalentValues() throws {
        let v = try JSONParser.parse("[\"e\u{301}\", \"\u{e9}\", \"\u{7f}\u{2028}🚀\"]")
        guard case .array(let items) = v, case .string(let nfd) = items[0], case .string(let nfc) = items[1] else {
            Issue.record("unexpected shape")
            return
        }
        // Swift's String == treats these as equal, but their scalars (and canonical bytes) differ.
        #expect(Array(nfd.utf8) == [0x65, 0xCC, 0x81])
        #expect(Array(nfc.utf8) == [0xC3, 0xA9])
        #expect(items[2] == .string("\u{7f}\u{2028}🚀"))
    }

    @Test func acceptsNestingUpToMaxDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok)
        let objects = String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)
        _ = try JSONParser.parse(objects)
        let small = "[[[1]]]"
        _ = try JSONParser.parse(small, maxDepth: 3)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(small, maxDepth: 2) }
    }

    @Test func depthIsCappedToBoundStackUse() throws {
        let limit = JSONParser.depthLimit
        let deepest = String(repeating: #"{"k":["#, count: limit / 2) + "0" + String(repeating: "]}", count: limit / 2)
        _ = try JSONParser.parse(deepest, maxDepth: 1_000_000)
        let tooDeep = "[" + deepest + "]"
        #expect(throws: JSONParseError.self) { try JSONParser.parse(tooDeep, maxDepth: 1_000_000) }
    }

    @Test func errorPathsShowKeysSafely() {
        let longKey = String(repeating: "k", count: 500)
        do {
            _ = try JSONParser.parse("{\"\(longKey)\": {\"a\\nb\u{85}\": NaN}}")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.path == String(repeating: "k", count: 64) + "….a?b?")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func parsesAnyByteCollection() throws {
        let text = #"{"k": [1, "ü", 2.5]}"#
        let expected = try JSONParser.parse(text)
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
        #expect(try JSONParser.parse(Data(text.utf8)) == expected)
        #expect(try JSONParser.parse(ArraySlice(Array(text.utf8))) == expected)
        // No contiguous storage: copied first.
        #expect(try JSONParser.parse(Array(text.utf8).lazy.map { $0 }) == expected)
    }

    // MARK: rejected input

    static let rejected: [(name: String, text: String)] = [
        ("NaN", #"{"x": NaN}"#),
        ("Infinity", #"{"x": Infinity}"#),
        ("-Infinity", #"{"x": -Infinity}"#),
        ("overflowing double", #"{"x": 1e400}"#),
        ("overflowing negative double", #"{"x": -1.8e308}"#),
        ("overflowing long mantissa", "1" + String(repeating: "0", count: 400) + ".0"),
        ("duplicate key", #"{"a": 1, "a": 2}"#),
        ("nested duplicate key", #"{"p": {"amount": 1, "to": "x", "amount": 1000}}"#),
        ("canonically equivalent keys", "{\"\u{e9}\": 1, \"e\u{301}\": 2}"),
        ("trailing comma in object", #"{"a": 1,}"#),
        ("trailing comma in array", "[1, 2,]"),
        ("lone high surrogate", #""\ud83d""#),
        ("lone high surrogate before text", #""\ud83dx""#),
        ("high surrogate and non-low escape", #""\ud83d\u0041""#),
        ("lone low surrogate", #""\ude00""#),
        ("raw control character", "\"a\u{1}b\""),
        ("raw newline in string", "\"a\nb\""),
        ("raw tab in string", "\"a\tb\""),
        ("too deep", String(repeating: "[", count: 65) + String(repeating: "]", count: 65)),
        ("trailing garbage", #"{"a": 1} x"#),
        ("two documents", "1 2"),
        ("line comment", "// c\n{}"),
        ("block comment", "{/* c */}"),
        ("leading zero", "01"),
        ("negative leading zero", "-01"),
        ("bare fraction", ".5"),
        ("dangling point", "1."),
        ("dangling exponent", "1e"),
        ("exponent sign only", "1e+"),
        ("plus sign", "+1"),
        ("minus only", "-"),
        ("hex number", "0x10"),
        ("invalid escape", #""\x41""#),
        ("short unicode escape", #""\u12""#),
        ("non-hex unicode escape", #""\u12g4""#),
        ("single quotes", "'a'"),
        ("unquoted key", "{a: 1}"),
        ("missing colon", #"{"a" 1}"#),
        ("missing comma", "[1 2]"),
        ("unterminated string", #""abc"#),
        ("unterminated array", "[1, 2"),
        ("unterminated object", #"{"a": 1"#),
        ("empty input", ""),
        ("whitespace only", "  \n"),
        ("bad literal", "tru"),
        ("capitalised literal", "True"),
        ("integer longer than 4300 digits", String(repeating: "7", count: 4301)),
    ]

    @Test(arguments: rejected.map(\.name))
    func rejects(_ name: String) throws {
        let text = try #require(Self.rejected.first { $0.name == name }?.text)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        let bad: [[UInt8]] = [
            [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8 encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
            [0x22, 0xC3, 0x22],  // truncated sequence
            [0x22, 0x80, 0x22],  // lone continuation byte
            [0x22, 0xFF, 0x22],
            [0xEF, 0xBB, 0xBF, 0x31],  // byte order mark
            [0x22, 0x61, 0x5C, 0x6E, 0xC3, 0x28, 0x22],  // bad byte after an escape
        ]
        for bytes in bad {
            #expect(throws: JSONParseError.self, "\(bytes)") { try JSONParser.parse(bytes) }
        }
        // Well-formed 2-, 3- and 4-byte sequences at the edges of the valid ranges pass.
        let good: [UInt8] = [
            0x22, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80,
            0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBF, 0x22,
        ]
        #expect(throws: Never.self) { try JSONParser.parse(good) }
    }

    @Test func errorNamesPathAndOffset() {
        func error(_ text: String) -> JSONParseError? {
            do {
                _ = try JSONParser.parse(text)
                return nil
            } catch {
                return error
            }
        }
        let nan = error(#"{"params": {"items": [1, 2, 3, NaN]}}"#)
        #expect(nan?.path == "params.items[3]")
        #expect(nan?.offset == 31)
        #expect(nan?.message.contains("NaN") == true)

        let duplicate = error(#"{"params": {"to": "a", "to": "b"}}"#)
        #expect(duplicate?.path == "params.to")
        #expect(duplicate?.message == "duplicate object key")
        #expect(duplicate?.offset == 23)

        #expect(error(#"[[1], [2, {"a": [true, 1e999]}]]"#)?.path == "[1][1].a[1]")
        #expect(error("[1,]")?.path == "$")
        #expect(error("{} {}")?.path == "$")
        #expect(error("{} {}")?.offset == 3)
        let deep = error(#"{"a": "# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}")
        #expect(deep?.message.contains("64") == true)
        #expect(deep?.path == "a" + String(repeating: "[0]", count: 63))
        #expect(
            nan.map { "\($0)" }
                == "invalid JSON at params.items[3] (byte 31): NaN and Infinity are not valid JSON numbers"
        )
    }
}
