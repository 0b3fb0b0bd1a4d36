import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An MCP server started as a child process: its stdin and stdout are pipes to the proxy, its
/// stderr is the proxy's (passed through). A dedicated thread waits for it, so it is always
/// reaped, and `exitStatus` reports how it ended.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    /// The child's stdin (the proxy writes requests here).
    package let input: LineWriter
    /// The child's stdout, as messages.
    package let output: AsyncStream<LineReader.Event>
    private let status: Mutex<ExitStatus?> = Mutex(nil)
    private let waiters: Mutex<[CheckedContinuation<ExitStatus, Never>]> = Mutex([])

    package enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        package var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signalled(let signal): return "killed by signal \(signal)"
            }
        }
    }

    package struct SpawnError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Starts `arguments[0]` (looked up in `PATH`) with the proxy's environment.
    package init(arguments: [String]) throws(SpawnError) {
        guard let program = arguments.first, !program.isEmpty else {
            throw SpawnError(description: "no MCP server command given (put it after --)")
        }
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw SpawnError(description: "cannot create pipes: \(String(cString: strerror(errno)))")
        }
        // The proxy's ends must not leak into the child (it would never see end of file).
        _ = fcntl(toChild[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromChild[0], F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addclose(&actions, toChild[0])
        posix_spawn_file_actions_addclose(&actions, fromChild[1])

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default SIGPIPE handling even though the proxy ignores it.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

        let cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, program, &actions, &attributes, cArguments, environ)
        SystemCalls.close(toChild[0])
        SystemCalls.close(fromChild[1])
        guard result == 0 else {
            SystemCalls.close(toChild[1])
            SystemCalls.close(fromChild[0])
            throw SpawnError(description: "cannot start '\(program)': \(String(cString: strerror(result)))")
        }
        self.pid = pid
        self.input = LineWriter(fd: toChild[1], name: "mcp-child-stdin")
        self.output = LineReader.lines(fd: fromChild[0], name: "mcp-child-stdout")
        let childPID = pid
        let thread = Thread { [self] in
            var raw: Int32 = 0
            while waitpid(childPID, &raw, 0) < 0 && errno == EINTR {}
            let status: ExitStatus = (raw & 0x7f) == 0 ? .exited((raw >> 8) & 0xff) : .signalled(raw & 0x7f)
            self.finish(status)
        }
        thread.name = "mcp-child-wait"
        thread.start()
    }

    private func finish(_ status: ExitStatus) {
        self.status.withLock { $0 = status }
        let waiting = self.waiters.withLock { waiters in
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(returning: status) }
    }

    /// The exit status once the child has ended (nil while it runs).
    package var exitStatus: ExitStatus? { self.status.withLock { $0 } }

    /// Waits for the child to end.
    package func wait() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            let done: ExitStatus? = self.waiters.withLock { waiters in
                if let status = self.status.withLock({ $0 }) { return status }
                waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Waits at most `timeout`; nil when the child still runs.
    package func wait(timeout: Duration) async -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = self.exitStatus { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.exitStatus
    }

    /// Ends the child: closes its stdin (the MCP way to ask a stdio server to exit), then SIGTERM
    /// after `grace`, then SIGKILL; returns once it is reaped.
    @discardableResult
    package func terminate(grace: Duration = .seconds(2)) async -> ExitStatus {
        await self.input.close()
        if let status = await self.wait(timeout: grace) { return status }
        SystemCalls.kill(self.pid, SIGTERM)
        if let status = await self.wait(timeout: grace) { return status }
        SystemCalls.kill(self.pid, SIGKILL)
        return await self.wait()
    }
}
