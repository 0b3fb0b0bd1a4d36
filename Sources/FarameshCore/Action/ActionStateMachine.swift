import Foundation

/// The action lifecycle's effects: what one transition does to an action and which events it
/// records. Pure: the time comes in the request and the event id is passed in, so a step is
/// deterministic. The stores only lock or read the row, call `step`, and write what it returns;
/// the SSE frame encoder reads recorded events through `effect(of:)`. Which moves are legal is
/// `ActionTransition.target(from:)`.
public enum ActionStateMachine {
    /// The result of one requested transition.
    public enum Step: Sendable, Hashable {
        /// The transition is allowed: write `change`.
        case apply(ActionChange)
        /// An approval or denial arrived after the approval deadline: the expiry (actor "system")
        /// is written instead, and the caller is told the action is expired.
        case expireInstead(ActionChange)
        /// The state machine forbids it from the action's current status (HTTP 409).
        case illegal(current: Action)
    }

    /// The actor recorded on events the server causes by itself (expiry).
    public static let systemActor = "system"

    /// What `change` does to `current`. `eventID` is the id of the event it records.
    public static func step(_ change: TransitionRequest, from current: Action, eventID: UUID) -> Step {
        if isOverdue(change, current) {
            return .expireInstead(apply(.expiry(now: change.now), target: .expired, to: current, eventID: eventID))
        }
        guard let target = change.target(from: current.status) else { return .illegal(current: current) }
        return .apply(apply(change, target: target, to: current, eventID: eventID))
    }

    /// The expiry of `current` at `now` (the sweeper's step for a due row).
    public static func expire(_ current: Action, now: Date, eventID: UUID) -> Step {
        step(.expiry(now: now), from: current, eventID: eventID)
    }

    /// A human decision on a held action whose deadline has passed: never approved late.
    static func isOverdue(_ change: TransitionRequest, _ current: Action) -> Bool {
        guard change.transition == .approve || change.transition == .deny, current.status == .pendingApproval,
            let deadline = current.approvalExpiresAt
        else { return false }
        return deadline <= change.now
    }

    /// The new row and its event: the event chains to the row's last hash; the row takes the new
    /// status, decision and reason, loses its single-use approval token once decided or expired,
    /// and gets version + 1 and the event's hash and time.
    static func apply(
        _ change: TransitionRequest,
        target: ActionStatus,
        to current: Action,
        eventID: UUID
    ) -> ActionChange {
        let event = EventChain.makeEvent(
            id: eventID,
            actionID: current.id,
            type: change.transition.eventType,
            meta: change.meta,
            actor: change.actor,
            at: change.now,
            prevHash: current.lastEventHash
        )
        var updated = current
        updated.status = target
        if let decision = change.transition.resultingDecision { updated.decision = decision }
        if let reason = change.reason ?? change.transition.defaultReason { updated.reason = reason }
        // The approval capability is single-use: gone once decided or expired.
        if target != .pendingApproval { updated.approvalToken = nil }
        updated.version += 1
        updated.lastEventHash = event.recordHash
        // Whole microseconds, as the stores read it back.
        updated.updatedAt = event.createdAt
        return ActionChange(action: updated, events: [event])
    }

    /// What a recorded event says about its action: status, decision and reason as of that
    /// event; nil where the event does not set the field (the action's current value applies).
    public static func effect(of event: ActionEvent) -> EventEffect {
        let meta = event.meta
        let ownReason = meta["reason"]?.stringValue
        if let transition = ActionTransition(recording: event.type) {
            return EventEffect(
                status: transition.resultingStatus,
                decision: transition.resultingDecision,
                reason: ownReason ?? transition.defaultReason
            )
        }
        // created, decision_made: the submit's decision.
        let decision = meta["decision"]?.stringValue.flatMap(PolicyEffect.init(rawValue:))
        let outcome = meta["outcome"]?.stringValue.flatMap(DecisionOutcome.init(rawValue:))
        return EventEffect(
            status: outcome.map(ActionStatus.init(after:)) ?? decision.map(ActionStatus.init(after:)),
            decision: decision,
            reason: ownReason
        )
    }
}

/// One committed change of an action: the row to write and the events to append, in order.
public struct ActionChange: Sendable, Hashable {
    public var action: Action
    public var events: [ActionEvent]

    public init(action: Action, events: [ActionEvent]) {
        self.action = action
        self.events = events
    }
}

/// See `ActionStateMachine.effect(of:)`.
public struct EventEffect: Sendable, Hashable {
    public var status: ActionStatus?
    public var decision: PolicyEffect?
    public var reason: String?

    public init(status: ActionStatus?, decision: PolicyEffect?, reason: String?) {
        self.status = status
        self.decision = decision
        self.reason = reason
    }
}

extension ActionStatus {
    /// The status a submission starts in for its decision's outcome.
    public init(after outcome: DecisionOutcome) {
        switch outcome {
        case .execute: self = .allowed
        case .halt: self = .denied
        case .abstain: self = .pendingApproval
        }
    }

    /// The status a submission starts in for its effect (events without an outcome).
    public init(after effect: PolicyEffect) {
        switch effect {
        case .allow: self = .allowed
        case .deny: self = .denied
        case .requireApproval: self = .pendingApproval
        }
    }
}
