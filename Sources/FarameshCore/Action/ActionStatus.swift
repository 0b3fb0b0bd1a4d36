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

/// A requested change of an action's status after submission.
public enum ActionTransition: String, Sendable, Codable, CaseIterable, Hashable {
    case approve, deny, expire, start, succeed, fail, timeOut = "timeout"

    /// The status this transition leads to, or nil when it is illegal from `status` (HTTP 409).
    ///
    /// pending_approval → approved | denied | expired (never auto-approved);
    /// allowed | approved → executing (/start);
    /// executing → succeeded | failed | timeout;
    /// allowed | approved → succeeded | failed (the agent ran it itself and reports /result).
    public func target(from status: ActionStatus) -> ActionStatus? {
        switch (self, status) {
        case (.approve, .pendingApproval), (.deny, .pendingApproval), (.expire, .pendingApproval),
             (.start, .allowed), (.start, .approved),
             (.succeed, .executing), (.succeed, .allowed), (.succeed, .approved),
             (.fail, .executing), (.fail, .allowed), (.fail, .approved),
             (.timeOut, .executing):
            return self.resultingStatus
        default:
            return nil
        }
    }

    /// The status after this transition, whichever status it legally started from.
    public var resultingStatus: ActionStatus {
        switch self {
        case .approve: return .approved
        case .deny: return .denied
        case .expire: return .expired
        case .start: return .executing
        case .succeed: return .succeeded
        case .fail: return .failed
        case .timeOut: return .timeout
        }
    }

    /// The transition that records an event of `type`; nil for `created` and `decision_made`.
    public init?(recording type: ActionEventType) {
        guard let transition = Self.allCases.first(where: { $0.eventType == type }) else { return nil }
        self = transition
    }

    /// The event recorded when this transition happens.
    public var eventType: ActionEventType {
        switch self {
        case .approve: return .approved
        case .deny: return .denied
        case .expire: return .expired
        case .start: return .started
        case .succeed: return .succeeded
        case .fail: return .failed
        case .timeOut: return .timeout
        }
    }
}

/// Types of events in an action's hash-chained timeline.
public enum ActionEventType: String, Sendable, Codable, CaseIterable, Hashable {
    case created
    case decisionMade = "decision_made"
    case approved, denied, expired, started, succeeded, failed, timeout
}
