import Testing

@testable import FarameshMCP

@Suite struct ResumeKeysTests {
    @Test func aRetryUsesTheKeyLeftByThePendingCall() async {
        let keys = ResumeKeys()
        let first = await keys.claim("h")
        #expect(first == "mcp-h")
        await keys.release("h", nextKey: first)
        #expect(await keys.claim("h") == "mcp-h")
    }

    @Test func aUsedActionMovesTheNextCallToItsSuccessorKey() async {
        let keys = ResumeKeys()
        let first = await keys.claim("h")
        await keys.release("h", nextKey: ResumeKeys.successor("h", after: "a1"))
        _ = first
        #expect(await keys.claim("h") == "mcp-h-a1")
    }

    @Test func identicalCallsInFlightAtOnceGetDistinctKeys() async {
        let keys = ResumeKeys()
        let one = await keys.claim("h")
        let two = await keys.claim("h")
        #expect(one == "mcp-h")
        #expect(two != one && two.hasPrefix("mcp-h-u"))
        await keys.release("h", nextKey: one)
        await keys.release("h", nextKey: one)
        #expect(await keys.claim("h") == "mcp-h")
    }

    @Test func keysStayWithinTheServersLimit() {
        let hash = String(repeating: "a", count: 64)
        #expect(ResumeKeys.successor(hash, after: "0b5e0c6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b").utf8.count <= 255)
        #expect(ResumeKeys.unique(hash).utf8.count <= 255)
    }
}
