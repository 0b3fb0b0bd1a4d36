import FarameshCore
import Testing

@testable import FarameshMCP

@Suite struct ToolCallTests {
    func params(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test func readsNameArgumentsAndProgressToken() throws {
        let call = try ToolCall(
            id: .int(1),
            params: params(#"{"name":"echo","arguments":{"text":"hi"},"_meta":{"progressToken":"p1"}}"#)
        )
        #expect(call.name == "echo")
        #expect(call.arguments == .object(["text": .string("hi")]))
        #expect(call.progressToken == .string("p1"))
        let bare = try ToolCall(id: .int(2), params: params(#"{"name":"echo"}"#))
        #expect(bare.arguments == .object([:]))
        #expect(bare.progressToken == nil)
    }

    @Test(arguments: [
        #"{"arguments":{}}"#, #"{"name":""}"#, #"{"name":3}"#, #"{"name":"x","arguments":[1]}"#,
        #"{"name":"x","arguments":"a"}"#,
    ])
    func callsThatCannotBeGovernedAreInvalidParams(text: String) throws {
        let value = try params(text)
        do {
            _ = try ToolCall(id: .int(9), params: value)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == JSONRPCError.invalidParams)
            #expect(error.id == .int(9))
        }
    }

    @Test func missingParamsAreInvalid() {
        #expect(throws: JSONRPCError.self) { try ToolCall(id: .int(1), params: nil) }
    }
}
