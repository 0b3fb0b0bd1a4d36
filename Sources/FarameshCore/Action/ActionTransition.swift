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
