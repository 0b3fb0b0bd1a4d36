/// `GET /health`: `{"status": "healthy"}`; the process is alive (no dependency checks).
package struct HealthResponse: Sendable, Hashable, JSONWritable {
    package var status: String
    package init(status: String = "healthy") { self.status = status }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("status", self.status)
        w.endObject()
    }
}

/// `GET /ready`: `{"status": "ready"|"not_ready", "checks": {...}}`; when not ready it also
/// carries the error members `detail` and `code` (`NOT_READY`).
package struct ReadinessResponse: Sendable, Hashable, JSONWritable {
    package var ready: Bool
    package var database: Bool
    package var migrations: Bool
    package var policy: Bool
    package var shuttingDown: Bool
    /// The live event feed is started and its commit doorbell (LISTEN) connected.
    package var events: Bool

    package init(database: Bool, migrations: Bool, policy: Bool, shuttingDown: Bool, events: Bool = true) {
        self.database = database
        self.migrations = migrations
        self.policy = policy
        self.shuttingDown = shuttingDown
        self.events = events
        self.ready = database && migrations && policy && events && !shuttingDown
    }

    /// Names of the failed checks, for the `detail` message.
    package var failedChecks: [String] {
        var failed: [String] = []
        if self.shuttingDown { failed.append("shutting down") }
        if !self.database { failed.append("database unreachable") }
        if !self.migrations { failed.append("migrations not current") }
        if !self.policy { failed.append("no policy loaded") }
        if !self.events { failed.append("event listener not connected") }
        return failed
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("status", self.ready ? "ready" : "not_ready")
        if !self.ready {
            w.member("detail", "Not ready: " + self.failedChecks.joined(separator: ", "))
            w.member("code", ErrorCode.notReady.rawValue)
        }
        w.key("checks")
        w.beginObject()
        w.member("database", self.database)
        w.member("migrations", self.migrations)
        w.member("policy", self.policy)
        w.member("shutting_down", self.shuttingDown)
        w.member("events", self.events)
        w.endObject()
        w.endObject()
    }
}
