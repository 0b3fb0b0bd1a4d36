import FarameshCore
import FarameshStore
import SQLiteNIO

/// The live event feed over SQLite. One writer commits in seq order and rings the in-process
/// doorbell after each commit, so every snapshot holds a gap-free prefix: a stable read is a
/// plain `seq > cursor` read and there are never holds.
extension SQLiteActionStore: EventFeed {
    static let feedColumns = """
        e.seq AS seq, e.id AS id, e.action_id AS action_id, e.event_type AS event_type, e.meta_json AS meta_json, \
        e.actor AS actor, e.created_at AS created_at, e.prev_hash AS prev_hash, e.record_hash AS record_hash, \
        a.agent_id AS agent_id, a.tool AS tool, a.operation AS operation, a.risk_level AS risk_level, \
        a.status AS action_status, a.decision AS action_decision, a.reason AS action_reason
        """

    package func stableEvents(after position: EventFeedPosition, limit: Int) async throws -> EventFeedBatch {
        let limit = max(1, limit)
        let rows = try await self.feedRows(after: position.cursor, through: nil, limit: limit)
        let cursor = rows.last?.event.seq ?? position.cursor
        return EventFeedBatch(entries: rows, position: EventFeedPosition(cursor: cursor), full: rows.count >= limit)
    }

    package func fixHorizon(of position: EventFeedPosition) async throws -> EventFeedPosition {
        EventFeedPosition(cursor: position.cursor)
    }

    package func headPosition() async throws -> EventFeedPosition {
        let newest = try await read { conn in
            let rows = try await SQLiteRunner.rows(conn, "SELECT coalesce(max(seq), 0) AS newest FROM action_events")
            return try rows.first.map { try SQLiteRows.integer($0, "newest") } ?? 0
        }
        return EventFeedPosition(cursor: newest)
    }

    package func entries(after: Int64, through: Int64, limit: Int) async throws -> [EventFeedEntry] {
        guard limit > 0, through > after else { return [] }
        return try await self.feedRows(after: after, through: through, limit: limit)
    }

    package func followCommits(_ onSignal: @escaping @Sendable (EventFeedSignal) async -> Void) async throws {
        let seqs = self.eventSeqs()
        await onSignal(.connected)
        for await seq in seqs {
            await onSignal(.commit(seq))
        }
        // The doorbell ends only when the store shuts down.
        if !Task.isCancelled {
            await onSignal(.disconnected(reason: "the store is shut down"))
        }
    }

    private func feedRows(after: Int64, through: Int64?, limit: Int) async throws -> [EventFeedEntry] {
        try await read { conn in
            var binds: [SQLiteData] = [SQLiteRows.integer(after)]
            var upper = ""
            if let through {
                upper = " AND e.seq <= ?"
                binds.append(SQLiteRows.integer(through))
            }
            binds.append(SQLiteRows.integer(limit))
            let rows = try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(Self.feedColumns) FROM action_events e JOIN actions a ON a.id = e.action_id
                WHERE e.seq > ?\(upper) ORDER BY e.seq LIMIT ?
                """,
                binds
            )
            return try rows.map(Self.feedEntry)
        }
    }

    private static func feedEntry(_ row: SQLiteRow) throws -> EventFeedEntry {
        func code<E: RawRepresentable>(_ column: String, _ type: E.Type) throws -> E where E.RawValue == String {
            guard let value = E(rawValue: try SQLiteRows.string(row, column)) else {
                throw StoreError.unavailable("stored \(column) has an unknown value")
            }
            return value
        }
        return EventFeedEntry(
            event: try SQLiteRows.event(row),
            agentID: try SQLiteRows.string(row, "agent_id"),
            tool: try SQLiteRows.string(row, "tool"),
            operation: try SQLiteRows.string(row, "operation"),
            riskLevel: try code("risk_level", RiskLevel.self),
            actionStatus: try code("action_status", ActionStatus.self),
            actionDecision: try code("action_decision", PolicyEffect.self),
            actionReason: try SQLiteRows.string(row, "action_reason")
        )
    }
}
