import FarameshAPI
import FarameshCore
import Testing

@testable import FarameshMCP

@Suite struct ActionMappingTests {
    let mapping = ActionMapping(serverName: "github", agentID: "mcp-github")

    @Test func callBecomesAnActionOfTheServerWithTheToolAsOperation() {
        let call = ToolCall(id: .int(1), name: "delete_repo", arguments: .object(["repo": .string("a/b")]))
        let annotations: JSONValue = .object([
            "destructiveHint": .bool(true), "readOnlyHint": .bool(false), "title": .string("Delete"),
        ])
        let request = mapping.submission(
            for: call,
            annotations: annotations,
            client: ClientInfo(name: "claude", version: "1.2", protocolVersion: "2025-11-25")
        )
        #expect(request.agentID == "mcp-github")
        #expect(request.tool == "github")
        #expect(request.operation == "delete_repo")
        #expect(request.params == .object(["repo": .string("a/b")]))
        guard case .object(let context)? = request.context else {
            Issue.record("no context")
            return
        }
        #expect(context["mcp.destructiveHint"] == .bool(true))
        #expect(context["mcp.readOnlyHint"] == .bool(false))
        #expect(context["mcp.idempotentHint"] == .bool(false))
        #expect(context["mcp.openWorldHint"] == .bool(true))
        #expect(context["mcp.title"] == .string("Delete"))
        #expect(context["mcp.annotations"] == annotations)
        #expect(context["mcp.client.name"] == .string("claude"))
        #expect(context["mcp.client.version"] == .string("1.2"))
        #expect(context["mcp.protocolVersion"] == .string("2025-11-25"))
        #expect(context["mcp.listed"] == .bool(true))
        #expect(context["mcp.server"] == .string("github") && context["mcp.tool"] == .string("delete_repo"))
    }

    @Test func undeclaredHintsTakeTheMCPDefaultsAndReadOnlyIsNeverDestructive() {
        let unlisted = mapping.context(tool: "x", annotations: nil, client: nil)
        #expect(unlisted["mcp.readOnlyHint"] == .bool(false))
        #expect(unlisted["mcp.destructiveHint"] == .bool(true))
        #expect(unlisted["mcp.listed"] == .bool(false))
        #expect(unlisted["mcp.annotations"] == .object([:]))
        #expect(unlisted["mcp.client.name"] == nil)
        let readOnly = mapping.context(tool: "x", annotations: .object(["readOnlyHint": .bool(true)]), client: nil)
        #expect(readOnly["mcp.destructiveHint"] == .bool(false))
    }

    @Test func argumentsThatWouldShadowContextKeysAreFound() {
        #expect(
            ActionMapping.reservedArgument(in: .object(["text": .string("a"), "mcp.readOnlyHint": .bool(true)]))
                == "mcp.readOnlyHint"
        )
        #expect(ActionMapping.reservedArgument(in: .object(["mcp": .object([:]), "mcpx": .int(1)])) == nil)
    }

    @Test func identicalCallsHaveIdenticalRequestHashesAndChangedArgumentsDoNot() {
        let a = mapping.submission(
            for: ToolCall(id: .int(1), name: "t", arguments: .object(["p": .int(1)])),
            annotations: nil,
            client: nil
        )
        let retry = mapping.submission(
            for: ToolCall(id: .int(2), name: "t", arguments: .object(["p": .int(1)])),
            annotations: nil,
            client: nil
        )
        let changed = mapping.submission(
            for: ToolCall(id: .int(3), name: "t", arguments: .object(["p": .int(2)])),
            annotations: nil,
            client: nil
        )
        #expect(RequestHash.compute(a.actionRequest) == RequestHash.compute(retry.actionRequest))
        #expect(RequestHash.compute(a.actionRequest) != RequestHash.compute(changed.actionRequest))
    }
}
