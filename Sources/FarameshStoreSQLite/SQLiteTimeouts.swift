/// Time limits the store puts on its own database calls (the same roles as `PostgresTimeouts`).
///
/// Waiting for the store's single writer connection counts against `operation`, and so does
/// SQLite's busy wait for another process's write lock (the connection's `busy_timeout` is set
/// to `operation`, and to `migration` while migrating). A call that runs out of time fails with
/// `StoreError.unavailable`.
package struct SQLiteTimeouts: Sendable, Hashable {
    /// Every read and state change.
    package var operation: Duration
    /// `ping()` (readiness probes).
    package var ping: Duration
    /// `migrate()`, including the wait for another process's migration.
    package var migration: Duration

    package init(operation: Duration = .seconds(5), ping: Duration = .seconds(1), migration: Duration = .seconds(300)) {
        self.operation = operation
        self.ping = ping
        self.migration = migration
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
