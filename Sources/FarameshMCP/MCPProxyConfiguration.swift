import FarameshClient

/// Everything `faramesh mcp-proxy` runs with (built from the command line by the CLI).
package struct MCPProxyConfiguration: Sendable {
    package enum Upstream: Sendable {
        /// An MCP server started as a child process (stdio), `arguments[0]` looked up in PATH.
        case command([String])
        /// A Streamable HTTP MCP endpoint, with extra headers (e.g. its own Authorization).
        case http(url: String, headers: [(String, String)])
    }

    /// Streamable HTTP service for clients (instead of stdio).
    package struct Listen: Sendable {
        package var host: String
        package var port: Int
        /// Clients must send `Authorization: Bearer <token>`.
        package var token: String
        package init(host: String, port: Int, token: String) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    package var governor: GovernorSettings
    package var gatekeeper: FarameshClientConfiguration
    package var upstream: Upstream
    package var listen: Listen?

    package init(
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
