import FarameshCore
import MCP
import NIOCore
import Testing

@testable import FarameshMCP

@Suite struct ProxyMessagesTests {
    @Test func errorResultIsACallToolResultWithIsErrorAndMeta() throws {
        let bytes = ProxyMessages.errorResult(id: .string("r1"), text: "Denied", details: ["action_id": .string("abc")])
        let json = try JSONParser.parse(bytes)
        #expect(json["jsonrpc"] == .string("2.0"))
        #expect(json["id"] == .string("r1"))
        #expect(json["result"]?["isError"] == .bool(true))
        #expect(json["result"]?["content"] == .array([.object(["type": .string("text"), "text": .string("Denied")])]))
        #expect(json["result"]?["_meta"]?["dev.faramesh/action"]?["action_id"] == .string("abc"))
    }

    @Test func progressCarriesTheClientsToken() throws {
        let bytes = try #require(ProxyMessages.progress(token: .int(5), progress: 2, message: "waiting"))
        let json = try JSONParser.parse(bytes)
        #expect(json["method"] == .string("notifications/progress"))
        #expect(json["id"] == nil)
        #expect(json["params"]?["progressToken"] == .int(5))
        #expect(json["params"]?["progress"]?.numericValue == 2)
        #expect(json["params"]?["message"] == .string("waiting"))
        #expect(ProxyMessages.progress(token: .bool(true), progress: 1, message: "") == nil)
    }

    @Test func sseFramesSplitMultiLineMessages() {
        var frame = HTTPClientChannel.frame(Array("{\"a\":\n1}".utf8))
        #expect(frame.readString(length: frame.readableBytes) == "event: message\ndata: {\"a\":\ndata: 1}\n\n")
        var single = HTTPClientChannel.frame(Array("{}".utf8))
        #expect(single.readString(length: single.readableBytes) == "event: message\ndata: {}\n\n")
    }

    @Test func approvalLinksPointAtTheWebUI() {
        let settings = GovernorSettings(
            mapping: ActionMapping(serverName: "s", agentID: "a"),
            approvalBaseURL: "http://127.0.0.1:8000/"
        )
        #expect(settings.approvalURL("abc-1") == "http://127.0.0.1:8000/?action=abc-1")
    }

    @Test func toolOutcomeFollowsIsErrorAndJSONRPCErrors() throws {
        func outcome(_ text: String) throws -> (Bool, String?) {
            ProxySession.outcome(of: try JSONRPCMessage(bytes: Array(text.utf8)))
        }
        #expect(try outcome(#"{"jsonrpc":"2.0","id":1,"result":{"content":[]}}"#) == (true, nil))
        let failed = try outcome(
            #"{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[{"type":"text","text":"boom"}]}}"#
        )
        #expect(failed.0 == false && failed.1 == "the tool returned isError: boom")
        let error = try outcome(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}"#)
        #expect(error.0 == false && error.1 == "JSON-RPC error -32601: nope")
    }

    @Test func catalogLearnsAnnotationsFromToolsList() throws {
        var catalog = ToolCatalog()
        catalog.record(
            listResult: try JSONParser.parse(
                #"{"tools":[{"name":"a","annotations":{"readOnlyHint":true}},{"name":"b"}],"nextCursor":"n"}"#
            )
        )
        #expect(catalog.annotations(for: "a") == .object(["readOnlyHint": .bool(true)]))
        #expect(catalog.annotations(for: "b") == .object([:]))
        #expect(catalog.annotations(for: "c") == nil)
        #expect(ToolCatalog.nextCursor(try JSONParser.parse(#"{"nextCursor":"n"}"#)) == "n")
    }
}
