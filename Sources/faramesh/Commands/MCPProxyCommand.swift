import ArgumentParser
import FarameshClient
import FarameshMCP
import Foundation

/// `faramesh mcp-proxy`: puts the gatekeeper in front of an MCP server.
struct MCPProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp-proxy",
        abstract: "Govern an MCP server's tools: every tools/call becomes a Faramesh action.",
        discussion: """
            Stdio: faramesh mcp-proxy --name github -- npx -y @modelcontextprotocol/server-github
            HTTP:  faramesh mcp-proxy --name github --listen 127.0.0.1:8765 --listen-token SECRET -- <command>
                   faramesh mcp-proxy --name docs --listen 127.0.0.1:8765 --listen-token SECRET --upstream https://host/mcp
            Everything but tools/call passes through unchanged. A call is submitted as tool=<name>, \
            operation=<MCP tool>, params=<arguments>, agent_id=--agent-id (default: the name), with the \
            token of --token / FARAMESH_TOKEN. See docs/mcp.md.
            """
    )

    @OptionGroup var global: ClientOptions

    @Option(help: "Name of the governed server: the actions' tool (e.g. github).")
    var name: String

    @Option(help: "Gatekeeper base URL (default: FARAMESH_BASE_URL, else --host/--port, else http://127.0.0.1:8000).")
    var gatekeeper: String?

    @Option(
        name: .customLong("agent-id"),
        help:
            "agent_id of the actions (env FARAMESH_AGENT_ID; default: --name). The token must be allowed to act for it."
    )
    var agentID: String?

    @Option(
        help:
            "How long a call waiting for approval is held before the client gets a pending result (env FARAMESH_MCP_HOLD, default 5m)."
    )
    var hold: String?

    @Option(help: "Interval of progress heartbeats while a call is held (default 5s).")
    var heartbeat: String?

    @Option(
        name: .customLong("approval-url"),
        help: "Base URL of the web UI shown to approvers (default: the gatekeeper URL)."
    )
    var approvalURL: String?

    @Option(help: "Serve Streamable HTTP to clients on HOST:PORT (path /mcp) instead of stdio.")
    var listen: String?

    @Option(
        name: .customLong("listen-token"),
        help: "Bearer token HTTP clients must send (env FARAMESH_MCP_LISTEN_TOKEN; required with --listen)."
    )
    var listenToken: String?

    @Option(help: "URL of a Streamable HTTP MCP server to govern (instead of a command after --).")
    var upstream: String?

    @Option(name: .customLong("upstream-header"), help: "Header sent to --upstream, 'Name: value' (repeatable).")
    var upstreamHeaders: [String] = []

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error, critical (env FARAMESH_LOG_LEVEL, default notice)."
    )
    var logLevel: String?

    @Argument(parsing: .postTerminator, help: "The MCP server's command and arguments (after --).")
    var command: [String] = []

    func validate() throws {
        if self.command.isEmpty == (self.upstream == nil) {
            throw ValidationError("give either the MCP server's command after -- or --upstream URL")
        }
        if self.name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
    }

    func run() async throws {
        ProxyProcess.configure()
        ResidentCode.release(after: .configured)
        let source = try SettingsSource.current()
        let logger = try CommandLogging.logger(
            "faramesh.mcp",
            level: self.logLevel ?? source.string(flag: nil, ["FARAMESH_LOG_LEVEL"]) ?? "notice"
        )
        var gatekeeper = try ClientSettings.resolve(self.global, source)
        if let url = self.gatekeeper { gatekeeper.baseURL = try BaseURL(url) }
        gatekeeper.userAgent = "faramesh-mcp-proxy/\(ServeSettings.runtimeVersion)"
        let hold = try source.duration(flag: self.hold, ["FARAMESH_MCP_HOLD"]) ?? .seconds(300)
        let heartbeat = try source.duration(flag: self.heartbeat, ["FARAMESH_MCP_HEARTBEAT"]) ?? .seconds(5)
        let agentID = source.string(flag: self.agentID, ["FARAMESH_AGENT_ID"]) ?? self.name
        let settings = GovernorSettings(
            mapping: ActionMapping(serverName: self.name, agentID: agentID),
            hold: hold,
            heartbeat: heartbeat,
            approvalBaseURL: self.approvalURL ?? gatekeeper.baseURL.text
        )
        let upstream: MCPProxyConfiguration.Upstream
        if let url = self.upstream {
            upstream = .http(url: url, headers: try self.upstreamHeaders.map(Self.header))
        } else {
            upstream = .command(self.command)
        }
        var configuration = MCPProxyConfiguration(governor: settings, gatekeeper: gatekeeper, upstream: upstream)
        if let listen = self.listen {
            guard let token = source.string(flag: self.listenToken, ["FARAMESH_MCP_LISTEN_TOKEN"]) else {
                throw ValidationError(
                    "--listen needs --listen-token (or FARAMESH_MCP_LISTEN_TOKEN): clients authenticate with it"
                )
            }
            let (host, port) = try Self.hostPort(listen)
            configuration.listen = .init(host: host, port: port, token: token)
            try await MCPHTTPServer.run(configuration, logger: logger)
        } else {
            let status = await MCPProxy.runStdio(configuration, logger: logger)
            if status != 0 { throw ExitCode(status) }
        }
    }

    static func header(_ text: String) throws -> (String, String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--upstream-header '\(text)': expected 'Name: value'")
        }
        return (parts[0].trimmingCharacters(in: .whitespaces), parts[1].trimmingCharacters(in: .whitespaces))
    }

    static func hostPort(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port)
        else {
            throw ValidationError("--listen '\(text)': expected HOST:PORT, e.g. 127.0.0.1:8765")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
