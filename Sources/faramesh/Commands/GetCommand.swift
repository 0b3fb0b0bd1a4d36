import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh get ID`: one action (full id or a prefix of at least 8 hex characters).
struct GetCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show one action (id or prefix of at least 8 hex characters)."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    func validate() throws { try ActionReference.validate(id) }

    func run() async throws {
        let reference = id
        let action = try await withClient { client in try await ActionReference.resolve(reference, with: client) }
        if global.json {
            printJSON(action)
            return
        }
        let t = Terminal.stdout
        var lines: [(String, String)] = [
            ("Status", t.status(action.status)),
            ("Decision", "\(action.decision.rawValue) (\(action.outcome.rawValue), \(action.reasonCode))"),
            ("Reason", action.reason ?? "-"),
            ("Risk", t.risk(action.riskLevel)),
            ("Agent", action.agentID),
            ("Tool", "\(action.tool) / \(action.operation)"),
            ("Params", CanonicalJSON.string(action.params)),
            ("Context", CanonicalJSON.string(action.context)),
            ("Created", action.createdAt),
            ("Updated", action.updatedAt),
        ]
        if let expires = action.approvalExpiresAt { lines.append(("Approval expires", expires)) }
        lines += [
            ("Request hash", action.requestHash),
            ("Policy", "\(action.policyVersion ?? "-") (hash \(ActionFormat.hash(action.policyHash)))"),
            (
                "Profile",
                action.profileID.map {
                    "\($0) \(action.profileVersion ?? "") (hash \(ActionFormat.hash(action.profileHash)))"
                } ?? "none"
            ),
            ("Runtime", action.runtimeVersion ?? "-"),
            ("Provenance", action.provenanceID ?? "-"),
        ]
        print("Action \(TerminalText.visible(action.id))")
        let width = lines.map(\.0.count).max() ?? 0
        for (name, value) in lines {
            // Status and risk carry the CLI's own colours; everything else may be agent text.
            let shown = name == "Status" || name == "Risk" ? value : TerminalText.visible(value)
            print("  \(name):\(String(repeating: " ", count: width - name.count + 1))\(shown)")
        }
    }
}
