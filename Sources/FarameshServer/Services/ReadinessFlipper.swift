import Logging
import ServiceLifecycle

/// Last service in the group, so the first told to stop: on SIGTERM it turns `/ready` false,
/// optionally waits for load balancers to notice, and only then lets the HTTP server drain.
package struct ReadinessFlipper: Service {
    let readiness: Readiness
    let drainDelay: Duration
    let logger: Logger

    package init(readiness: Readiness, drainDelay: Duration = .zero, logger: Logger) {
        self.readiness = readiness
        self.drainDelay = drainDelay
        self.logger = logger
    }

    package func run() async throws {
        try? await gracefulShutdown()
        self.readiness.markShuttingDown()
        self.logger.info("Shutting down: readiness is now false")
        if self.drainDelay > .zero {
            try? await Task.sleep(for: self.drainDelay)
        }
    }
}
