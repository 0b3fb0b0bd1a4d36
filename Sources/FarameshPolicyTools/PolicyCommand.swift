import ArgumentParser

/// `faramesh policy …`: validate, test, explain and compare policy files locally (no server).
/// Exit codes: 0 ok, 1 failure (invalid policy, failed tests), 2 usage (bad arguments, unreadable file).
package struct PolicyCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate, test, explain and compare policy files.",
        discussion: "Exit codes: 0 ok, 1 failure (invalid policy or failed tests), 2 usage error.",
        subcommands: [
            PolicyValidateCommand.self, PolicyTestCommand.self, PolicyExplainCommand.self, PolicyDiffSubcommand.self,
        ]
    )

    package init() {}
}
