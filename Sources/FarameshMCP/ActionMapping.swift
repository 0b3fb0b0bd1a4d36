import FarameshAPI
import FarameshCore

/// How a `tools/call` becomes a gatekeeper action: tool = the proxy's server name, operation =
/// the MCP tool name, params = the arguments, and a context that policies can match with
/// `field`/`value` conditions (top-level keys, all starting with `mcp.`).
package struct ActionMapping: Sendable, Hashable {
    /// Prefix of every context key the proxy sets. Arguments with a top-level key starting with
    /// it are refused: policy conditions read params before context, so such an argument could
    /// otherwise shadow an annotation.
    package static let reservedPrefix = "mcp."

    /// The `--name` of the proxy (the action's `tool`).
    package var serverName: String
    /// The `agent_id` submitted; the gatekeeper checks it against the proxy's token.
    package var agentID: String

    package init(serverName: String, agentID: String) {
        self.serverName = serverName
        self.agentID = agentID
    }

    /// The annotation hints with their MCP defaults (used when a server does not declare them).
    static let hintDefaults: [(String, Bool)] = [
        ("readOnlyHint", false), ("destructiveHint", true), ("idempotentHint", false), ("openWorldHint", true),
    ]

    /// The first argument name that would shadow a context key, if any.
    package static func reservedArgument(in arguments: JSONValue) -> String? {
        guard case .object(let object) = arguments else { return nil }
        return object.keys.sorted().first { $0.hasPrefix(Self.reservedPrefix) }
    }

    /// The context of a call. `annotations` is the tool's `annotations` object from `tools/list`
    /// (nil when the server did not list the tool).
    package func context(tool: String, annotations: JSONValue?, client: ClientInfo?) -> JSONValue {
        var context: [String: JSONValue] = [
            "mcp.server": .string(self.serverName),
            "mcp.tool": .string(tool),
            "mcp.listed": .bool(annotations != nil),
        ]
        var declared: [String: JSONValue] = [:]
        if case .object(let object)? = annotations { declared = object }
        context["mcp.annotations"] = .object(declared)
        for (hint, fallback) in Self.hintDefaults {
            if case .bool(let value)? = declared[hint] {
                context["mcp." + hint] = .bool(value)
            } else {
                context["mcp." + hint] = .bool(fallback)
            }
        }
        // A read-only tool is not destructive, whatever the (then meaningless) destructiveHint says.
        if context["mcp.readOnlyHint"] == .bool(true) { context["mcp.destructiveHint"] = .bool(false) }
        if case .string(let title)? = declared["title"] { context["mcp.title"] = .string(title) }
        if let name = client?.name { context["mcp.client.name"] = .string(name) }
        if let version = client?.version { context["mcp.client.version"] = .string(version) }
        if let protocolVersion = client?.protocolVersion { context["mcp.protocolVersion"] = .string(protocolVersion) }
        return .object(context)
    }

    /// The body of `POST /v1/actions` for `call`.
    package func submission(for call: ToolCall, annotations: JSONValue?, client: ClientInfo?) -> SubmitActionRequest {
        SubmitActionRequest(
            agentID: self.agentID,
            tool: self.serverName,
            operation: call.name,
            params: call.arguments,
            context: self.context(tool: call.name, annotations: annotations, client: client)
        )
    }
}
