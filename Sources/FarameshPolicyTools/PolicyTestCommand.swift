import ArgumentParser
import FarameshCore

/// `faramesh policy test POLICY TESTS`: runs the test cases; exit 1 when any fails (like `opa test`).
struct PolicyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run policy test cases (expected decision, risk, reason code, rule).",
        discussion: "Exits 1 when any case fails or a file is invalid."
    )

    @Argument(help: "The policy file.")
    var policy: String

    @Argument(help: "The tests file (cases: with action and expect).")
    var tests: String

    @Option(help: "An execution profile to apply before the policy.")
    var profile: String?

    @Option(help: "runtime_version bound into decisions.")
    var runtimeVersion = PolicyFiles.defaultRuntimeVersion

    @Flag(help: "Print JSON instead of text.")
    var json = false

    mutating func run() async throws {
        let report = try PolicyFiles.runTests(
            policy: policy,
            tests: tests,
            profile: profile,
            runtimeVersion: runtimeVersion
        )
        if json { PolicyFiles.printJSON(report.json) } else { print(report.text) }
        if !report.allPassed { throw ExitCode(PolicyFiles.failure) }
    }
}
