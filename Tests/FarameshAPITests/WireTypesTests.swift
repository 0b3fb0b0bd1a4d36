import FarameshAPI
import FarameshWire
import Testing

/// The wire types on their own: the JSON writer, error bodies, text rules.
@Suite struct WireTypesTests {
    @Test func writerProducesValidOrderedJSON() throws {
        var w = JSONWriter()
        w.beginObject()
        w.member("b", "quote \" backslash \\ newline \n tab \t nul \u{0}")
        w.member("a", Int64(-5))
        w.key("list")
        w.beginArray()
        w.bool(true)
        w.null()
        w.value(.object(["z": .int(1), "y": .double(1.5)]))
        w.beginObject()
        w.endObject()
        w.endArray()
        w.member("none", nil as String?)
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"b":"#))
        let parsed = try JSONParser.parse(w.bytes)
        #expect(parsed["b"] == .string("quote \" backslash \\ newline \n tab \t nul \u{0}"))
        #expect(parsed["a"] == .int(-5))
        #expect(
            parsed["list"] == .array([.bool(true), .null, .object(["y": .double(1.5), "z": .int(1)]), .object([:])])
        )
        #expect(parsed["none"] == .null)
        #expect(text.contains(#"{"y":1.5,"z":1}"#), "nested documents are canonical")
    }

    @Test func errorResponseRoundTrips() throws {
        let error = ErrorResponse(
            detail: "x",
            code: .ambiguousID,
            field: "f",
            currentStatus: .expired,
            matches: ["a", "b"]
        )
        #expect(try ErrorResponse(json: try JSONParser.parse(error.jsonBytes)) == error)
        let plain = ErrorResponse(detail: "y", code: .notFound)
        #expect(try JSONParser.parse(plain.jsonBytes).objectValue?.keys.sorted() == ["code", "detail"])
    }

    @Test func identifierRules() throws {
        #expect(try WireText.identifier("  a b  ", field: "f") == "a b")
        #expect(try WireText.identifier("\u{3000}x\u{FEFF}", field: "f") == "x")
        #expect(throws: WireValidationError.self) {
            try WireText.identifier(String(repeating: "é", count: 257), field: "f")
        }
        #expect(try WireText.identifier(String(repeating: "é", count: 256), field: "f").unicodeScalars.count == 256)
        #expect(WireText.truncated("abcdef", maxLength: 3) == "abc... (truncated)")
        #expect(WireText.truncated("abc", maxLength: 3) == "abc")
    }
}
