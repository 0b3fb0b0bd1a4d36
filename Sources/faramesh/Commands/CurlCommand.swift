import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh curl ID`: ready-to-copy curl commands for the action's next steps. The bearer
/// token is never printed: the commands read it from `$FARAMESH_TOKEN` when they run.
struct CurlCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "curl",
        abstract: "Print ready-to-copy curl commands for an action (the token stays in $FARAMESH_TOKEN)."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    func validate() throws { try ActionReference.validate(id) }

    /// Placeholder used when the token in use may not see the approval token.
    static let approvalTokenPlaceholder = "<approval-token>"

    /// `(title, command)` pairs for what can be done with `action` now.
    static func commands(for action: ActionResponse, baseURL: BaseURL) -> [(name: String, command: String)] {
        let url = baseURL.url("/v1/actions/\(action.id)")
        let auth = "  -H \"Authorization: Bearer $FARAMESH_TOKEN\""
        func post(_ path: String, _ body: String?) -> String {
            var lines = ["curl -sS -X POST \(url)\(path) \\", auth + (body == nil ? "" : " \\")]
            if let body {
                lines.append("  -H \"Content-Type: application/json\" \\")
                lines.append("  -d '\(body)'")
            }
            return lines.joined(separator: "\n")
        }
        var commands: [(String, String)] = [
            ("Show", "curl -sS \(url) \\\n\(auth)"),
            ("Events", "curl -sS \(url)/events \\\n\(auth)"),
        ]
        switch action.status {
        case .pendingApproval:
            let token = action.approvalToken ?? approvalTokenPlaceholder
            commands.append(("Approve", post("/approval", "{\"token\": \"\(token)\", \"approve\": true}")))
            commands.append(("Deny", post("/approval", "{\"token\": \"\(token)\", \"approve\": false}")))
        case .allowed, .approved:
            commands.append(("Start", post("/start", nil)))
            commands.append(("Report success", post("/result", "{\"success\": true}")))
            commands.append(("Report failure", post("/result", "{\"success\": false, \"error\": \"what went wrong\"}")))
        case .executing:
            commands.append(("Report success", post("/result", "{\"success\": true}")))
            commands.append(("Report failure", post("/result", "{\"success\": false, \"error\": \"what went wrong\"}")))
        default:
            break
        }
        return commands
    }

    func run() async throws {
        let reference = id
        let (action, baseURL) = try await withClient { client in
            (try await ActionReference.resolve(reference, with: client), client.configuration.baseURL)
        }
        let commands = Self.commands(for: action, baseURL: baseURL)
        if global.json {
            print(
                CanonicalJSON.string(
                    .object([
                        "action_id": .string(action.id), "status": .string(action.status.rawValue),
                        "commands": .array(
                            commands.map { .object(["name": .string($0.name), "command": .string($0.command)]) }
                        ),
                    ])
                )
            )
            return
        }
        print("# Action: \(action.id)")
        print("# Status: \(action.status.rawValue)")
        print("# The commands read the bearer token from $FARAMESH_TOKEN (export it first).")
        if action.status == .pendingApproval && action.approvalToken == nil {
            print(
                "# The approval token is shown only to approver and admin tokens; replace \(Self.approvalTokenPlaceholder)."
            )
        }
        for (name, command) in commands {
            print("")
            print("# \(name):")
            print(command)
        }
    }
}
