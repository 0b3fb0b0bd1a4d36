import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs commands without blocking the caller's executor: each run gets a dedicated thread for
/// the blocking spawn / poll / read / waitpid work, bridged back with a continuation.
package struct ProcessRunner: Sendable {
    package init() {}

    /// Runs the command to completion, timeout or cancellation (of the task or `cancellation`).
    /// - Throws: `ProcessSpawnError` when the command could not be started.
    package func run(
        _ request: ProcessRequest,
        cancellation: RunCancellation = RunCancellation()
    ) async throws(ProcessSpawnError) -> ProcessOutcome {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<ProcessOutcome, ProcessSpawnError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: Self.runBlocking(request, cancellation: cancellation))
                }
                thread.name = "faramesh-executor"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    static func runBlocking(
        _ request: ProcessRequest,
        cancellation: RunCancellation
    ) -> Result<ProcessOutcome, ProcessSpawnError> {
        #if canImport(Glibc)
        var temporaryDirectory: String?
        defer {
            if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
        }
        let directory: String
        if let configured = request.workingDirectory {
            directory = configured
        } else {
            guard let created = Self.makePrivateDirectory() else {
                return .failure(ProcessSpawnError(code: errno, step: "temporary working directory"))
            }
            temporaryDirectory = created
            directory = created
        }
        do throws(ProcessSpawnError) {
            let started = ContinuousClock.now
            let child = try ChildProcess.spawn(
                executable: request.executable,
                arguments: request.arguments,
                environment: request.environment,
                workingDirectory: directory
            )
            return .success(
                child.supervise(
                    started: started,
                    timeout: request.timeout,
                    killGrace: request.killGrace,
                    maxOutputBytes: request.maxOutputBytes,
                    cancellation: cancellation
                )
            )
        } catch {
            return .failure(error)
        }
        #else
        return .failure(ProcessSpawnError(code: ENOSYS, step: "server-side executors need Linux"))
        #endif
    }

    #if canImport(Glibc)
    /// `mkdtemp` under the temporary directory: mode 0700, a new name every run.
    static func makePrivateDirectory() -> String? {
        let base = FileManager.default.temporaryDirectory.path
        var template =
            Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
            + Array("faramesh-exec-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base).map { String(cString: $0) }
        }
    }
    #endif
}
