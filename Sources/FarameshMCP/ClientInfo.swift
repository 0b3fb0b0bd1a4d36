import FarameshCore

/// What the MCP client said about itself in `initialize` (its claims, recorded as context only).
package struct ClientInfo: Sendable, Hashable {
    package var name: String?
    package var version: String?
    package var protocolVersion: String?

    package init(name: String? = nil, version: String? = nil, protocolVersion: String? = nil) {
        self.name = name
        self.version = version
        self.protocolVersion = protocolVersion
    }

    /// From the `params` of an `initialize` request.
    package init(initializeParams params: JSONValue?) {
        let info = params?["clientInfo"]
        self.name = info?["name"]?.stringValue
        self.version = info?["version"]?.stringValue
        self.protocolVersion = params?["protocolVersion"]?.stringValue
    }
}
