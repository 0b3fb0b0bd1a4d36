import FarameshClient

/// How `tools/call`s are governed (typed configuration, built by the CLI).
package struct GovernorSettings: Sendable {
    package var mapping: ActionMapping
    /// How long a call waiting for approval is held before the client gets a pending result.
    package var hold: Duration
    /// Interval of `notifications/progress` while a call is held (only with a progressToken).
    package var heartbeat: Duration
    /// How often a held action's status is read from the gatekeeper.
    package var pollInterval: Duration
    /// The web UI where approvers decide; links are `<approvalBaseURL>/?action=<id>`.
    package var approvalBaseURL: String
    /// How many used-up actions of one request hash are stepped over before a fresh key is used.
    package var maxChainSteps: Int

    package init(
        mapping: ActionMapping,
        hold: Duration = .seconds(300),
        heartbeat: Duration = .seconds(5),
        pollInterval: Duration = .milliseconds(500),
        approvalBaseURL: String,
        maxChainSteps: Int = 16
    ) {
        self.mapping = mapping
        self.hold = hold
        self.heartbeat = heartbeat
        self.pollInterval = pollInterval
        self.approvalBaseURL = approvalBaseURL
        self.maxChainSteps = maxChainSteps
    }

    package func approvalURL(_ actionID: String) -> String {
        var base = self.approvalBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/?action=" + BaseURL.encode(actionID)
    }
}
