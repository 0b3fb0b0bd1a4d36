import FarameshCore
import FarameshStorePostgres
import Foundation
import Logging
import PostgresNIO

/// Holds a PostgreSQL transaction that has inserted one event (a seq taken but not yet visible)
/// until `finish`: the out-of-order commit that the event feed must not skip.
package final class OpenEventWriter: Sendable {
    package let seq: Int64
    private let release: AsyncStream<Bool>.Continuation
    private let task: Task<Void, any Error>

    private struct RolledBack: Error {}

    package static func start(
        _ store: PostgresActionStore,
        actionID: UUID,
        logger: Logger
    ) async throws -> OpenEventWriter {
        let (released, release) = AsyncStream<Bool>.makeStream()
        let (inserted, insertedContinuation) = AsyncStream<Int64>.makeStream()
        let task = Task {
            do {
                try await store.client.withTransaction(logger: logger) { conn in
                    // Like the store's writers: lock the row (a transaction id) before taking a seq.
                    for try await _ in try await conn.query(
                        "SELECT id FROM actions WHERE id = \(actionID) FOR UPDATE",
                        logger: logger
                    ) {}
                    let event = EventChain.makeEvent(
                        actionID: actionID,
                        type: .started,
                        meta: .object([:]),
                        actor: "slow-writer",
                        at: WireTimestamp.now(),
                        prevHash: nil
                    )
                    let rows = try await conn.query(
                        """
                        INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
                        VALUES (\(event.id), \(actionID), 'started', '{}', 'slow-writer', now(), NULL, \(event.recordHash))
                        RETURNING seq
                        """,
                        logger: logger
                    )
                    for try await seq in rows.decode(Int64.self) { insertedContinuation.yield(seq) }
                    var commit = false
                    for await decision in released {
                        commit = decision
                        break
                    }
                    if !commit { throw RolledBack() }
                    for try await _ in try await conn.query(
                        "SELECT pg_notify(\(store.notificationChannel), 'late')",
                        logger: logger
                    ) {}
                }
            } catch let error as PostgresTransactionError where error.closureError is RolledBack {
                return
            }
        }
        var seq: Int64 = 0
        for await value in inserted {
            seq = value
            break
        }
        return OpenEventWriter(seq: seq, release: release, task: task)
    }

    private init(seq: Int64, release: AsyncStream<Bool>.Continuation, task: Task<Void, any Error>) {
        self.seq = seq
        self.release = release
        self.task = task
    }

    /// Commits (true) or rolls back (false), and waits for the transaction to end.
    package func finish(commit: Bool) async throws {
        self.release.yield(commit)
        try await self.task.value
    }
}
