import FarameshCore

/// The committed event log as a live feed: what every replica's event hub reads to fan events
/// out to its SSE clients, and what `Last-Event-ID` resumes from.
///
/// Event seqs are handed out when a transaction inserts its events, so they can become visible
/// out of order (seq 11 may commit after seq 12) and some are never visible (rolled back). A
/// naive `seq > last` cursor would skip a late seq forever. The feed therefore reads only the
/// *stable* prefix: events in seq order up to the first gap that may still fill, and a gap is
/// passed only once every transaction that could own the missing seq has ended.
///
/// Invariant of `EventFeedPosition.cursor`: every seq ≤ cursor is final (visible, or never
/// going to be). So a client that saw event N resumes with a plain read of `seq > N`.
package protocol EventFeed: Sendable {
    /// Events after `position.cursor` that can be delivered now (in seq order, none past an
    /// unresolved gap), at most `limit`, and the position to read from next.
    func stableEvents(after position: EventFeedPosition, limit: Int) async throws -> EventFeedBatch

    /// Makes the position's hold resolvable (PostgreSQL: records a transaction-id horizon; costs
    /// one small transaction, so the hub asks only for gaps that last). Returns the position
    /// unchanged when there is nothing to fix.
    func fixHorizon(of position: EventFeedPosition) async throws -> EventFeedPosition

    /// A final position at the current end of the log (waits for in-flight writers when the
    /// backend needs to): where a hub starts, delivering only what commits afterwards.
    func headPosition() async throws -> EventFeedPosition

    /// Events with `after < seq ≤ through`, ascending, at most `limit`. Only for ranges the
    /// caller knows are final (at or below a stable cursor): a client catching up.
    func entries(after: Int64, through: Int64, limit: Int) async throws -> [EventFeedEntry]

    /// Follows the commit doorbell until the task is cancelled (or the store shuts down):
    /// `.connected` after every (re)subscription, `.commit` for each ring, `.disconnected` when
    /// the subscription is lost (it is re-established with backoff). Notifications are only a
    /// doorbell: after `.connected` the caller must read from its position to catch up.
    func followCommits(_ onSignal: @escaping @Sendable (EventFeedSignal) async -> Void) async throws
}

/// What the commit doorbell reports.
package enum EventFeedSignal: Sendable, Hashable {
    case connected
    /// The newest seq of a committed change (a hint; read the feed for the truth).
    case commit(Int64)
    /// The subscription was lost; `reason` is safe to log.
    case disconnected(reason: String)
}

/// Where a reader of the feed stands.
package struct EventFeedPosition: Sendable, Hashable {
    /// Every seq ≤ cursor is final: delivered, or never going to be visible.
    package var cursor: Int64
    /// Set while a gap right above `cursor` is unresolved.
    package var hold: EventFeedHold?

    package init(cursor: Int64, hold: EventFeedHold? = nil) {
        self.cursor = cursor
        self.hold = hold
    }
}

/// An unresolved gap: seqs below `below` that are not visible yet may belong to transactions
/// that were running when the gap was seen. Once the backend's `horizon` has passed (every
/// such transaction has ended), every seq below `below` is final.
package struct EventFeedHold: Sendable, Hashable {
    package var below: Int64
    /// Backend-specific (PostgreSQL: a transaction id); nil until `fixHorizon` sets it.
    package var horizon: Int64?

    package init(below: Int64, horizon: Int64? = nil) {
        self.below = below
        self.horizon = horizon
    }
}

/// One read of the feed.
package struct EventFeedBatch: Sendable {
    package var entries: [EventFeedEntry]
    package var position: EventFeedPosition
    /// The read hit its limit: more may be readable at once.
    package var full: Bool

    package init(entries: [EventFeedEntry], position: EventFeedPosition, full: Bool) {
        self.entries = entries
        self.position = position
        self.full = full
    }
}

/// An event plus the action fields a live client filters and displays by.
package struct EventFeedEntry: Sendable, Hashable {
    package var event: ActionEvent
    package var agentID: String
    package var tool: String
    package var operation: String
    package var riskLevel: RiskLevel
    /// The action's values when the entry was read; they may already be newer than `event`.
    package var actionStatus: ActionStatus
    package var actionDecision: PolicyEffect
    package var actionReason: String

    package init(
        event: ActionEvent,
        agentID: String,
        tool: String,
        operation: String,
        riskLevel: RiskLevel,
        actionStatus: ActionStatus,
        actionDecision: PolicyEffect,
        actionReason: String
    ) {
        self.event = event
        self.agentID = agentID
        self.tool = tool
        self.operation = operation
        self.riskLevel = riskLevel
        self.actionStatus = actionStatus
        self.actionDecision = actionDecision
        self.actionReason = actionReason
    }
}

/// The backend-independent part of a stable read: given the rows visible in one snapshot
/// (ascending seq, all > `position.cursor`), which of them may be delivered and where the
/// reader stands afterwards.
package enum StableEventWalk {
    /// - Parameters:
    ///   - rows: the snapshot's rows after the cursor, ascending, as read with `limit`.
    ///   - full: the read returned `limit` rows (rows above the last one were not read).
    ///   - horizonPassed: the hold's horizon is set and has passed in this snapshot.
    package static func advance(
        _ position: EventFeedPosition,
        rows: [EventFeedEntry],
        full: Bool,
        horizonPassed: Bool
    ) -> (deliver: [EventFeedEntry], position: EventFeedPosition) {
        var cursor = position.cursor
        let resolvedBelow: Int64? = horizonPassed ? position.hold?.below : nil
        var deliver: [EventFeedEntry] = []
        var blocked = false
        for row in rows {
            let seq = row.event.seq
            if seq <= cursor { continue }
            if seq == cursor + 1 {
                deliver.append(row)
                cursor = seq
                continue
            }
            // A gap: cursor+1 ..< seq is not visible in this snapshot.
            if let below = resolvedBelow, seq <= below {
                // Every missing seq in the gap is below `below`: final, so never coming.
                deliver.append(row)
                cursor = seq
                continue
            }
            if let below = resolvedBelow, cursor < below - 1 {
                cursor = below - 1
            }
            blocked = true
            break
        }
        if !blocked, !full, let below = resolvedBelow, cursor < below - 1 {
            // Nothing visible up to `below` is left unread, and what is missing is final.
            cursor = below - 1
        }

        var hold: EventFeedHold?
        if blocked {
            let gap = cursor + 1
            if let current = position.hold, !horizonPassed, gap < current.below {
                hold = current
            } else {
                // Every seq below the highest visible one was taken before this snapshot, so
                // its owner had already started: a horizon fixed from now on covers it.
                let highest = rows.last?.event.seq ?? gap
                hold = EventFeedHold(below: highest + 1)
            }
        } else if let current = position.hold, !horizonPassed, cursor < current.below - 1 {
            hold = current
        }
        return (deliver, EventFeedPosition(cursor: cursor, hold: hold))
    }
}
