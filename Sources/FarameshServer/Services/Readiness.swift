import Synchronization

/// Process-wide readiness flags the probes read: set once on graceful shutdown, and whether the
/// migrations were seen current (cached after the first success).
public final class Readiness: Sendable {
    private let shuttingDown = Atomic<Bool>(false)
    private let migrationsCurrent = Atomic<Bool>(false)

    public init() {}

    /// `/ready` answers 503 from now on.
    public func markShuttingDown() { self.shuttingDown.store(true, ordering: .releasing) }
    public var isShuttingDown: Bool { self.shuttingDown.load(ordering: .acquiring) }

    func markMigrationsCurrent() { self.migrationsCurrent.store(true, ordering: .releasing) }
    var migrationsKnownCurrent: Bool { self.migrationsCurrent.load(ordering: .acquiring) }
}
