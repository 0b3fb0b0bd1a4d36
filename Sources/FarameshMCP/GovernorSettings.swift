import FarameshClient

/// How `tools/call`s are governed (typed configuration, built by the CLI).
public struct GovernorSettings: Sendable {
    public var mapping: ActionMapping
    /// How long a call waiting for approval is held before the client gets a pending result.
    public var hold: Duration
    /// Interval of `notifications/progress` while a call is held (only with a progressToken).
    public var heartbeat: Duration
    /// How often a held action's status is read from the gatekeeper.
    public var pollInterval: Duration
    /// The web UI where approvers decide; links are `<approvalBaseURL>/?action=<id>`.
    public var approvalBaseURL: String
    /// How many used-up actions of one request hash are stepped over before a fresh key is used.
    public var maxChainSteps: Int

    public init(
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

    public func approvalURL(_ actionID: String) -> String {
        var base = self.approvalBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/?action=" + BaseURL.encode(actionID)
    }
}
