import FarameshCore
import Testing

@testable import FarameshMCP

@Suite struct JSONRPCMessageTests {
    func classify(_ text: String) throws(JSONRPCError) -> JSONRPCMessage {
        try JSONRPCMessage(bytes: Array(text.utf8))
    }

    @Test func requestsNotificationsAndResponsesAreClassifiedAndKeepTheirBytes() throws {
        let text = #"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}"#
        let request = try classify(text)
        #expect(request.kind == .request(id: .int(7), method: "tools/list"))
        #expect(request.bytes == Array(text.utf8))
        #expect(
            try classify(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).kind
                == .notification(method: "notifications/initialized")
        )
        #expect(try classify(#"{"jsonrpc":"2.0","id":"a","result":{}}"#).kind == .response(id: .string("a")))
        #expect(
            try classify(#"{"jsonrpc":"2.0","id":"a","error":{"code":1,"message":"m"}}"#).kind
                == .response(id: .string("a"))
        )
    }

    @Test(arguments: [
        ("not json", JSONRPCError.parseError, JSONValue.null),
        ("[]", JSONRPCError.invalidRequest, .null),
        ("42", JSONRPCError.invalidRequest, .null),
        (#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#, JSONRPCError.invalidRequest, .int(3)),
        (#"{"jsonrpc":"2.0","id":3,"method":""}"#, JSONRPCError.invalidRequest, .int(3)),
        (#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, JSONRPCError.invalidRequest, .null),
        (#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, JSONRPCError.invalidRequest, .null),
        (#"{"jsonrpc":"2.0","id":4,"method":"ping","params":3}"#, JSONRPCError.invalidRequest, .int(4)),
        (#"{"jsonrpc":"2.0","id":5}"#, JSONRPCError.invalidRequest, .int(5)),
    ])
    func invalidMessagesGetTheRightError(text: String, code: Int, id: JSONValue) {
        #expect(throws: JSONRPCError.self) { try classify(text) }
        do {
            _ = try classify(text)
        } catch {
            #expect(error.code == code)
            #expect(error.id == id)
        }
    }

    @Test func errorBytesAreAJSONRPCErrorResponse() throws {
        let error = JSONRPCError(code: -32602, message: "Invalid \"params\"", id: .string("x"))
        let parsed = try JSONParser.parse(error.bytes)
        #expect(
            parsed
                == .object([
                    "jsonrpc": .string("2.0"), "id": .string("x"),
                    "error": .object(["code": .int(-32602), "message": .string("Invalid \"params\"")]),
                ])
        )
    }
}
