import FarameshClient

/// Everything `faramesh mcp-proxy` runs with (built from the command line by the CLI).
public struct MCPProxyConfiguration: Sendable {
    public enum Upstream: Sendable {
        /// An MCP server started as a child process (stdio), `arguments[0]` looked up in PATH.
        case command([String])
        /// A Streamable HTTP MCP endpoint, with extra headers (e.g. its own Authorization).
        case http(url: String, headers: [(String, String)])
    }

    /// Streamable HTTP service for clients (instead of stdio).
    public struct Listen: Sendable {
        public var host: String
        public var port: Int
        /// Clients must send `Authorization: Bearer <token>`.
        public var token: String
        public init(host: String, port: Int, token: String) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    public var governor: GovernorSettings
    public var gatekeeper: FarameshClientConfiguration
    public var upstream: Upstream
    public var listen: Listen?

    public init(
        governor: GovernorSettings,
        gatekeeper: FarameshClientConfiguration,
        upstream: Upstream,
        listen: Listen? = nil
    ) {
        self.governor = governor
        self.gatekeeper = gatekeeper
        self.upstream = upstream
        self.listen = listen
    }
}
