import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh approve|allow ID` — approves a pending action (approver or admin token).
struct ApproveCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve an action that is pending approval (approver or admin token).",
        aliases: ["allow"]
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    @Option(help: "Why (recorded on the approval event).")
    var reason: String?

    func validate() throws { try ApprovalDecision.validate(id: id, reason: reason) }

    func run() async throws {
        try await ApprovalDecision(approve: true, id: id, reason: reason).run(self)
    }
}

/// The shared approve/deny flow: fetch the action (an approver's token sees its single-use
/// approval token), post the decision, and report races and wrong states clearly.
struct ApprovalDecision {
    var approve: Bool
    var id: String
    var reason: String?

    static func validate(id: String, reason: String?) throws {
        try ActionReference.validate(id)
        if let reason, reason.unicodeScalars.count > ApprovalRequest.maxReasonLength {
            throw ValidationError("--reason must be at most \(ApprovalRequest.maxReasonLength) characters")
        }
    }

    private var verb: String { approve ? "approve" : "deny" }
    private var doneStatus: ActionStatus { approve ? .approved : .denied }

    func run(_ command: some ClientCommand) async throws {
        let (reference, approve, reason, verb, doneStatus) = (id, approve, reason, verb, doneStatus)
        let outcome: (ActionResponse, alreadyDone: Bool) = try await command.withClient { client in
            let action = try await ActionReference.resolve(reference, with: client)
            guard action.status == .pendingApproval else {
                if action.status == doneStatus { return (action, true) }
                throw CLIError(
                    "cannot \(verb) \(action.id): its status is \(action.status.rawValue), not pending_approval"
                )
            }
            guard let token = action.approvalToken else {
                throw CLIError(
                    "cannot \(verb) \(action.id): the token in use may not approve or deny (approver or admin role required)"
                )
            }
            do {
                let updated = try await client.approval(
                    action.id,
                    ApprovalRequest(token: token, approve: approve, reason: reason)
                )
                return (updated, false)
            } catch let error as FarameshClientError {
                if case .server(409, let body) = error, let current = body.currentStatus {
                    if current == doneStatus {
                        return (try await client.action(action.id), true)
                    }
                    throw CLIError(
                        "cannot \(verb) \(action.id): it is now \(current.rawValue) (someone else decided or it expired)"
                    )
                }
                throw error
            }
        }
        let (action, alreadyDone) = outcome
        if command.global.json {
            command.printJSON(action)
            return
        }
        let t = Terminal.stdout
        if alreadyDone {
            print("\(TerminalText.visible(action.id)) is already \(t.status(action.status)).")
        } else {
            print(
                "\(approve ? "Approved" : "Denied") \(TerminalText.visible(action.id)) (status \(t.status(action.status)))."
            )
        }
    }
}
