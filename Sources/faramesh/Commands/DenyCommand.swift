import ArgumentParser

/// `faramesh deny ID` — denies a pending action (approver or admin token).
struct DenyCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "deny",
        abstract: "Deny an action that is pending approval (approver or admin token)."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    @Option(help: "Why (recorded on the denial event).")
    var reason: String?

    func validate() throws { try ApprovalDecision.validate(id: id, reason: reason) }

    func run() async throws {
        try await ApprovalDecision(approve: false, id: id, reason: reason).run(self)
    }
}
