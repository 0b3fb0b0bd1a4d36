import ArgumentParser
import FarameshPolicyTools

/// `faramesh`: the gatekeeper's server and command-line tools.
@main
struct Faramesh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faramesh",
        abstract: "Execution gatekeeper for AI agents: policy decisions, human approval, tamper-evident audit.",
        version: ServeSettings.runtimeVersion,
        subcommands: [
            ServeCommand.self,
            MigrateCommand.self,
            TokenCommand.self,
            VerifyLogCommand.self,
            PolicyCommand.self,
            PolicyDiffCommand.self,
        ])
}
