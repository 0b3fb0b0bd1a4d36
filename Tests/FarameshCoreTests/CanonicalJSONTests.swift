import FarameshCore
import Foundation
import Testing

@Suite("CanonicalJSON")
struct CanonicalJSONTests {
    @Test func sortsKeysByCodePointNotUTF16() {
        // U+FF61 < U+1F600 by code point, but in UTF-16 0xFF61 > 0xD83D.
        let v: JSONValue = .object(["\u{1F600}": .int(2), "\u{FF61}": .int(1), "\u{E000}": .int(3), "a": .int(0)])
        #expect(CanonicalJSON.string(v) == "{\"a\":0,\"\u{E000}\":3,\"\u{FF61}\":1,\"\u{1F600}\":2}")
    }

    @Test func codePointLessIsPythonOrder() {
        #expect(CanonicalJSON.codePointLess("B", "a"))
        #expect(CanonicalJSON.codePointLess("a", "aa"))
        #expect(!CanonicalJSON.codePointLess("a", "a"))
        #expect(CanonicalJSON.codePointLess("", "a"))
        #expect(CanonicalJSON.codePointLess("\u{FF61}", "\u{1F600}"))
        // Swift's String < orders by canonical equivalence; Python compares scalars: U+0065 U+0301 < U+00E9.
        #expect(CanonicalJSON.codePointLess("e\u{301}", "\u{e9}"))
        #expect(!CanonicalJSON.codePointLess("\u{e9}", "e\u{301}"))
        #expect(CanonicalJSON.codePointLess("z", "\u{e9}"))
    }

