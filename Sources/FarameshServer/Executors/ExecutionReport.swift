import FarameshCore
import FarameshStore
import Foundation

/// Turns the end of a run into the transition recorded for the action (actor "executor").
/// Pure, so every mapping is unit-testable.
struct ExecutionReport: Sendable {
    static let actor = "executor"
    static let shutdownReason = "Server shut down during execution"
    static let lostReason = "Executor lost: the server running this action stopped before the command finished"

    var result: ExecutionResult
    var transition: ActionTransition
    var reason: String
    var meta: [String: JSONValue]

    func request(now: Date) -> TransitionRequest {
        TransitionRequest(transition: transition, actor: Self.actor, reason: reason, meta: .object(meta), now: now)
    }

    static func finished(_ outcome: ProcessOutcome, spec: ExecutorSpec) -> ExecutionReport {
        var meta: [String: JSONValue] = [
            "executor": .string(spec.name),
            "stdout": .string(String(decoding: outcome.stdout, as: UTF8.self)),
            "stderr": .string(String(decoding: outcome.stderr, as: UTF8.self)),
            "stdout_truncated": .bool(outcome.stdoutTruncated),
            "stderr_truncated": .bool(outcome.stderrTruncated),
            "duration_ms": .int(Self.milliseconds(outcome.duration)),
        ]
        switch outcome.termination {
        case .exited(let code):
            meta["exit_code"] = .int(Int64(code))
        case .signaled(let signal):
            meta["exit_code"] = .null
            meta["signal"] = .int(Int64(signal))
        case .unknown:
            meta["exit_code"] = .null
        }
        if outcome.timedOut {
            meta["error"] = .string("timeout")
            return ExecutionReport(
                result: .timeout,
                transition: .timeOut,
                reason: "Timed out after \(PolicyDuration.format(spec.timeout))",
                meta: meta
            )
        }
        if outcome.cancelled {
            meta["error"] = .string("shutdown")
            return ExecutionReport(result: .shutdown, transition: .fail, reason: shutdownReason, meta: meta)
        }
        switch outcome.termination {
        case .exited(0):
            return ExecutionReport(result: .succeeded, transition: .succeed, reason: "Execution completed", meta: meta)
        case .exited(let code):
            return ExecutionReport(result: .failed, transition: .fail, reason: "Exited with status \(code)", meta: meta)
        case .signaled(let signal):
            return ExecutionReport(result: .failed, transition: .fail, reason: "Killed by signal \(signal)", meta: meta)
        case .unknown:
            return ExecutionReport(
                result: .failed,
                transition: .fail,
                reason: "Ended with an unknown status",
                meta: meta
            )
        }
    }

    static func startFailed(_ error: ProcessSpawnError, spec: ExecutorSpec) -> ExecutionReport {
        ExecutionReport(
            result: .startFailed,
            transition: .fail,
            reason: "Could not start the command (\(error))",
            meta: ["executor": .string(spec.name), "error": .string("start_failed")]
        )
    }

    static func invalidParams(_ error: ArgvTemplate.RenderError, spec: ExecutorSpec) -> ExecutionReport {
        ExecutionReport(
            result: .invalidParams,
            transition: .fail,
            reason: "Not run: \(error)",
            meta: ["executor": .string(spec.name), "error": .string("invalid_params")]
        )
    }

    static func notRunShutdown(spec: ExecutorSpec) -> ExecutionReport {
        ExecutionReport(
            result: .shutdown,
            transition: .fail,
            reason: shutdownReason,
            meta: ["executor": .string(spec.name), "error": .string("shutdown")]
        )
    }

    static func lost(spec: ExecutorSpec) -> ExecutionReport {
        ExecutionReport(
            result: .lost,
            transition: .timeOut,
            reason: lostReason,
            meta: ["executor": .string(spec.name), "error": .string("executor_lost")]
        )
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
