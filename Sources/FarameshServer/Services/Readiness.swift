import Synchronization

/// Process-wide readiness flags the probes read: set once on graceful shutdown, whether the
/// migrations were seen current (cached after the first success), and whether the event hub
/// (when one runs) has started and its commit doorbell is connected.
package final class Readiness: Sendable {
    private let shuttingDown = Atomic<Bool>(false)
    private let migrationsCurrent = Atomic<Bool>(false)
    private let eventHubAttached = Atomic<Bool>(false)
    private let eventFeedConnected = Atomic<Bool>(false)

    package init() {}

    /// `/ready` answers 503 from now on.
    package func markShuttingDown() { self.shuttingDown.store(true, ordering: .releasing) }
    package var isShuttingDown: Bool { self.shuttingDown.load(ordering: .acquiring) }

    func markMigrationsCurrent() { self.migrationsCurrent.store(true, ordering: .releasing) }
    var migrationsKnownCurrent: Bool { self.migrationsCurrent.load(ordering: .acquiring) }

    func attachEventHub() { self.eventHubAttached.store(true, ordering: .releasing) }
    func setEventFeedConnected(_ connected: Bool) { self.eventFeedConnected.store(connected, ordering: .releasing) }
    /// True without an event hub (nothing to wait for), else once it serves live events.
    var eventFeedReady: Bool {
        !self.eventHubAttached.load(ordering: .acquiring) || self.eventFeedConnected.load(ordering: .acquiring)
    }
}
