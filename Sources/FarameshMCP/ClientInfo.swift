import FarameshCore

/// What the MCP client said about itself in `initialize` (its claims, recorded as context only).
public struct ClientInfo: Sendable, Hashable {
    public var name: String?
    public var version: String?
    public var protocolVersion: String?

    public init(name: String? = nil, version: String? = nil, protocolVersion: String? = nil) {
        self.name = name
        self.version = version
        self.protocolVersion = protocolVersion
    }

    /// From the `params` of an `initialize` request.
    public init(initializeParams params: JSONValue?) {
        let info = params?["clientInfo"]
        self.name = info?["name"]?.stringValue
        self.version = info?["version"]?.stringValue
        self.protocolVersion = params?["protocolVersion"]?.stringValue
    }
}
