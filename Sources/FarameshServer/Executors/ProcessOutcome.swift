/// How a run ended, with what it printed (each stream cut at the request's bound).
package struct ProcessOutcome: Sendable, Hashable {
    package enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
        /// The status could not be collected (someone else reaped the child).
        case unknown
    }

    package var termination: Termination
    /// The timeout passed and the process group was signalled.
    package var timedOut: Bool
    /// The run was stopped on request (server shutdown) and the process group was signalled.
    package var cancelled: Bool
    package var stdout: [UInt8]
    package var stdoutTruncated: Bool
    package var stderr: [UInt8]
    package var stderrTruncated: Bool
    package var duration: Duration

    package init(
        termination: Termination,
        timedOut: Bool = false,
        cancelled: Bool = false,
        stdout: [UInt8] = [],
        stdoutTruncated: Bool = false,
        stderr: [UInt8] = [],
        stderrTruncated: Bool = false,
        duration: Duration = .zero
    ) {
        self.termination = termination
        self.timedOut = timedOut
        self.cancelled = cancelled
        self.stdout = stdout
        self.stdoutTruncated = stdoutTruncated
        self.stderr = stderr
        self.stderrTruncated = stderrTruncated
        self.duration = duration
    }

    /// Decodes a `waitpid` status (the WIFEXITED / WIFSIGNALED macros are not imported into Swift).
    static func termination(waitStatus status: Int32) -> Termination {
        let low = status & 0x7f
        if low == 0 { return .exited((status >> 8) & 0xff) }
        if low != 0x7f { return .signaled(low) }
        return .unknown
    }
}
