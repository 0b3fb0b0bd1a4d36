import FarameshCore
import FarameshStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Runs executor-run actions on this replica after `/start`, records how they ended (actor
/// "executor"), stops them on graceful shutdown, and sweeps up executor-run actions that a dead
/// replica left executing.
///
/// Runs are unstructured tasks tracked here, so a request that started one can answer at once.
/// Results are recorded from those tasks, never from a cancelled one, so a shutdown still writes them.
package final class ExecutorService: Service, Sendable {
    package let catalog: ExecutorCatalog
    let store: any ActionStore
    let metrics: ServerMetrics
    let configuration: ExecutorsConfiguration
    let callTimeout: Duration
    /// Stamps recorded results and decides when a run is lost.
    let clock: any WallClock
    let logger: Logger
    let runner = ProcessRunner()

    static let sweepPageSize = 100
    static let recordAttempts = 8

    private struct Run: Sendable {
        var task: Task<Void, Never>
        var cancellation: RunCancellation
    }

    private struct State: Sendable {
        var runs: [UUID: Run] = [:]
        var accepting = true
    }

    private let state = Mutex(State())

    package init(
        catalog: ExecutorCatalog,
        store: any ActionStore,
        metrics: ServerMetrics,
        configuration: ExecutorsConfiguration,
        callTimeout: Duration,
        clock: any WallClock = SystemClock(),
        logger: Logger
    ) {
        self.catalog = catalog
        self.clock = clock
        self.store = store
        self.metrics = metrics
        self.configuration = configuration
        self.callTimeout = callTimeout
        self.logger = logger
    }

    /// The executor for this action's tool and operation, if the server runs it.
    package func executor(for action: Action) -> ExecutorSpec? {
        catalog.executor(tool: action.request.tool, operation: action.request.operation)
    }

    /// Number of runs in progress on this replica.
    var runningCount: Int { state.withLock { $0.runs.count } }

    func isRunning(_ id: UUID) -> Bool { state.withLock { $0.runs[id] != nil } }

    // MARK: runs

    /// Starts the run of an action that has just moved to `executing`; returns at once.
    func launch(_ action: Action, spec: ExecutorSpec) {
        let cancellation = RunCancellation()
        let accepted = state.withLock { state -> Bool in
            guard state.accepting, state.runs[action.id] == nil else { return false }
            let task = Task {
                await self.execute(action, spec: spec, cancellation: cancellation)
                _ = self.state.withLock { $0.runs.removeValue(forKey: action.id) }
            }
            state.runs[action.id] = Run(task: task, cancellation: cancellation)
            return true
        }
        if !accepted {
            // Shutting down: the action must not stay executing.
            Task { await self.record(ExecutionReport.notRunShutdown(spec: spec), actionID: action.id) }
        }
    }

    func execute(_ action: Action, spec: ExecutorSpec, cancellation: RunCancellation) async {
        let argv: [String]
        do throws(ArgvTemplate.RenderError) {
            argv = try spec.argv(params: action.request.params)
        } catch {
            await self.record(ExecutionReport.invalidParams(error, spec: spec), actionID: action.id)
            return
        }
        let request = ProcessRequest(
            executable: spec.executable,
            arguments: argv,
            environment: spec.environmentStrings,
            workingDirectory: spec.workingDirectory,
            timeout: spec.timeout,
            maxOutputBytes: spec.maxOutputBytes,
            killGrace: configuration.killGrace
        )
        self.metrics.executionsRunning.increment()
        let report: ExecutionReport
        do throws(ProcessSpawnError) {
            let outcome = try await self.runner.run(request, cancellation: cancellation)
            self.metrics.recordExecutionDuration(outcome.duration)
            report = ExecutionReport.finished(outcome, spec: spec)
        } catch {
            report = ExecutionReport.startFailed(error, spec: spec)
        }
        self.metrics.executionsRunning.decrement()
        await self.record(report, actionID: action.id)
    }

    /// Records the end of a run, retrying while the database is unavailable. Another writer
    /// having ended the action first (the lost-run sweeper) is logged, not retried.
    func record(_ report: ExecutionReport, actionID: UUID) async {
        self.metrics.recordExecution(result: report.result)
        let store = self.store
        for attempt in 1...Self.recordAttempts {
            let change = report.request(now: self.clock.now())
            do {
                _ = try await Deadline.run(self.callTimeout) { try await store.transition(actionID, change) }
                self.logger.info(
                    "Execution recorded",
                    metadata: [
                        "action_id": "\(actionID.uuidString.lowercased())", "result": "\(report.result.rawValue)",
                        "reason": "\(report.reason)",
                    ]
                )
                return
            } catch StoreError.illegalTransition(let current) {
                self.logger.notice(
                    "Execution result not recorded: the action was already ended",
                    metadata: [
                        "action_id": "\(actionID.uuidString.lowercased())", "status": "\(current.status.rawValue)",
                        "result": "\(report.result.rawValue)",
                    ]
                )
                return
            } catch StoreError.notFound {
                return
            } catch {
                self.logger.warning(
                    "Recording an execution result failed; retrying",
                    metadata: [
                        "action_id": "\(actionID.uuidString.lowercased())", "attempt": "\(attempt)",
                        "error.type": "\(type(of: error))",
                    ]
                )
                try? await ContinuousClock().sleep(for: .milliseconds(min(500 * attempt, 5_000)))
            }
        }
        self.logger.error(
            "Execution result could not be recorded; the lost-run sweeper will time the action out",
            metadata: ["action_id": "\(actionID.uuidString.lowercased())", "result": "\(report.result.rawValue)"]
        )
    }

    /// Stops every run (SIGTERM, then SIGKILL to its process group) and waits until each has
    /// recorded its action as failed. Later launches are refused and recorded the same way.
    func stopAll() async {
        let runs = state.withLock { state -> [Run] in
            state.accepting = false
            return Array(state.runs.values)
        }
        if !runs.isEmpty {
            self.logger.notice("Stopping running executions for shutdown", metadata: ["count": "\(runs.count)"])
        }
        for run in runs { run.cancellation.cancel() }
        for run in runs { await run.task.value }
    }

    // MARK: service

    /// Sweeps for lost runs until graceful shutdown, then stops the runs of this replica.
    package func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // First pass after one interval: at start-up the migrations may still be running.
            while !Task.isCancelled {
                try await Task.sleep(for: self.configuration.sweepInterval)
                await self.sweepOnce()
            }
        }
        await self.stopAll()
    }

    /// Times out executor-run actions still executing well past their timeout (their replica
    /// died), except those running here. Returns how many were recorded.
    @discardableResult
    func sweepOnce() async -> Int {
        await self.sweepOnce(now: self.clock.now())
    }

    func sweepOnce(now: Date) async -> Int {
        let store = self.store
        var swept = 0
        do {
            for tool in catalog.tools {
                var cursor: ActionCursor?
                repeat {
                    let query = ActionQuery(tool: tool, status: .executing, limit: Self.sweepPageSize, cursor: cursor)
                    let page = try await Deadline.run(self.callTimeout) { try await store.list(query) }
                    for action in page.actions {
                        guard let spec = self.executor(for: action), !self.isRunning(action.id) else { continue }
                        let limit =
                            Double(ExecutionReport.milliseconds(spec.timeout + self.configuration.lostGrace)) / 1000
                        guard now.timeIntervalSince(action.updatedAt) > limit else { continue }
                        if await self.recordLost(action, spec: spec, now: now) { swept += 1 }
                    }
                    cursor = page.nextCursor
                } while cursor != nil
            }
        } catch is CancellationError {
            return swept
        } catch {
            self.logger.warning(
                "Lost-execution sweep failed; will retry",
                metadata: ["error.type": "\(type(of: error))"]
            )
        }
        return swept
    }

    private func recordLost(_ action: Action, spec: ExecutorSpec, now: Date) async -> Bool {
        let store = self.store
        let report = ExecutionReport.lost(spec: spec)
        let change = report.request(now: now)
        do {
            _ = try await Deadline.run(self.callTimeout) { try await store.transition(action.id, change) }
        } catch StoreError.illegalTransition, StoreError.notFound {
            return false
        } catch {
            self.logger.warning(
                "Recording a lost execution failed; will retry",
                metadata: [
                    "action_id": "\(action.id.uuidString.lowercased())", "error.type": "\(type(of: error))",
                ]
            )
            return false
        }
        self.metrics.recordExecution(result: .lost)
        self.logger.warning(
            "Executor-run action was left executing by a stopped replica; recorded as timed out",
            metadata: ["action_id": "\(action.id.uuidString.lowercased())", "executor": "\(spec.name)"]
        )
        return true
    }
}
