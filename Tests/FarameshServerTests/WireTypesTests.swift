import FarameshAPI
import FarameshCore
import FarameshStore
@testable import FarameshServer
import Foundation
import HTTPTypes
import Testing

/// Pure pieces: the JSON writer, text rules, query parsing, id prefixes.
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
        #expect(parsed["list"] == .array([.bool(true), .null, .object(["y": .double(1.5), "z": .int(1)]), .object([:])]))
        #expect(parsed["none"] == .null)
        #expect(text.contains(#"{"y":1.5,"z":1}"#), "nested documents are canonical")
    }

    @Test func errorResponseRoundTrips() throws {
        let error = ErrorResponse(detail: "x", code: .ambiguousID, field: "f", currentStatus: .expired, matches: ["a", "b"])
        #expect(try ErrorResponse(json: try JSONParser.parse(error.jsonBytes)) == error)
        let plain = ErrorResponse(detail: "y", code: .notFound)
        #expect(try JSONParser.parse(plain.jsonBytes).objectValue?.keys.sorted() == ["code", "detail"])
    }

    @Test func identifierRules() throws {
        #expect(try WireText.identifier("  a b  ", field: "f") == "a b")
        #expect(try WireText.identifier("\u{3000}x\u{FEFF}", field: "f") == "x")
        #expect(throws: WireValidationError.self) { try WireText.identifier(String(repeating: "é", count: 257), field: "f") }
        #expect(try WireText.identifier(String(repeating: "é", count: 256), field: "f").unicodeScalars.count == 256)
        #expect(WireText.truncated("abcdef", maxLength: 3) == "abc... (truncated)")
        #expect(WireText.truncated("abc", maxLength: 3) == "abc")
    }

    @Test func listQueryParsing() throws {
        let parsed = try ListQuery.parse(rawQuery: "agent_id=my+agent&tool=a%2Bb&status=allowed&risk_level=high&limit=5&offset=2&limit=9")
        #expect(parsed.query.agentID == "my agent")
        #expect(parsed.query.tool == "a+b")
        #expect(parsed.query.status == .allowed)
        #expect(parsed.query.riskLevel == .high)
        #expect(parsed.query.limit == 5, "the first value of a repeated parameter wins")
        #expect(parsed.query.offset == 2)
        let cursor = ActionCursor(createdAt: Date(timeIntervalSince1970: 1_700_000_000.123456), id: UUID())
        let next = parsed.nextPageQuery(cursor: cursor)
        #expect(next.contains("agent_id=my%20agent"))
        #expect(next.contains("tool=a%2Bb"))
        #expect(next.contains("cursor=\(cursor.encoded)"))
        #expect(!next.contains("offset"))
        let reparsed = try ListQuery.parse(rawQuery: next)
        #expect(reparsed.query.cursor == cursor)
        #expect(reparsed.query.agentID == "my agent")
        #expect(try ListQuery.parse(rawQuery: nil).query.limit == 20)
    }

    @Test func listQuerySearchAndTimeRange() throws {
        let parsed = try ListQuery.parse(rawQuery: "q=+50%25_off+&since=2026-12-03T14:00:00%2B01:00&until=2026-12-03t14:00:00.1234567z")
        #expect(parsed.query.text == "50%_off", "trimmed, taken literally")
        #expect(parsed.query.createdSince == WireTimestamp.parse("2026-12-03T13:00:00.000000Z"))
        #expect(parsed.query.createdUntil == WireTimestamp.parse("2026-12-03T14:00:00.123456Z"))
        let next = parsed.nextPageQuery(cursor: ActionCursor(createdAt: Date(timeIntervalSince1970: 1_700_000_000), id: UUID()))
        let reparsed = try ListQuery.parse(rawQuery: next)
        #expect(reparsed.query.text == parsed.query.text)
        #expect(reparsed.query.createdSince == parsed.query.createdSince)
        #expect(reparsed.query.createdUntil == parsed.query.createdUntil)
        #expect(ListQuery.timestamp("2026-12-03T14:00:00-05:30") == WireTimestamp.parse("2026-12-03T19:30:00Z"))
        #expect(ListQuery.timestamp("2026-12-03 14:00:00") == WireTimestamp.parse("2026-12-03T14:00:00Z"))
        #expect(ListQuery.timestamp("2016-12-31T23:59:60Z") == WireTimestamp.parse("2016-12-31T23:59:59.999999Z"))
        for bad in ["", "yesterday", "2026-12-03", "2026-12-03T14:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                    "2026-12-03T24:00:00Z", "2026-12-03T14:00:00+24:00", "2026-12-03T14:00:00+01", "2026-12-03T14:00:00.Z",
                    "2026-12-03T14:00:00ZZ", "+2026-12-03T14:00:00Z"] {
            #expect(ListQuery.timestamp(bad) == nil, "\(bad)")
        }
    }

    @Test func idPrefixCanonicalization() {
        #expect(ActionIDResolver.canonicalPrefix("ABCDEF12") == "abcdef12")
        #expect(ActionIDResolver.canonicalPrefix("abcdef1234") == "abcdef12-34")
        #expect(ActionIDResolver.canonicalPrefix("abcdef12-34") == "abcdef12-34")
        #expect(ActionIDResolver.canonicalPrefix("abcdef1") == nil)
        #expect(ActionIDResolver.canonicalPrefix("abcdefgh") == nil)
        #expect(ActionIDResolver.canonicalPrefix("0123456789abcdef0123456789abcdef") == "01234567-89ab-cdef-0123-456789abcdef")
        #expect(ActionIDResolver.displayReference("abcdef1234") == "abcdef12...")
        #expect(ActionIDResolver.displayReference("<script>") == "(invalid id)")
    }

    @Test func bearerTokenParsing() {
        #expect(Authenticator.bearerToken("Bearer abc") == "abc")
        #expect(Authenticator.bearerToken("BEARER abc") == "abc")
        #expect(Authenticator.bearerToken("Bearer ") == nil)
        #expect(Authenticator.bearerToken("Basic abc") == nil)
        #expect(Authenticator.bearerToken("Bearer a b") == nil)
    }

    @Test func approvalTokensAreUnpredictableAndURLSafe() {
        let tokens = (0..<50).map { _ in RandomToken.urlSafe(bytes: 16) }
        #expect(Set(tokens).count == 50)
        for token in tokens {
            #expect(token.utf8.count == 22)
            #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
        #expect(ActionController.constantTimeEqual("abc", "abc"))
        #expect(!ActionController.constantTimeEqual("abc", "abd"))
        #expect(!ActionController.constantTimeEqual("abc", "abcd"))
    }
}
