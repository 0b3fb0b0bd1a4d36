import FarameshCore
import FarameshStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The live event feed over PostgreSQL: stable reads of `action_events` (see `EventFeed`) and a
/// LISTEN doorbell on `notificationChannel`.
///
/// Out-of-order commits: a read also takes `pg_snapshot_xmin(pg_current_snapshot())` from the
/// same statement snapshot. When a gap is seen, the hub later asks `fixHorizon`, which burns one
/// transaction id Y (`pg_current_xact_id()`, asynchronous commit). Every writer owning a missing
/// seq below the highest visible one had its transaction id before that seq was taken, so
/// before Y; once a snapshot's xmin is above Y they have all ended, and a seq still missing was
/// rolled back. (Comparing against the xmax of the snapshot that saw the gap is not enough: a
/// running transaction can hold an id at or above that xmax.)
///
/// This relies on every writer having a transaction id before it takes a seq, which holds for
/// all of this store's writers: submit inserts the action row first, transitions and expiry
/// lock the row `FOR UPDATE` first. It also needs the sequence's default `CACHE 1`.
extension PostgresActionStore: EventFeed {
    /// How long `headPosition` waits at most for writers that were running when it looked.
    static let headWaitLimit: Duration = .seconds(10)
    /// LISTEN liveness probe: a query on the listening connection this often, within `listenProbeTimeout`.
    static let listenProbeInterval: Duration = .seconds(5)
    static let listenProbeTimeout: Duration = .seconds(3)
    /// Upper bound for leasing a connection and starting LISTEN (the pool alone may wait a minute).
    static let listenEstablishTimeout: Duration = .seconds(5)

    static let feedColumns = """
        e.seq, e.id, e.action_id, e.event_type, e.meta_json, e.actor, e.created_at, e.prev_hash, e.record_hash, \
        a.agent_id, a.tool, a.operation, a.risk_level, a.status AS action_status, a.decision AS action_decision, \
        a.reason AS action_reason
        """

    package func stableEvents(after position: EventFeedPosition, limit: Int) async throws -> EventFeedBatch {
        let limit = max(1, limit)
        let (rows, xmin) = try await perform { [client, logger] in
            var rows: [EventFeedEntry] = []
            var xmin: Int64 = 0
            // One statement, so the rows and the snapshot bounds come from the same snapshot.
            let query: PostgresQuery = """
                WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS snapshot_xmin)
                SELECT snap.snapshot_xmin, ev.* FROM snap LEFT JOIN LATERAL (
                    SELECT \(unescaped: Self.feedColumns)
                    FROM action_events e JOIN actions a ON a.id = e.action_id
                    WHERE e.seq > \(position.cursor) ORDER BY e.seq LIMIT \(limit)
                ) ev ON true
                """
            for try await row in try await client.query(query, logger: logger) {
                let r = row.makeRandomAccess()
                xmin = try r["snapshot_xmin"].decode(Int64.self)
                guard try r["seq"].decode(Int64?.self) != nil else { continue }
                rows.append(try Self.feedEntry(row))
            }
            return (rows, xmin)
        }
        let passed = position.hold?.horizon.map { xmin > $0 } ?? false
        let walk = StableEventWalk.advance(position, rows: rows, full: rows.count >= limit, horizonPassed: passed)
        return EventFeedBatch(entries: walk.deliver, position: walk.position, full: rows.count >= limit)
    }

    package func fixHorizon(of position: EventFeedPosition) async throws -> EventFeedPosition {
        guard var hold = position.hold, hold.horizon == nil else { return position }
        hold.horizon = try await burnTransactionID()
        return EventFeedPosition(cursor: position.cursor, hold: hold)
    }

