import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import Testing

@testable import FarameshServer

/// `/start` with server-side executors against PostgreSQL: runs, results, timeouts, the `/result`
/// guard, shutdown, lost runs, and unchanged behaviour without executors.
@Suite struct ExecutorEndToEndTests {
    static let policy = """
        version: exec-1
        rules:
          - name: jobs
            match: {tool: job, op: "*"}
            allow: true
            description: Jobs are allowed
            risk: low
          - name: http-get
            match: {tool: http, op: get}
            allow: true
            description: Allow HTTP GET requests
            risk: low
          - name: deny-rest
            match: {tool: "*", op: "*"}
            deny: true
            description: Default deny rule
            risk: high
        """

    static let executors = """
        executors:
          - tool: job
            operation: echo
            command: ["/bin/echo", "hello", "{params.name}"]
          - tool: job
            operation: fail
            command: ["/bin/sh", "-c", "echo partial; echo broken >&2; exit 3"]
          - tool: job
            operation: slow
            name: slow-job
            command: ["/bin/sleep", "300"]
            timeout: 1s
          - tool: job
            operation: long
            command: ["/bin/sleep", "300"]
            timeout: 1h
          - tool: job
            operation: env
            command: ["/usr/bin/env"]
            environment: {ONLY: this}
        """

    static func catalog() throws -> ExecutorCatalog {
        try ExecutorCatalog.compile(yaml: executors, source: "executors.yaml")
    }

    static func run(_ body: @Sendable (ServerHarness) async throws -> Void) async throws {
        try await ServerHarness.run(
            .postgres,
            policyYAML: policy,
            executors: try catalog(),
            configure: { c in
                c.executors.killGrace = .milliseconds(500)
                c.executors.lostGrace = .seconds(5)
            },
            body
        )
    }

    static func start(_ h: ServerHarness, _ id: String) async throws -> ActionResponse {
        let reply = try await h.send(.post, "/v1/actions/\(id)/start", token: ServerHarness.agentToken)
        guard reply.status == .ok else { throw HarnessError("start failed: \(reply.status) \(reply.text)") }
        return try reply.action()
    }

    /// Polls until the action reaches a terminal status (generous bound for loaded machines).
    static func finished(
        _ h: ServerHarness,
        _ id: String,
        within limit: Duration = .seconds(90)
    ) async throws -> ActionResponse {
        let deadline = ContinuousClock.now + limit
        while true {
            let reply = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.agentToken)
            let action = try reply.action()
            if action.status.isTerminal { return action }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("still \(action.status.rawValue) after \(limit)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func executorRunSucceedsWithStdoutInTheEventMeta() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(
                tool: "job",
                operation: "echo",
                params: #"{"name":"world; rm -rf /"}"#
            )
            #expect(submitted.status == .allowed)
            let started = try await Self.start(h, submitted.id)
            #expect(started.status == .executing)

            let done = try await Self.finished(h, submitted.id)
            #expect(done.status == .succeeded)
            #expect(done.reason == "Execution completed")

            let events = try await h.events(submitted.id)
            #expect(events.map(\.eventType) == [.created, .decisionMade, .started, .succeeded])
            let start = events[2]
            #expect(start.actor == "agent-1")
            #expect(start.meta["executor"] == .string("job/echo"))
            #expect(start.meta["timeout_ms"] == .int(60_000))
            let end = events[3]
            #expect(end.actor == "executor")
            #expect(end.meta["stdout"] == .string("hello world; rm -rf /\n"))
            #expect(end.meta["stderr"] == .string(""))
            #expect(end.meta["exit_code"] == .int(0))
            #expect(end.meta["signal"] == nil)
            #expect(end.meta["stdout_truncated"] == .bool(false))
            #expect(end.meta["stderr_truncated"] == .bool(false))
            if case .int(let ms)? = end.meta["duration_ms"] { #expect(ms >= 0) } else { Issue.record("no duration_ms") }

            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"faramesh_executions_total{result="succeeded"} 1"#))
            #expect(metrics.contains(#"faramesh_executions_total{result="lost"} 0"#))
            #expect(metrics.contains("# TYPE faramesh_executions_total counter"))
            #expect(metrics.contains("# TYPE faramesh_executions_running gauge"))
            #expect(metrics.contains("# TYPE faramesh_execution_duration_seconds histogram"))
            try OperationsTests.promtoolCheck(metrics)
        }
    }

