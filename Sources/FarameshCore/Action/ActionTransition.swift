import Foundation

/// A requested change of an action's status after submission.
public enum ActionTransition: String, Sendable, Codable, CaseIterable, Hashable {
    case approve, deny, expire, start, succeed, fail
    case timeOut = "timeout"

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

    /// The decision an action carries after this transition; nil keeps the current one. A human
    /// approval rewrites it to allow and a denial to deny, as in the original.
    public var resultingDecision: PolicyEffect? {
        switch self {
        case .approve: return .allow
        case .deny: return .deny
        default: return nil
        }
    }

    /// The action's reason after this transition when the caller gives none; nil keeps the
    /// current reason.
    public var defaultReason: String? {
        switch self {
        case .approve: return "Approved by human"
        case .deny: return "Denied by human"
        default: return nil
        }
    }
}

/// One requested transition of one action: what, by whom, with which reason and event meta, and when.
public struct TransitionRequest: Sendable {
    public var transition: ActionTransition
    /// Token name of the caller (approver identity), or "system".
    public var actor: String
    /// New `reason` for the action; nil keeps the current one (approve and deny fall back to
    /// `ActionTransition.defaultReason`).
    public var reason: String?
    /// Extra event meta (object). Nothing else is added.
    public var meta: JSONValue
    public var now: Date
    /// When set, the transition also requires the current status to be one of these (checked
    /// under the row lock), e.g. a result for an executor-run tool only before it started.
    public var allowedFrom: Set<ActionStatus>?

    public init(
        transition: ActionTransition,
        actor: String,
        reason: String?,
        meta: JSONValue = .object([:]),
        now: Date,
        allowedFrom: Set<ActionStatus>? = nil
    ) {
        self.transition = transition
        self.actor = actor
        self.reason = reason
        self.meta = meta
        self.now = now
        self.allowedFrom = allowedFrom
    }

    /// The expiry of a held action by the system (the sweeper, or a late approval).
    public static func expiry(now: Date) -> TransitionRequest {
        TransitionRequest(transition: .expire, actor: "system", reason: nil, now: now)
    }

    /// The status the transition leads to from `status`, or nil when it is not allowed.
    public func target(from status: ActionStatus) -> ActionStatus? {
        if let allowedFrom, !allowedFrom.contains(status) { return nil }
        return transition.target(from: status)
    }
}
