/// Server-side executors: the file and the timings around runs.
package struct ExecutorsConfiguration: Sendable {
    /// The executors YAML (`--executors` / `FARAMESH_EXECUTORS_FILE`). nil: no executors, and
    /// `/start` only records the state change (the agent runs the action and reports `/result`).
    package var file: String?
    /// How often each replica looks for executor-run actions left executing by a dead replica.
    package var sweepInterval: Duration = .seconds(15)
    /// An executor-run action still executing this long after its timeout was lost with its
    /// replica (kill -9, crash): the sweeper records it as timed out. Must exceed `killGrace`
    /// plus the time to record a result, so live runs on other replicas are never swept.
    package var lostGrace: Duration = .seconds(60)
    /// SIGTERM to SIGKILL on timeout or shutdown.
    package var killGrace: Duration = .seconds(2)

    package init(file: String? = nil) {
        self.file = file
    }
}
