import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh replay ID`: submits the same action again as a new action (the gate decides anew).
struct ReplayCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Submit an action again as a new action (same agent, tool, operation and params).",
        discussion: "The new action's context is the original's plus replayed_from (the original id) and replay: true."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    func validate() throws { try ActionReference.validate(id) }

    /// The submission that repeats `action`.
    static func request(replaying action: ActionResponse) -> SubmitActionRequest {
        var context = action.context.objectValue ?? [:]
        context["replayed_from"] = .string(action.id)
        context["replay"] = .bool(true)
        return SubmitActionRequest(
            agentID: action.agentID,
            tool: action.tool,
            operation: action.operation,
            params: action.params,
            context: .object(context)
        )
    }

    func run() async throws {
        let reference = id
        let (original, replayed) = try await withClient { client in
            let original = try await ActionReference.resolve(reference, with: client)
            return (original, try await client.submit(Self.request(replaying: original)))
        }
        if global.json {
            printJSON(replayed)
            return
        }
        let t = Terminal.stdout
        print(TerminalText.visible("Replayed \(ActionFormat.id(original.id)) as \(replayed.id)"))
        print(
            "  status \(t.status(replayed.status)), decision \(replayed.decision.rawValue) (\(TerminalText.visible(replayed.reasonCode))), risk \(t.risk(replayed.riskLevel))"
        )
        if let reason = replayed.reason { print("  reason: \(TerminalText.visible(reason))") }
    }
}