    @Test func nonZeroExitFailsWithStatusAndOutput() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "fail")
            _ = try await Self.start(h, submitted.id)
            let done = try await Self.finished(h, submitted.id)
            #expect(done.status == .failed)
            #expect(done.reason == "Exited with status 3")
            let end = try #require(try await h.events(submitted.id).last)
            #expect(end.eventType == .failed)
            #expect(end.actor == "executor")
            #expect(end.meta["exit_code"] == .int(3))
            #expect(end.meta["stdout"] == .string("partial\n"))
            #expect(end.meta["stderr"] == .string("broken\n"))
        }
    }

    @Test func theCommandGetsOnlyItsConfiguredEnvironment() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "env")
            _ = try await Self.start(h, submitted.id)
            #expect(try await Self.finished(h, submitted.id).status == .succeeded)
            let end = try #require(try await h.events(submitted.id).last)
            #expect(end.meta["stdout"] == .string("ONLY=this\n"))
        }
    }

    @Test func timeoutRecordsTimeout() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "slow")
            let started = try await Self.start(h, submitted.id)
            #expect(started.status == .executing)
            let done = try await Self.finished(h, submitted.id)
            #expect(done.status == .timeout)
            #expect(done.reason == "Timed out after 1s")
            let events = try await h.events(submitted.id)
            #expect(events[2].meta["executor"] == .string("slow-job"))
            #expect(events[2].meta["timeout_ms"] == .int(1_000))
            let end = try #require(events.last)
            #expect(end.eventType == .timeout)
            #expect(end.actor == "executor")
            #expect(end.meta["error"] == .string("timeout"))
            #expect(end.meta["signal"] == .int(15))
            #expect(end.meta["exit_code"] == .null)
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"faramesh_executions_total{result="timeout"} 1"#))
        }
    }

    @Test func missingParamFailsWithoutRunning() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "echo", params: #"{"name":{"nested":true}}"#)
            _ = try await Self.start(h, submitted.id)
            let done = try await Self.finished(h, submitted.id)
            #expect(done.status == .failed)
            #expect(done.reason == "Not run: params.name is an object; only strings, numbers and booleans can be used")
            let end = try #require(try await h.events(submitted.id).last)
            #expect(end.meta["error"] == .string("invalid_params"))
            #expect(end.meta["stdout"] == nil)

            let missing = try await h.submitted(tool: "job", operation: "echo")
            _ = try await Self.start(h, missing.id)
            #expect(try await Self.finished(h, missing.id).reason == "Not run: params.name is missing")
        }
    }

    @Test func resultIsRejectedWhileTheExecutorRunsAndShutdownFailsTheRun() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "long")
            _ = try await Self.start(h, submitted.id)
            let executors = try #require(h.executors)
            #expect(executors.runningCount == 1)

            let reply = try await h.send(
                .post,
                "/v1/actions/\(submitted.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(reply.status == .conflict)
            let error = try reply.error()
            #expect(error.code == "ILLEGAL_TRANSITION")
            #expect(error.currentStatus == .executing)
            #expect(error.detail.contains("server-side executor 'job/long'"))
            // A second start is the usual 409.
            let again = try await h.send(.post, "/v1/actions/\(submitted.id)/start", token: ServerHarness.agentToken)
            #expect(again.status == .conflict)

            await executors.stopAll()
            let done = try await Self.finished(h, submitted.id, within: .seconds(5))
            #expect(done.status == .failed)
            #expect(done.reason == "Server shut down during execution")
            let end = try #require(try await h.events(submitted.id).last)
            #expect(end.actor == "executor")
            #expect(end.meta["error"] == .string("shutdown"))
            #expect(executors.runningCount == 0)
        }
    }

    @Test func gracefulShutdownOfTheServiceStopsRuns() async throws {
        try await Self.run { h in
            let executors = try #require(h.executors)
            let submitted = try await h.submitted(tool: "job", operation: "long")
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: executors)], logger: ServerHarness.logger)
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = try await Self.start(h, submitted.id)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            // The service returned only after the run was recorded.
            let action = try #require(try await h.store.action(id: UUID(uuidString: submitted.id)!))
            #expect(action.status == .failed)
            #expect(action.reason == "Server shut down during execution")
        }
    }

    @Test func agentReportedResultBeforeStartIsStillAccepted() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "job", operation: "echo", params: #"{"name":"x"}"#)
            let reply = try await h.send(
                .post,
                "/v1/actions/\(submitted.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(reply.status == .ok)
            #expect(try reply.action().status == .succeeded)
        }
    }

    @Test func toolsWithoutAnExecutorBehaveAsBefore() async throws {
        try await Self.run { h in
            let submitted = try await h.submitted(tool: "http", operation: "get")
            let started = try await Self.start(h, submitted.id)
            #expect(started.status == .executing)
            try await Task.sleep(for: .milliseconds(300))
            let events = try await h.events(submitted.id)
            #expect(events.last?.eventType == .started)
            #expect(events.last?.meta == .object([:]))
            let reply = try await h.send(
                .post,
                "/v1/actions/\(submitted.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(reply.status == .ok)
            #expect(try reply.action().status == .succeeded)
            #expect(h.executors?.runningCount == 0)
        }
    }

    @Test(arguments: TestBackend.all) func noExecutorsConfiguredKeepsTodaysBehaviour(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend, policyYAML: Self.policy) { h in
            #expect(h.executors == nil)
            let submitted = try await h.submitted(tool: "job", operation: "echo", params: #"{"name":"x"}"#)
            let started = try await Self.start(h, submitted.id)
            #expect(started.status == .executing)
            try await Task.sleep(for: .milliseconds(300))
            let events = try await h.events(submitted.id)
            #expect(events.map(\.eventType) == [.created, .decisionMade, .started])
            #expect(events.last?.meta == .object([:]))
            let reply = try await h.send(
                .post,
                "/v1/actions/\(submitted.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":false,"error":"agent failed"}"#
            )
            #expect(reply.status == .ok)
            #expect(try reply.action().status == .failed)
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"faramesh_executions_total{result="succeeded"} 0"#))
        }
    }

    @Test func sweeperTimesOutRunsLostWithTheirReplica() async throws {
        try await Self.run { h in
            let executors = try #require(h.executors)
            // Started by a replica that then died: executing, nothing running here.
            let submitted = try await h.submitted(tool: "job", operation: "slow")
            let id = try #require(UUID(uuidString: submitted.id))
            _ = try await h.store.transition(
                id,
                TransitionRequest(
                    transition: .start,
                    actor: "agent-1",
                    reason: nil,
                    meta: .object(["executor": .string("slow-job"), "timeout_ms": .int(1_000)]),
                    now: WireTimestamp.now()
                )
            )
            // An agent-run action of a tool without an executor is never swept.
            let other = try await h.submitted(tool: "http", operation: "get")
            _ = try await Self.start(h, other.id)

            // Not yet overdue (timeout 1s + grace 5s).
            #expect(await executors.sweepOnce(now: Date()) == 0)
            #expect(await executors.sweepOnce(now: Date().addingTimeInterval(30)) == 1)
            let action = try #require(try await h.store.action(id: id))
            #expect(action.status == .timeout)
            #expect(action.reason == ExecutionReport.lostReason)
            let end = try #require(try await h.events(submitted.id).last)
            #expect(end.actor == "executor")
            #expect(end.meta["error"] == .string("executor_lost"))
            let untouched = try #require(try await h.store.action(id: UUID(uuidString: other.id)!))
            #expect(untouched.status == .executing)
            // Idempotent.
            #expect(await executors.sweepOnce(now: Date().addingTimeInterval(30)) == 0)
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"faramesh_executions_total{result="lost"} 1"#))
        }
    }

    @Test func aRunOnThisReplicaIsNotSweptAsLost() async throws {
        try await Self.run { h in
            let executors = try #require(h.executors)
            let submitted = try await h.submitted(tool: "job", operation: "long")
            _ = try await Self.start(h, submitted.id)
            #expect(await executors.sweepOnce(now: Date().addingTimeInterval(7_200)) == 0)
            let action = try #require(try await h.store.action(id: UUID(uuidString: submitted.id)!))
            #expect(action.status == .executing)
        }
    }

    @Test func startupLoaderReportsFileEntryAndProblem() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("executors.yaml").path

        func loadError(_ yaml: String) throws -> String {
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            do {
                _ = try ExecutorLoader.load(file: file)
                return "(loaded)"
            } catch {
                return error.message
            }
        }
        #expect(
            try loadError(
                "executors:\n  - {tool: a, command: [/bin/echo]}\n  - {tool: b, command: [/bin/echo], timeout: soon}"
            )
            .contains("\(file):3")
        )
        #expect(
            try loadError("executors:\n  - {tool: a, command: [/bin/echo], timeout: soon}").contains(
                "executors[0].timeout"
            )
        )
        #expect(
            try loadError("executors:\n  - {tool: a, command: [/nonexistent/prog]}")
                .contains("executors[0].command[0]: /nonexistent/prog is not an executable file")
        )
        #expect(
            try loadError("executors:\n  - {tool: a, command: [/bin/echo], working_directory: /nonexistent/dir}")
                .contains("executors[0].working_directory")
        )
        #expect(try loadError("executors:\n  - {tool: a, command: [/bin/echo]}") == "(loaded)")
        #expect(throws: ServerStartupError.self) {
            try ExecutorLoader.load(file: directory.appendingPathComponent("missing.yaml").path)
        }
    }
}
