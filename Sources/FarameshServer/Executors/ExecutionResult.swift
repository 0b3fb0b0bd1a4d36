/// How a server-side execution ended: the `result` label of `faramesh_executions_total`.
package enum ExecutionResult: String, Sendable, CaseIterable, Hashable {
    /// Exit status 0.
    case succeeded
    /// Non-zero exit status or killed by a signal.
    case failed
    /// Ran past its timeout and was killed.
    case timeout
    /// The command could not be started (missing program, bad working directory).
    case startFailed = "start_failed"
    /// A `{params.KEY}` placeholder could not be filled; nothing was run.
    case invalidParams = "invalid_params"
    /// Stopped by a graceful shutdown of the server.
    case shutdown
    /// Found executing past its timeout by the sweeper: the replica running it died.
    case lost
}
