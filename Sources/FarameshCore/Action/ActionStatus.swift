/// Lifecycle status of an action (wire values match the original).
public enum ActionStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pendingDecision = "pending_decision"
    case allowed
    case denied
    case pendingApproval = "pending_approval"
    case approved
    case executing
    case succeeded
    case failed
    case timeout
    case expired

    /// No transition leaves a terminal status.
    public var isTerminal: Bool {
        switch self {
        case .denied, .succeeded, .failed, .timeout, .expired: return true
        default: return false
        }
    }
}

/// Types of events in an action's hash-chained timeline.
public enum ActionEventType: String, Sendable, Codable, CaseIterable, Hashable {
    case created
    case decisionMade = "decision_made"
    case approved, denied, expired, started, succeeded, failed, timeout
}
