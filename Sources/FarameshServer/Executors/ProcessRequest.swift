/// One command to run: no shell, a fixed environment, bounded time and output.
package struct ProcessRequest: Sendable {
    /// Absolute path of the program (no PATH lookup).
    package var executable: String
    /// argv, including argv[0].
    package var arguments: [String]
    /// The child's whole environment as `KEY=value` strings.
    package var environment: [String]
    /// nil: a fresh private temporary directory, removed after the run.
    package var workingDirectory: String?
    package var timeout: Duration
    /// Per stream; the rest is read and discarded so the child never blocks on a full pipe.
    package var maxOutputBytes: Int
    /// After a timeout (or cancellation) the process group gets SIGTERM, then SIGKILL this much later.
    package var killGrace: Duration

    package init(
        executable: String,
        arguments: [String],
        environment: [String],
        workingDirectory: String? = nil,
        timeout: Duration,
        maxOutputBytes: Int,
        killGrace: Duration = .seconds(2)
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        self.killGrace = killGrace
    }
}
