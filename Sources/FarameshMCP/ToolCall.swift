import FarameshCore

/// The parts of a `tools/call` request the gatekeeper needs.
package struct ToolCall: Sendable, Hashable {
    package var id: JSONValue
    package var name: String
    /// Always an object (`{}` when the client sent none).
    package var arguments: JSONValue
    /// `params._meta.progressToken`, when the client asked for progress.
    package var progressToken: JSONValue?

    package init(id: JSONValue, name: String, arguments: JSONValue = .object([:]), progressToken: JSONValue? = nil) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.progressToken = progressToken
    }

    /// Reads `params`; a call the proxy cannot govern is answered with `-32602` and never forwarded.
    package init(id: JSONValue, params: JSONValue?) throws(JSONRPCError) {
        guard case .object(let params)? = params else {
            throw JSONRPCError(
                code: JSONRPCError.invalidParams,
                message: "Invalid params: tools/call needs params {name, arguments}",
                id: id
            )
        }
        guard case .string(let name)? = params["name"], !name.isEmpty else {
            throw JSONRPCError(
                code: JSONRPCError.invalidParams,
                message: "Invalid params: tools/call needs a non-empty string \"name\"",
                id: id
            )
        }
        switch params["arguments"] {
        case nil, .null?: self.arguments = .object([:])
        case .object(let arguments)?: self.arguments = .object(arguments)
        default:
            throw JSONRPCError(
                code: JSONRPCError.invalidParams,
                message: "Invalid params: tools/call \"arguments\" must be an object",
                id: id
            )
        }
        self.id = id
        self.name = name
        if case .object(let meta)? = params["_meta"], let token = meta["progressToken"] {
            switch token {
            case .string, .int: self.progressToken = token
            default: self.progressToken = nil
            }
        } else {
            self.progressToken = nil
        }
    }
}
