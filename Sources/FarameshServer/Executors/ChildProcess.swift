#if canImport(Glibc)
import Glibc

/// A command started with `posix_spawn` in its own process group: stdin `/dev/null`, stdout and
/// stderr on pipes, the given environment only, every other descriptor closed. Every call here
/// blocks, so it is used only from a run's own thread (see `ProcessRunner`).
final class ChildProcess {
    let pid: pid_t
    private var stdoutFD: Int32
    private var stderrFD: Int32

    private init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
    }

    deinit {
        if stdoutFD >= 0 { close(stdoutFD) }
        if stderrFD >= 0 { close(stderrFD) }
    }

    static func spawn(
        executable: String,
        arguments: [String],
        environment: [String],
        workingDirectory: String
    ) throws(ProcessSpawnError) -> ChildProcess {
        guard let addChdir = GlibcSpawnExtensions.addChdir else {
            throw ProcessSpawnError(code: ENOSYS, step: "working directory")
        }
        guard let out = GlibcSpawnExtensions.makePipe() else { throw ProcessSpawnError(code: errno, step: "pipe") }
        guard let err = GlibcSpawnExtensions.makePipe() else {
            let code = errno
            close(out.read)
            close(out.write)
            throw ProcessSpawnError(code: code, step: "pipe")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var setup: Int32 = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if setup == 0 { setup = posix_spawn_file_actions_adddup2(&actions, out.write, 1) }
        if setup == 0 { setup = posix_spawn_file_actions_adddup2(&actions, err.write, 2) }
        if setup == 0 { setup = addChdir(&actions, workingDirectory) }
        // Belt and braces: nothing of the server's (sockets, database connections) reaches the child.
        if setup == 0, let addClosefrom = GlibcSpawnExtensions.addClosefrom { setup = addClosefrom(&actions, 3) }
        // Own process group (so a timeout can signal everything the command started), no blocked
        // signals, default dispositions (the server ignores SIGPIPE; the child must not inherit that).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        if setup == 0 {
            setup = posix_spawnattr_setflags(
                &attributes,
                Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
            )
        }
        if setup == 0 { setup = posix_spawnattr_setpgroup(&attributes, 0) }
        if setup == 0 { setup = posix_spawnattr_setsigmask(&attributes, &noSignals) }
        if setup == 0 { setup = posix_spawnattr_setsigdefault(&attributes, &allSignals) }

        var pid: pid_t = 0
        var status = setup
        if status == 0 {
            let argv = arguments.map { strdup($0) } + [nil]
            let envp = environment.map { strdup($0) } + [nil]
            defer {
                for pointer in argv + envp { free(pointer) }
            }
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        close(out.write)
        close(err.write)
        guard status == 0 else {
            close(out.read)
            close(err.read)
            throw ProcessSpawnError(code: status, step: setup == 0 ? "posix_spawn" : "spawn setup")
        }
        return ChildProcess(pid: pid, stdoutFD: out.read, stderrFD: err.read)
    }

    // MARK: supervision

    /// Drains both pipes into bounded buffers until the command has exited and its output is
    /// closed, enforcing the timeout and `cancellation` with SIGTERM then SIGKILL to the group.
    /// When the command exits, whatever it left running in its process group is killed; output
    /// still held open by something that escaped the group is read for `killGrace` at most.
    /// `started`: just before the spawn, so spawn time counts towards the timeout and duration.
    func supervise(
        started: ContinuousClock.Instant,
        timeout: Duration,
        killGrace: Duration,
        maxOutputBytes: Int,
        cancellation: RunCancellation
    ) -> ProcessOutcome {
        let clock = ContinuousClock()
        let deadline = started.advanced(by: timeout)
        var stdout = BoundedOutput(limit: maxOutputBytes)
        var stderr = BoundedOutput(limit: maxOutputBytes)
        var termination: ProcessOutcome.Termination?
        var exitedAt: ContinuousClock.Instant?
        var stop: (timedOut: Bool, at: ContinuousClock.Instant)?
        var killed = false
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)

        while true {
            self.pump(&stdout, &stderr, chunk: &chunk, waitMilliseconds: 50)
            let now = clock.now
            if termination == nil, self.hasExited() {
                // The exited leader still holds the group id, so this reaches only our group.
                kill(-pid, SIGKILL)
                termination = self.reap()
                exitedAt = now
            }
            if let exitedAt {
                if stdoutFD < 0 && stderrFD < 0 { break }
                if now - exitedAt >= killGrace {
                    self.closePipes()
                    break
                }
                continue
            }
            if stop == nil {
                if cancellation.isCancelled {
                    stop = (false, now)
                } else if now >= deadline {
                    stop = (true, now)
                }
                if stop != nil { kill(-pid, SIGTERM) }
            } else if let stop, !killed, now - stop.at >= killGrace {
                kill(-pid, SIGKILL)
                killed = true
            }
        }
        return ProcessOutcome(
            termination: termination ?? .unknown,
            timedOut: stop?.timedOut == true,
            cancelled: stop.map { !$0.timedOut } ?? false,
            stdout: stdout.bytes,
            stdoutTruncated: stdout.truncated,
            stderr: stderr.bytes,
            stderrTruncated: stderr.truncated,
            duration: clock.now - started
        )
    }

    /// Waits up to `waitMilliseconds` for output and reads what is there; EOF closes a pipe.
    private func pump(
        _ stdout: inout BoundedOutput,
        _ stderr: inout BoundedOutput,
        chunk: inout [UInt8],
        waitMilliseconds: Int32
    ) {
        var fds: [pollfd] = []
        if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
        if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
        if fds.isEmpty {
            _ = poll(nil, 0, waitMilliseconds)
            return
        }
        let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
        guard ready > 0 else { return }
        for entry in fds where entry.revents != 0 {
            let isStdout = entry.fd == stdoutFD
            let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                chunk.withUnsafeBytes { buffer in
                    let data = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                    if isStdout { stdout.append(data) } else { stderr.append(data) }
                }
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                close(entry.fd)
                if isStdout { stdoutFD = -1 } else { stderrFD = -1 }
            }
        }
    }

    /// True once the child has exited, without reaping it (the zombie keeps its pid and group
    /// id reserved until `reap`).
    private func hasExited() -> Bool {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if result == 0 { return info.si_signo == SIGCHLD }
        return errno == ECHILD
    }

    private func reap() -> ProcessOutcome.Termination {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { return ProcessOutcome.termination(waitStatus: status) }
            if result == -1 && errno == EINTR { continue }
            return .unknown
        }
    }

    private func closePipes() {
        if stdoutFD >= 0 {
            close(stdoutFD)
            stdoutFD = -1
        }
        if stderrFD >= 0 {
            close(stderrFD)
            stderrFD = -1
        }
    }
}
#endif
