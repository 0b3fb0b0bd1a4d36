import Foundation
import Testing

@testable import FarameshServer

#if canImport(Glibc)
import Glibc
#endif

/// The process runner on real Debian binaries. Bounds are generous: CI machines are loaded.
@Suite struct ExecutorRunnerTests {
    let runner = ProcessRunner()

    func request(
        _ argv: [String],
        environment: [String] = ["PATH=/usr/bin:/bin"],
        workingDirectory: String? = nil,
        timeout: Duration = .seconds(60),
        maxOutputBytes: Int = 65_536,
        killGrace: Duration = .seconds(2)
    ) -> ProcessRequest {
        ProcessRequest(
            executable: argv[0],
            arguments: argv,
            environment: environment,
            workingDirectory: workingDirectory,
            timeout: timeout,
            maxOutputBytes: maxOutputBytes,
            killGrace: killGrace
        )
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Dead or a zombie waiting for its new parent to reap it.
    static func isGone(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    static func waitUntilGone(_ pid: pid_t) async throws -> Bool {
        for _ in 0..<200 {
            if isGone(pid) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return isGone(pid)
    }

    @Test func exitZeroCapturesStdout() async throws {
        let outcome = try await runner.run(request(["/bin/echo", "hello", "world"]))
        #expect(outcome.termination == .exited(0))
        #expect(Self.text(outcome.stdout) == "hello world\n")
        #expect(outcome.stderr.isEmpty)
        #expect(!outcome.stdoutTruncated && !outcome.stderrTruncated)
        #expect(!outcome.timedOut && !outcome.cancelled)
    }

    @Test func nonZeroExitAndStderr() async throws {
        let outcome = try await runner.run(request(["/bin/sh", "-c", "echo out; echo oops >&2; exit 3"]))
        #expect(outcome.termination == .exited(3))
        #expect(Self.text(outcome.stdout) == "out\n")
        #expect(Self.text(outcome.stderr) == "oops\n")
    }

    @Test func killedBySignalIsReported() async throws {
        let outcome = try await runner.run(request(["/bin/sh", "-c", "kill -KILL $$"]))
        #expect(outcome.termination == .signaled(SIGKILL))
        #expect(!outcome.timedOut)
    }

    @Test func outputIsBoundedAndTheChildNeverBlocks() async throws {
        // About 210 KB on each stream: far more than a pipe buffer, so an undrained pipe would hang.
        let script = """
            i=0; while [ $i -lt 3000 ]; do
              echo 0123456789012345678901234567890123456789012345678901234567890123456789
              echo 0123456789012345678901234567890123456789012345678901234567890123456789 >&2
              i=$((i+1)); done; exit 0
            """
        let outcome = try await runner.run(request(["/bin/sh", "-c", script], maxOutputBytes: 1000))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stdout.count == 1000)
        #expect(outcome.stderr.count == 1000)
        #expect(outcome.stdoutTruncated && outcome.stderrTruncated)
        #expect(Self.text(outcome.stdout).hasPrefix("0123456789"))
        #expect(!outcome.timedOut)
    }

    @Test func exactlyTheBoundIsNotTruncated() async throws {
        let outcome = try await runner.run(request(["/bin/echo", "abcd"], maxOutputBytes: 5))
        #expect(Self.text(outcome.stdout) == "abcd\n")
        #expect(!outcome.stdoutTruncated)
    }

    @Test func theChildSeesOnlyTheConfiguredEnvironment() async throws {
        setenv("FARAMESH_EXECUTOR_TEST_SECRET", "must-not-leak", 1)
        let outcome = try await runner.run(
            request(["/usr/bin/env"], environment: ["PATH=/usr/bin:/bin", "GREETING=hi there"])
        )
        #expect(outcome.termination == .exited(0))
        let lines = Set(Self.text(outcome.stdout).split(separator: "\n").map(String.init))
        #expect(lines == ["PATH=/usr/bin:/bin", "GREETING=hi there"])
        #expect(!Self.text(outcome.stdout).contains("must-not-leak"))

        let empty = try await runner.run(request(["/usr/bin/env"], environment: []))
        #expect(empty.termination == .exited(0))
        #expect(empty.stdout.isEmpty)
    }

    @Test func stdinIsDevNullAndNoServerDescriptorIsInherited() async throws {
        let outcome = try await runner.run(request(["/bin/sh", "-c", "read line; echo read=$?; ls /proc/self/fd"]))
        #expect(outcome.termination == .exited(0))
        let lines = Self.text(outcome.stdout).split(separator: "\n").map(String.init)
        #expect(lines.first == "read=1")
        // ls itself: 0, 1, 2 and the directory it is listing (3).
        #expect(Set(lines.dropFirst()).isSubset(of: ["0", "1", "2", "3"]), "\(lines)")
    }

    @Test func defaultWorkingDirectoryIsPrivateAndRemoved() async throws {
        let outcome = try await runner.run(request(["/bin/sh", "-c", "pwd; stat -c %a .; echo data > file; ls"]))
        #expect(outcome.termination == .exited(0))
        let lines = Self.text(outcome.stdout).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        let directory = try #require(lines.first)
        #expect(directory.contains("faramesh-exec-"))
        #expect(lines[1] == "700")
        #expect(lines[2] == "file")
        #expect(!FileManager.default.fileExists(atPath: directory))

        let other = try await runner.run(request(["/bin/pwd"]))
        #expect(Self.text(other.stdout) != directory + "\n")
    }

    @Test func configuredWorkingDirectoryIsUsedAndKept() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "faramesh-exec-test-" + UUID().uuidString
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try await runner.run(request(["/bin/pwd"], workingDirectory: directory))
        #expect(Self.text(outcome.stdout) == directory + "\n")
        #expect(FileManager.default.fileExists(atPath: directory))
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let started = ContinuousClock.now
        let outcome = try await runner.run(
            request(
                ["/bin/sh", "-c", "/bin/sleep 300 & echo $!; /bin/sleep 300"],
                timeout: .seconds(1)
            )
        )
        #expect(outcome.timedOut)
        #expect(!outcome.cancelled)
        #expect(outcome.termination == .signaled(SIGTERM))
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(outcome.duration >= .seconds(1))
        let background = try #require(pid_t(Self.text(outcome.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await Self.waitUntilGone(background), "the background sleep \(background) survived the timeout")
    }

    @Test func aChildIgnoringSIGTERMIsKilled() async throws {
        let outcome = try await runner.run(
            request(
                ["/bin/sh", "-c", "trap '' TERM; /bin/sleep 300"],
                timeout: .seconds(1),
                killGrace: .milliseconds(500)
            )
        )
        #expect(outcome.timedOut)
        #expect(outcome.termination == .signaled(SIGKILL))
    }

    @Test func leftoverBackgroundProcessesAreKilledWhenTheCommandExits() async throws {
        let started = ContinuousClock.now
        let outcome = try await runner.run(request(["/bin/sh", "-c", "/bin/sleep 300 & echo $!"]))
        #expect(outcome.termination == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(30))
        let background = try #require(pid_t(Self.text(outcome.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await Self.waitUntilGone(background))
    }

    @Test func cancellationStopsTheRun() async throws {
        let cancellation = RunCancellation()
        let started = ContinuousClock.now
        async let outcome = runner.run(request(["/bin/sleep", "300"]), cancellation: cancellation)
        try await Task.sleep(for: .milliseconds(200))
        cancellation.cancel()
        let result = try await outcome
        #expect(result.cancelled)
        #expect(!result.timedOut)
        #expect(result.termination == .signaled(SIGTERM))
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func taskCancellationStopsTheRun() async throws {
        let task = Task { try await runner.run(request(["/bin/sleep", "300"])) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = try await task.value
        #expect(result.cancelled)
    }

    @Test func missingBinaryIsASpawnError() async throws {
        do {
            _ = try await runner.run(request(["/nonexistent/faramesh-no-such-program"]))
            Issue.record("spawned a missing program")
        } catch {
            #expect(error.code == ENOENT)
            #expect(error.description.contains("No such file or directory"))
        }
    }

    @Test func missingWorkingDirectoryIsASpawnError() async throws {
        await #expect(throws: ProcessSpawnError.self) {
            try await runner.run(request(["/bin/pwd"], workingDirectory: "/nonexistent/faramesh-dir"))
        }
    }

    @Test func waitStatusDecoding() {
        #expect(ProcessOutcome.termination(waitStatus: 0) == .exited(0))
        #expect(ProcessOutcome.termination(waitStatus: 3 << 8) == .exited(3))
        #expect(ProcessOutcome.termination(waitStatus: 9) == .signaled(9))
        #expect(ProcessOutcome.termination(waitStatus: 15 | 0x80) == .signaled(15))
    }
}