    package func headPosition() async throws -> EventFeedPosition {
        let newest = try await perform { [client, logger] in
            var newest: Int64 = 0
            for try await seq in try await client.query(
                "SELECT coalesce(max(seq), 0)::bigint FROM action_events",
                logger: logger
            ).decode(Int64.self) {
                newest = seq
            }
            return newest
        }
        // Seqs at or below `newest` that are not visible yet belong to writers that started
        // before the burnt id: once they have all ended, `newest` is a final cursor.
        let horizon = try await burnTransactionID()
        let started = ContinuousClock.now
        while true {
            if try await snapshotXmin() > horizon { return EventFeedPosition(cursor: newest) }
            if ContinuousClock.now - started > Self.headWaitLimit {
                throw StoreError.unavailable("a long-running write transaction keeps the event feed from starting")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    package func entries(after: Int64, through: Int64, limit: Int) async throws -> [EventFeedEntry] {
        guard limit > 0, through > after else { return [] }
        return try await perform { [client, logger] in
            var rows: [EventFeedEntry] = []
            let query: PostgresQuery = """
                SELECT \(unescaped: Self.feedColumns)
                FROM action_events e JOIN actions a ON a.id = e.action_id
                WHERE e.seq > \(after) AND e.seq <= \(through) ORDER BY e.seq LIMIT \(limit)
                """
            for try await row in try await client.query(query, logger: logger) {
                rows.append(try Self.feedEntry(row))
            }
            return rows
        }
    }

    package func followCommits(_ onSignal: @escaping @Sendable (EventFeedSignal) async -> Void) async throws {
        var failures = 0
        while !Task.isCancelled {
            let established = ListenFlag()
            let reason: String
            do {
                try await self.listenOnce(established: established, onSignal: onSignal)
                reason = "the LISTEN connection ended"
            } catch {
                if Task.isCancelled || error is CancellationError { return }
                reason = Self.describeListenFailure(error)
            }
            if Task.isCancelled { return }
            if established.isSet { failures = 0 }
            await onSignal(.disconnected(reason: reason))
            failures += 1
            logger.warning(
                "event listener disconnected; reconnecting",
                metadata: [
                    "reason": "\(reason)", "attempt": "\(failures)",
                ]
            )
            // 100 ms, 200 ms, … up to 3 s, with jitter so replicas do not reconnect in lockstep.
            let base = min(100 << min(failures - 1, 5), 3_000)
            let delay = base / 2 + Int.random(in: 0...(base / 2))
            do {
                try await Task.sleep(for: .milliseconds(delay))
            } catch {
                return
            }
        }
    }

    // MARK: internals

    /// One LISTEN session on a leased connection, until it fails or the task is cancelled.
    private func listenOnce(
        established: ListenFlag,
        onSignal: @escaping @Sendable (EventFeedSignal) async -> Void
    ) async throws {
        let (client, logger, channel) = (self.client, self.logger, self.notificationChannel)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        established.set()
                        await onSignal(.connected)
                        try await withThrowingTaskGroup(of: Void.self) { probes in
                            // A cut network shows no error on an idle socket: probe it. A failed
                            // probe closes the connection, which ends the notification sequence.
                            probes.addTask {
                                while true {
                                    try await Task.sleep(for: Self.listenProbeInterval)
                                    do {
                                        _ = try await Deadline.run(Self.listenProbeTimeout) {
                                            try await connection.query("SELECT 1", logger: logger).drain()
                                        }
                                    } catch {
                                        if Task.isCancelled { return }
                                        logger.warning("event listener probe failed; closing the LISTEN connection")
                                        try? await connection.close()
                                        return
                                    }
                                }
                            }
                            for try await notification in notifications {
                                await onSignal(.commit(Int64(notification.payload) ?? 0))
                            }
                            probes.cancelAll()
                        }
                    }
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: Self.listenEstablishTimeout)
                if !established.isSet {
                    throw StoreError.unavailable("LISTEN could not be started within \(Self.listenEstablishTimeout)")
                }
                return false
            }
            // The first error ends the session; so does the LISTEN task ending. The watchdog
            // finishing quietly (LISTEN was established in time) does not.
            while let listenEnded = try await group.next() {
                if listenEnded {
                    group.cancelAll()
                    return
                }
            }
        }
    }

    private static func describeListenFailure(_ error: any Error) -> String {
        switch error {
        case let error as StoreError:
            if case .unavailable(let text) = error { return text }
            return "store error"
        case let error as PSQLError:
            if let state = error.serverInfo?[.sqlState] { return "database error (SQLSTATE \(state))" }
            return "connection failed (\(error.code))"
        default:
            return "\(type(of: error))"
        }
    }

    /// Assigns (and commits) one transaction id: later than every transaction id assigned
    /// before this call. Asynchronous commit: nothing here needs to be durable.
    private func burnTransactionID() async throws -> Int64 {
        try await perform { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET LOCAL synchronous_commit TO off", logger: logger).drain()
                var id: Int64 = 0
                for try await value in try await connection.query(
                    "SELECT pg_current_xact_id()::text::bigint",
                    logger: logger
                ).decode(Int64.self) {
                    id = value
                }
                return id
            }
        }
    }

    private func snapshotXmin() async throws -> Int64 {
        try await perform { [client, logger] in
            var xmin: Int64 = 0
            for try await value in try await client.query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
                logger: logger
            ).decode(Int64.self) {
                xmin = value
            }
            return xmin
        }
    }

    private static func feedEntry(_ row: PostgresRow) throws -> EventFeedEntry {
        let event = try PostgresRows.event(row)
        let r = row.makeRandomAccess()
        func code<E: RawRepresentable>(_ column: String, _ type: E.Type) throws -> E where E.RawValue == String {
            let raw = try r[column].decode(String.self)
            guard let value = E(rawValue: raw) else {
                throw StoreError.unavailable("stored \(column) has an unknown value")
            }
            return value
        }
        return EventFeedEntry(
            event: event,
            agentID: try r["agent_id"].decode(String.self),
            tool: try r["tool"].decode(String.self),
            operation: try r["operation"].decode(String.self),
            riskLevel: try code("risk_level", RiskLevel.self),
            actionStatus: try code("action_status", ActionStatus.self),
            actionDecision: try code("action_decision", PolicyEffect.self),
            actionReason: try r["action_reason"].decode(String.self)
        )
    }
}

/// Set once the LISTEN of one session is active (shared with its watchdog task).
final class ListenFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { self.value.store(true, ordering: .releasing) }
    var isSet: Bool { self.value.load(ordering: .acquiring) }
}
