public import ArgumentParser

/// `faramesh policy …`: validate, test, explain and compare policy files locally (no server).
/// Exit codes: 0 ok, 1 failure (invalid policy, failed tests), 2 usage (bad arguments, unreadable file).
public struct PolicyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate, test, explain and compare policy files.",
        discussion: "Exit codes: 0 ok, 1 failure (invalid policy or failed tests), 2 usage error.",
        subcommands: [
            PolicyValidateCommand.self, PolicyTestCommand.self, PolicyExplainCommand.self, PolicyDiffSubcommand.self,
        ])

    public init() {}
}

/// `faramesh policy-diff OLD NEW [--samples FILE]` (the original's command name).
public struct PolicyDiffCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "policy-diff",
        abstract: "Compare two policy files: rules added, removed, changed, moved, and changed decisions on samples.")

    @OptionGroup var options: PolicyDiffOptions

    public init() {}

    public mutating func run() async throws {
        try options.run()
    }
}

/// `faramesh policy diff` (same as `policy-diff`).
struct PolicyDiffSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two policy files (same as `faramesh policy-diff`).")

    @OptionGroup var options: PolicyDiffOptions

    mutating func run() async throws {
        try options.run()
    }
}
