import FarameshStore
import SQLiteNIO
import Synchronization

/// Runs one statement on a connection and collects its rows.
///
/// Uses `SQLiteConnection`'s own async `query(_:_:_:)`, which steps the statement on the thread
/// pool and hands rows over there (the protocol-level helper hops to an event loop per row).
enum SQLiteRunner {
    private final class Collector: Sendable {
        let rows = Mutex<[SQLiteRow]>([])
    }

    static func rows(_ conn: SQLiteConnection, _ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try checkText(binds)
        let collector = Collector()
        try await conn.query(sql, binds) { row in collector.rows.withLock { $0.append(row) } }
        return collector.rows.withLock { $0 }
    }

    static func execute(_ conn: SQLiteConnection, _ sql: String, _ binds: [SQLiteData] = []) async throws {
        try checkText(binds)
        try await conn.query(sql, binds) { _ in }
    }

    /// Rolls back the open transaction, also when the calling task is cancelled: a cancelled
    /// task's statements are dropped from the thread pool's queue, and a transaction left open
    /// would swallow the next caller's writes. Nothing to roll back (a failed COMMIT already
    /// did) is fine.
    static func rollback(_ conn: SQLiteConnection) async throws {
        do {
            try await uncancelled { try await execute(conn, "ROLLBACK") }
        } catch let error as SQLiteError where error.message.contains("no transaction is active") {
            return
        }
    }

    /// Runs `body` in a task of its own, unaffected by the caller's cancellation.
    static func uncancelled<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }

    /// SQLiteNIO reads text back as a C string, so a U+0000 would silently cut a value short.
    /// PostgreSQL refuses such text too; both backends fail the call instead.
    private static func checkText(_ binds: [SQLiteData]) throws {
        for bind in binds {
            if case .text(let text) = bind, text.utf8.contains(0) {
                throw StoreError.unavailable("the database cannot store text containing U+0000")
            }
        }
    }
}
