import ArgumentParser
import FarameshCore

/// Arguments and behaviour shared by `policy-diff` and `policy diff`.
struct PolicyDiffOptions: ParsableArguments {
    @Argument(help: "The old policy file.")
    var old: String

    @Argument(help: "The new policy file.")
    var new: String

    @Option(help: "Sample actions (a YAML/JSON list, or a policy tests file) to show which decisions change.")
    var samples: String?

    @Flag(help: "Exit 1 when the policies differ (rules or decisions), like `diff`.")
    var exitCode = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let oldPolicy = try PolicyFiles.policy(old)
        let newPolicy = try PolicyFiles.policy(new)
        var sampleActions: [PolicySample] = []
        if let samples {
            let text = try PolicyFiles.read(samples)
            do throws(PolicyLoadError) {
                sampleActions = try PolicySample.parseAll(yaml: text, source: samples)
            } catch {
                PolicyFiles.printError(error.description)
                throw ExitCode(PolicyFiles.failure)
            }
        }
        let diff = PolicyDiff.compare(old: oldPolicy, new: newPolicy, samples: sampleActions)
        if json { PolicyFiles.printJSON(diff.json) } else { print(diff.text) }
        let differs = !diff.ruleChanges.isEmpty || !diff.riskRuleChanges.isEmpty || !diff.decisionChanges.isEmpty
        if exitCode && differs { throw ExitCode(PolicyFiles.failure) }
    }
}
