import ArgumentParser
import FarameshCore

/// `faramesh policy explain POLICY --tool … --op … [--params JSON]`: which rule decides and why.
struct PolicyExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show which rule matches an action and why the others were passed over."
    )

    @Argument(help: "The policy file.")
    var policy: String

    @Option(help: "Tool name of the action.")
    var tool: String

    @Option(name: [.customLong("op"), .customLong("operation")], help: "Operation of the action.")
    var op: String

    @Option(help: "Params as a JSON object.")
    var params = "{}"

    @Option(help: "Agent id of the action.")
    var agent = PolicySample.defaultAgentID

    @Option(help: "Context as a JSON object.")
    var context = "{}"

    @Option(help: "An execution profile to apply before the policy.")
    var profile: String?

    @Option(help: "runtime_version bound into the decision.")
    var runtimeVersion = PolicyFiles.defaultRuntimeVersion

    @Flag(help: "Print JSON instead of text.")
    var json = false

    mutating func run() async throws {
        let request = ActionRequest(
            agentID: agent,
            tool: tool,
            operation: op,
            params: try PolicyFiles.jsonObject(params, option: "--params"),
            context: try PolicyFiles.jsonObject(context, option: "--context")
        )
        let engine = try PolicyFiles.engine(policy: policy, profile: profile, runtimeVersion: runtimeVersion)
        let explanation = PolicyExplanation.explain(request, engine: engine)
        if json { PolicyFiles.printJSON(explanation.json) } else { print(explanation.text) }
    }
}