    @Test func escapesOnlyWhatPythonEscapes() {
        var s = ""
        for scalar in 0..<0x20 { s.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        let expected =
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f""#
        #expect(CanonicalJSON.string(.string(s)) == expected)
        #expect(CanonicalJSON.string(.string("q\"b\\s/")) == #""q\"b\\s/""#)
        // DEL, U+0085, U+2028/2029, non-ASCII and astral characters stay raw UTF-8.
        let raw = "\u{7f}\u{85}\u{2028}\u{2029}é中😀"
        #expect(CanonicalJSON.bytes(.string(raw)) == [0x22] + Array(raw.utf8) + [0x22])
    }

    @Test func keysAreEscapedLikeValues() {
        #expect(CanonicalJSON.string(.object(["a\"b": .null, "c\nd": .bool(true)])) == #"{"a\"b":null,"c\nd":true}"#)
    }

    @Test func writesIntegers() {
        #expect(CanonicalJSON.string(.int(0)) == "0")
        #expect(CanonicalJSON.string(.int(7)) == "7")
        #expect(CanonicalJSON.string(.int(-7)) == "-7")
        #expect(CanonicalJSON.string(.int(1_000_000)) == "1000000")
        #expect(CanonicalJSON.string(.int(.max)) == "9223372036854775807")
        #expect(CanonicalJSON.string(.int(.min)) == "-9223372036854775808")
        #expect(CanonicalJSON.string(.bigInt("-1180591620717411303424")) == "-1180591620717411303424")
    }

    @Test func writesDoublesPositionally() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (100, "100"), (1e3, "1000"),
            (0.1, "0.1"), (-0.5, "-0.5"), (1.5e-7, "0.00000015"), (1e-7, "0.0000001"),
            (2.5e-10, "0.00000000025"), (1e21, "1000000000000000000000"),
            (123456789.123, "123456789.123"), (0.30000000000000004, "0.30000000000000004"),
            (1e16, "10000000000000000"), (1.152921504606847e18, "1152921504606847000"),
            (9_007_199_254_740_991, "9007199254740991"), (9_007_199_254_740_992, "9007199254740992"),
            (4503599627370495.5, "4503599627370495.5"), (0.0001, "0.0001"), (1e-5, "0.00001"),
            (12.5e-3, "0.0125"), (-1.25e-3, "-0.00125"),
            (1.5e300, "15" + String(repeating: "0", count: 299)),
            (Double(bitPattern: 1), "0." + String(repeating: "0", count: 323) + "5"),
            (1.7976931348623157e308, "17976931348623157" + String(repeating: "0", count: 292)),
            (-1.7976931348623157e308, "-17976931348623157" + String(repeating: "0", count: 292)),
        ]
        for (value, expected) in cases {
            #expect(CanonicalJSON.string(.double(value)) == expected, "\(value)")
        }
    }

    @Test func randomDoublesAreShortestAndRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let d = Double(bitPattern: rng.next())
            guard d.isFinite, d != 0 else { continue }
            let text = CanonicalJSON.string(.double(d))
            #expect(Double(text) == d, "\(d) -> \(text)")
            #expect(!text.contains("e") && !text.contains("E"), "\(text)")
            if text.contains(".") { #expect(!text.hasSuffix("0") && !text.hasSuffix("."), "\(text)") }
            // Same significant digits as Swift's shortest description.
            let digits = { (s: String) in
                String(
                    s.prefix { $0 != "e" }.filter(\.isNumber).drop { $0 == "0" }.reversed().drop { $0 == "0" }
                        .reversed()
                )
            }
            #expect(digits(text) == digits(d.description), "\(d) -> \(text)")
        }
    }

    @Test func nonFiniteDoublesBuiltInCodeBecomeNull() {
        #expect(
            CanonicalJSON.string(.array([.double(.nan), .double(.infinity), .double(-.infinity)])) == "[null,null,null]"
        )
    }

    @Test func writesContainersWithoutWhitespace() {
        let v: JSONValue = .object([
            "b": .array([.int(1), .array([]), .object([:]), .null, .bool(false)]),
            "a": .object(["y": .string(""), "x": .double(2.5)]),
        ])
        #expect(CanonicalJSON.string(v) == #"{"a":{"x":2.5,"y":""},"b":[1,[],{},null,false]}"#)
        #expect(CanonicalJSON.string(.object([:])) == "{}")
        #expect(CanonicalJSON.string(.array([])) == "[]")
        #expect(CanonicalJSON.string(.object(["only": .int(1)])) == #"{"only":1}"#)
    }

    @Test func appendKeepsExistingBytes() {
        var out = Array("prefix:".utf8)
        CanonicalJSON.append(.array([.int(1), .string("é")]), to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefix:[1,\"é\"]")
        #expect(CanonicalJSON.string(.int(3)) == String(decoding: CanonicalJSON.bytes(.int(3)), as: UTF8.self))
    }

    @Test func canonicalTextParsesBackToTheSameValue() throws {
        let v: JSONValue = .object([
            "text": .string("line\nbreak \u{0} \u{7f} 😀 \"q\""),
            "n": .array([.int(-3), .bigInt("123456789012345678901234567890"), .double(0.25), .double(-1e-9)]),
            "nested": .object(["\u{FF61}": .null, "\u{1F600}": .bool(true)]),
        ])
        let text = CanonicalJSON.string(v)
        #expect(try JSONParser.parse(text) == v)
    }

    @Test func ignoresInsertionOrder() {
        var a: [String: JSONValue] = [:]
        var b: [String: JSONValue] = [:]
        let suffixes = ["", "\u{1F600}", "\u{FF61}", "é", "~"]
        let keys = (0..<200).map { "k\($0 * 7919 % 200)-" + suffixes[$0 % 5] }
        for (i, k) in keys.enumerated() { a[k] = .int(Int64(i)) }
        for (i, k) in keys.enumerated().reversed() { b[k] = .int(Int64(i)) }
        #expect(CanonicalJSON.bytes(.object(a)) == CanonicalJSON.bytes(.object(b)))
    }
}

@Suite("JSONValue Codable")
struct JSONValueCodableTests {
    @Test func decodesEveryKind() throws {
        let data = Data(
            #"{"n": null, "b": true, "one": 1, "zero": 0, "i": -5, "u": 18446744073709551615, "d": 2.5, "s": "x", "a": [1, "y"], "o": {"k": false}}"#
                .utf8
        )
        let v = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(
            v
                == .object([
                    "n": .null, "b": .bool(true), "one": .int(1), "zero": .int(0), "i": .int(-5),
                    "u": .bigInt("18446744073709551615"), "d": .double(2.5),
                    "s": .string("x"), "a": .array([.int(1), .string("y")]), "o": .object(["k": .bool(false)]),
                ])
        )
    }

    @Test func encodesAndDecodesBackToTheSameValue() throws {
        let v: JSONValue = .object([
            "n": .null, "b": .bool(false), "i": .int(.min), "d": .double(0.1), "s": .string("é\n"),
            "a": .array([.int(1), .object([:]), .double(-2.5e-8)]),
        ])
        let back = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(v))
        #expect(back == v)
    }

    @Test func encodesBigIntegersAsExactNumbers() throws {
        let v: JSONValue = .array([.bigInt("1180591620717411303424"), .bigInt("-99999999999999999999999999")])
        // The encoder writes the digits; the strict parser reads them back exactly.
        #expect(try JSONParser.parse(JSONEncoder().encode(v)) == v)
    }
}
