import ArgumentParser
import FarameshMCP
import FarameshPolicyTools

/// `faramesh`: the gatekeeper's server and command-line tools.
@main
struct Faramesh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faramesh",
        abstract: "Execution gatekeeper for AI agents: policy decisions, human approval, tamper-evident audit.",
        discussion: """
            Commands that talk to a running server accept --host, --port, --token, --timeout and --json before \
            or after the command name (env FARAMESH_BASE_URL, FARAMESH_HOST, FARAMESH_PORT, FARAMESH_TOKEN). \
            Exit status: 0 success, 1 failure, 2 usage error.
            """,
        version: ServeSettings.runtimeVersion,
        subcommands: [
            ServeCommand.self,
            MigrateCommand.self,
            ListCommand.self,
            GetCommand.self,
            ExplainCommand.self,
            EventsCommand.self,
            LogsCommand.self,
            ApproveCommand.self,
            DenyCommand.self,
            ReplayCommand.self,
            ReplayDecisionCommand.self,
            CurlCommand.self,
            TailCommand.self,
            InitCommand.self,
            InitDockerCommand.self,
            DoctorCommand.self,
            BuildUICommand.self,
            TokenCommand.self,
            VerifyLogCommand.self,
            AuditCommand.self,
            PolicyCommand.self,
            PolicyDiffCommand.self,
            MCPProxyCommand.self,
        ]
    )

    /// Global options may precede the command name; usage errors exit 2 (not ArgumentParser's 64).
    static func main() async {
        // The proxy lives long and small: what the loader and the runtime touched to get here
        // leaves its resident set before the command line is parsed (`ResidentCode`).
        if CommandLine.arguments.dropFirst().contains("mcp-proxy") { ResidentCode.release(after: .launched) }
        await PolicyFiles.main(
            Faramesh.self,
            arguments: ClientOptions.hoistGlobalOptions(Array(CommandLine.arguments.dropFirst()))
        )
    }
}
