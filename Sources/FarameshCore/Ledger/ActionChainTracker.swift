import Foundation

/// Checks per-action event chains while events stream past in ledger (or seq) order, keeping
/// only a little state per action, so a million events need no per-action queries.
///
/// Each event's `record_hash` must recompute from its contents, the first event of an action
/// must be `created` without a prev_hash, and every later prev_hash must be the previous
/// event's record_hash. After `markMissing` (a sealed event that is gone) the next link of that
/// action is not checked, so one deletion is reported once, where it happened.
public struct ActionChainTracker: Sendable {
    public struct State: Sendable {
        public var lastHash: String?
        public var count = 0
        /// The request_hash the action's `decision_made` event recorded.
        public var requestHash: String?
        /// The link to the next event cannot be checked (the previous event is missing, or the
        /// chain started before the checked range).
        var unknownPrevious = false
    }

    /// In partial mode the first event seen of an action may continue an earlier chain.
    public let partial: Bool
    public private(set) var states: [UUID: State] = [:]

    public init(partial: Bool = false) {
        self.partial = partial
    }

    public func state(_ actionID: UUID) -> State? { states[actionID] }

    /// Records a sealed event that no longer exists.
    public mutating func markMissing(actionID: UUID) {
        var state = states[actionID] ?? State()
        state.unknownPrevious = true
        state.count += 1
        states[actionID] = state
    }

    /// Checks `event` against what came before for its action; returns what is wrong with it.
    public mutating func add(_ event: ActionEvent, position: Int64? = nil) -> [LedgerFinding] {
        var findings: [LedgerFinding] = []
        func finding(_ kind: LedgerFinding.Kind, _ detail: String) {
            findings.append(
                LedgerFinding(
                    kind,
                    position: position,
                    seq: event.seq,
                    eventID: event.id,
                    actionID: event.actionID,
                    detail: detail
                )
            )
        }
        let recomputed = EventChain.recordHash(
            eventID: event.id,
            actionID: event.actionID,
            type: event.type,
            createdAt: event.createdAt,
            meta: event.meta,
            prevHash: event.prevHash
        )
        if recomputed != event.recordHash {
            finding(
                .edited,
                "record_hash does not match the event's contents (the event was edited after it was written)"
            )
        }
        var state = states[event.actionID] ?? State(unknownPrevious: partial)
        if state.count == 0 && !state.unknownPrevious {
            if event.type != .created {
                finding(
                    .chain,
                    "the action's first event is \(event.type.rawValue), not created (earlier events missing)"
                )
            } else if event.prevHash != nil {
                finding(.chain, "the action's first event has a prev_hash (earlier events missing)")
            }
        } else if !state.unknownPrevious && event.prevHash != state.lastHash {
            finding(
                .chain,
                "prev_hash does not match the previous event's record_hash (an event was removed, inserted or reordered before it)"
            )
        }
        state.unknownPrevious = false
        state.lastHash = event.recordHash
        state.count += 1
        if event.type == .decisionMade, case .string(let hash)? = event.meta.objectValue?["request_hash"] {
            state.requestHash = hash
        }
        states[event.actionID] = state
        return findings
    }
}
