import ArgumentParser
import Foundation
import FarameshPolicyTools
import NIOCore
import NIOPosix

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
            TokenCommand.self,
            VerifyLogCommand.self,
            AuditCommand.self,
            PolicyCommand.self,
            PolicyDiffCommand.self,
        ])

    /// Global options may precede the command name; usage errors exit 2 (not ArgumentParser's 64).
    static func main() async {
        let arguments = ClientOptions.hoistGlobalOptions(Array(CommandLine.arguments.dropFirst()))
        // FARAMESH_EVENT_LOOP_EXECUTOR=0 keeps Swift's own pool (for comparison and troubleshooting).
        let onEventLoops = ProcessInfo.processInfo.environment["FARAMESH_EVENT_LOOP_EXECUTOR"] != "0"
        if arguments.first == ServeCommand.configuration.commandName, onEventLoops {
            // The server's tasks run on the NIO event loops that also do its network I/O, instead
            // of hopping to Swift's cooperative pool and back for every request (measured in the
            // notes: fewer threads on 2 cores, lower tail latency). Nothing in the server blocks
            // a task: SQLite calls and executors run on their own threads. Only for `serve`: CLI
            // commands may read a terminal or file synchronously.
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await PolicyFiles.main(Faramesh.self, arguments: arguments)
    }
}
