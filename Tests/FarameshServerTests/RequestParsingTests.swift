import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import HTTPTypes
import Testing

@testable import FarameshServer

/// Pure pieces of the HTTP layer: query parsing, id prefixes, bearer tokens, approval tokens.
/// (The wire types' own round trips are in FarameshAPITests.)
@Suite struct RequestParsingTests {
    @Test func listQueryParsing() throws {
        let parsed = try ListQuery.parse(
            rawQuery: "agent_id=my+agent&tool=a%2Bb&status=allowed&risk_level=high&limit=5&offset=2&limit=9"
        )
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
        let parsed = try ListQuery.parse(
            rawQuery: "q=+50%25_off+&since=2026-12-03T14:00:00%2B01:00&until=2026-12-03t14:00:00.1234567z"
        )
        #expect(parsed.query.text == "50%_off", "trimmed, taken literally")
        #expect(parsed.query.createdSince == WireTimestamp.parse("2026-12-03T13:00:00.000000Z"))
        #expect(parsed.query.createdUntil == WireTimestamp.parse("2026-12-03T14:00:00.123456Z"))
        let next = parsed.nextPageQuery(
            cursor: ActionCursor(createdAt: Date(timeIntervalSince1970: 1_700_000_000), id: UUID())
        )
        let reparsed = try ListQuery.parse(rawQuery: next)
        #expect(reparsed.query.text == parsed.query.text)
        #expect(reparsed.query.createdSince == parsed.query.createdSince)
        #expect(reparsed.query.createdUntil == parsed.query.createdUntil)
        #expect(ListQuery.timestamp("2026-12-03T14:00:00-05:30") == WireTimestamp.parse("2026-12-03T19:30:00Z"))
        #expect(ListQuery.timestamp("2026-12-03 14:00:00") == WireTimestamp.parse("2026-12-03T14:00:00Z"))
        #expect(ListQuery.timestamp("2016-12-31T23:59:60Z") == WireTimestamp.parse("2016-12-31T23:59:59.999999Z"))
        for bad in [
            "", "yesterday", "2026-12-03", "2026-12-03T14:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
            "2026-12-03T24:00:00Z", "2026-12-03T14:00:00+24:00", "2026-12-03T14:00:00+01", "2026-12-03T14:00:00.Z",
            "2026-12-03T14:00:00ZZ", "+2026-12-03T14:00:00Z",
        ] {
            #expect(ListQuery.timestamp(bad) == nil, "\(bad)")
        }
    }

    @Test func idPrefixCanonicalization() {
        #expect(ActionIDResolver.canonicalPrefix("ABCDEF12") == "abcdef12")
        #expect(ActionIDResolver.canonicalPrefix("abcdef1234") == "abcdef12-34")
        #expect(ActionIDResolver.canonicalPrefix("abcdef12-34") == "abcdef12-34")
        #expect(ActionIDResolver.canonicalPrefix("abcdef1") == nil)
        #expect(ActionIDResolver.canonicalPrefix("abcdefgh") == nil)
        #expect(
            ActionIDResolver.canonicalPrefix("0123456789abcdef0123456789abcdef")
                == "01234567-89ab-cdef-0123-456789abcdef"
        )
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
