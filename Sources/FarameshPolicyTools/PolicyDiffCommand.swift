import ArgumentParser

/// `faramesh policy-diff OLD NEW [--samples FILE]` (the original's command name).
package struct PolicyDiffCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "policy-diff",
        abstract: "Compare two policy files: rules added, removed, changed, moved, and changed decisions on samples."
    )

    @OptionGroup var options: PolicyDiffOptions

    package init() {}

    package mutating func run() async throws {
        try options.run()
    }
}

/// `faramesh policy diff` (same as `policy-diff`).
struct PolicyDiffSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two policy files (same as `faramesh policy-diff`)."
    )

    @OptionGroup var options: PolicyDiffOptions

    mutating func run() async throws {
        try options.run()
    }
}
