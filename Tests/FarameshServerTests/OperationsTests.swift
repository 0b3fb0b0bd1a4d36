import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing
import Yams

@testable import FarameshServer

@Suite struct OperationsTests {
    @Test(arguments: TestBackend.all) func healthAndReadyReportStatus(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let health = try await h.send(.get, "/health")
            #expect(try health.object() == ["status": .string("healthy")])
            let ready = try await h.send(.get, "/ready")
            #expect(ready.status == .ok)
            let object = try ready.object()
            #expect(object["status"] == .string("ready"))
            #expect(
                object["checks"]
                    == .object([
                        "database": .bool(true), "migrations": .bool(true),
                        "policy": .bool(true), "shutting_down": .bool(false),
                        "events": .bool(true),
                    ])
            )
            // SIGTERM flips readiness before draining.
            h.readiness.markShuttingDown()
            let draining = try await h.send(.get, "/ready")
            #expect(draining.status == .serviceUnavailable)
            #expect(try draining.object()["code"] == .string("NOT_READY"))
            let stillAlive = try await h.send(.get, "/health")
            #expect(stillAlive.status == .ok)
        }
    }

    @Test func databaseOutageGives503WithinBoundedTimeAndReadyFalse() async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        configuration.requestTimeout = .seconds(2)
        configuration.readinessTimeout = .seconds(1)
        // Port 9 (discard) on loopback: nothing listens, connections are refused.
        var storeConfiguration = try PostgresConfiguration(
            dsn: "postgres://nobody@127.0.0.1:9/none?sslmode=disable",
            poolSize: 2,
            timeouts: PostgresTimeouts(operation: .seconds(30), ping: .seconds(30), migration: .seconds(30))
        )
        storeConfiguration.client.options.connectTimeout = .seconds(30)
        let store = PostgresActionStore(configuration: storeConfiguration, logger: ServerHarness.logger)
        let metrics = ServerMetrics()
        let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: ServerHarness.logger)
        let app = try FarameshApplication.make(
            configuration: configuration,
            store: store,
            policy: policy,
            metrics: metrics,
            logger: ServerHarness.logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await app.test(.router) { client in
                let clock = ContinuousClock()
                var response: TestResponse?
                let listTime = try await clock.measure {
                    response = try await client.executeRequest(
                        uri: "/v1/actions",
                        method: .get,
                        headers: [.authorization: "Bearer \(ServerHarness.adminToken)"],
                        body: nil
                    )
                }
                let list = try #require(response)
                #expect(list.status == .serviceUnavailable)
                // 3 s store deadline plus slack for a loaded CI machine; the driver alone waits ~60 s.
                #expect(listTime < .seconds(10))
                let error = try ErrorResponse(json: try JSONParser.parse(Array(buffer: list.body)))
                #expect(error.code == "SERVICE_UNAVAILABLE")
                #expect(!error.detail.contains("127.0.0.1"), "no internals in error bodies")

                let readyTime = try await clock.measure {
                    response = try await client.executeRequest(uri: "/ready", method: .get, headers: [:], body: nil)
                }
                let ready = try #require(response)
                #expect(ready.status == .serviceUnavailable)
                // 1 s readiness deadline plus slack for a loaded CI machine.
                #expect(readyTime < .seconds(8))
                let checks = try JSONParser.parse(Array(buffer: ready.body))["checks"]
                #expect(checks?["database"] == .bool(false))

                // No database is needed to decide or to be alive.
                let health = try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil)
                #expect(health.status == .ok)
                let decide = try await client.executeRequest(
                    uri: "/v1/gate/decide",
                    method: .post,
                    headers: [.authorization: "Bearer \(ServerHarness.adminToken)", .contentType: "application/json"],
                    body: .init(string: RequestValidationTests.valid)
                )
                #expect(decide.status == .ok)

                // A database token cannot be verified: 503, not 401.
                let dbToken = try await client.executeRequest(
                    uri: "/v1/gate/decide",
                    method: .post,
                    headers: [.authorization: "Bearer \(ServerHarness.agentToken)"],
                    body: .init(string: RequestValidationTests.valid)
                )
                #expect(dbToken.status == .serviceUnavailable)
            }
        }
    }

    @Test(arguments: TestBackend.all) func metricsExposeRequestDecisionApprovalAndReloadSeries(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            _ = try await h.submitted(tool: "http", operation: "get")
            _ = try await h.send(
                .post,
                "/v1/gate/decide",
                token: ServerHarness.adminToken,
                body: RequestValidationTests.valid
            )
            _ = try await h.send(.get, "/v1/actions/deadbeef", token: ServerHarness.agentToken)
            let reply = try await h.send(.get, "/metrics", token: ServerHarness.adminToken)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = reply.text
            #expect(text.contains(#"faramesh_http_requests_total{route="/v1/actions",method="POST",status="200"} 1"#))
            #expect(
                text.contains(#"faramesh_http_requests_total{route="/v1/actions/{id}",method="GET",status="404"} 1"#)
                    || text.contains(
                        #"faramesh_http_requests_total{route="/v1/actions/:id",method="GET",status="404"} 1"#
                    )
            )
            #expect(text.contains(#"faramesh_decisions_total{outcome="EXECUTE",reason_code="POLICY_ALLOW"} 2"#))
            #expect(text.contains("faramesh_decision_duration_seconds_bucket"))
            #expect(text.contains("faramesh_http_request_duration_seconds_bucket"))
            #expect(text.contains("# TYPE faramesh_pending_approvals gauge"))
            #expect(text.contains("# TYPE faramesh_approval_wait_seconds histogram"))
            #expect(text.contains(#"faramesh_policy_reloads_total{result="failure"} 0"#))
            #expect(text.contains(#"faramesh_actions_submitted_total{status="allowed"} 1"#))
            #expect(
                text.contains("faramesh_db_pool_connections_max \(Double(h.store.databaseUsage.connectionLimit))\n")
            )
            #expect(text.contains("# TYPE faramesh_db_operations_in_flight gauge"))
            // Every sample family has help text (promtool lints for it).
            for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
                let name = line.split(separator: " ")[2]
                #expect(text.contains("# HELP \(name) "), "\(name) has no HELP")
            }
            try Self.promtoolCheck(text)
        }
    }

    /// Runs `promtool check metrics` on the exposition when promtool is installed (CI installs it).
    static func promtoolCheck(_ text: String) throws {
        let path = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: path) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "promtool: \(report)")
    }

    @Test(arguments: TestBackend.all) func openAPIDocumentIsServedParseableAndMatchesTheServer(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(.get, "/openapi.yaml")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType]?.hasPrefix("application/yaml") == true)
            let document = try #require(try Yams.load(yaml: reply.text) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])

            // Every route the server has is documented with exactly its methods.
            for route in RouteTable.routes {
                let path = "/" + route.segments.map { $0.hasPrefix(":") ? "{id}" : $0 }.joined(separator: "/")
                let item = try #require(paths[path] as? [String: Any], "\(path) undocumented")
                #expect(
                    Set(item.keys.filter { ["get", "post", "put", "delete", "patch"].contains($0) })
                        == Set(route.methods.map { $0.lowercased() }),
                    "\(path)"
                )
            }
            #expect(paths.count == RouteTable.routes.count)

            let components = try #require(document["components"] as? [String: Any])
            let schemas = try #require(components["schemas"] as? [String: Any])
            // Error codes in the document are exactly the server's.
            let error = try #require(schemas["Error"] as? [String: Any])
            let errorProperties = try #require(error["properties"] as? [String: Any])
            let code = try #require(errorProperties["code"] as? [String: Any])
            #expect(Set(code["enum"] as? [String] ?? []) == Set(ErrorCode.allCases.map(\.rawValue)))

            // The Action schema lists exactly the members the server writes.
            let written = try await h.submitted(tool: "http", operation: "get")
            let members = try JSONParser.parse(written.jsonBytes).objectValue?.keys.sorted() ?? []
            let action = try #require(schemas["Action"] as? [String: Any])
            #expect((action["required"] as? [String])?.sorted() == members)
            #expect((action["properties"] as? [String: Any])?.keys.sorted() == members)
            let status = try #require(schemas["ActionStatus"] as? [String: Any])
            #expect(Set(status["enum"] as? [String] ?? []) == Set(ActionStatus.allCases.map(\.rawValue)))
            let events = try #require(schemas["EventType"] as? [String: Any])
            #expect(Set(events["enum"] as? [String] ?? []) == Set(ActionEventType.allCases.map(\.rawValue)))

            // The Identifier pattern states the same rule as WireText.
            let identifier = try #require(schemas["Identifier"] as? [String: Any])
            let pattern = try #require(identifier["pattern"] as? String)
            // ICU reads \uXXXX escapes and classes like ECMAScript does; its `$` also matches before a
            // final line terminator (ECMAScript's does not), so anchor at the very end with `\z`.
            #expect(pattern.hasSuffix("$"))
            let regex = try NSRegularExpression(pattern: String(pattern.dropLast()) + #"\z"#)
            func matches(_ text: String) -> Bool {
                regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            }
            for sample in ["a", " a ", "agent-1", "\u{00A0}x", "x\u{3000}", "é"] {
                #expect(matches(sample), "\(sample) should match")
                #expect((try? WireText.identifier(sample, field: "f")) != nil)
            }
            for sample in ["", " ", "\u{00A0}", "\u{FEFF}", "a\tb", "a\u{85}", "\u{7F}"] {
                #expect(!matches(sample), "\(sample.debugDescription) should not match")
                #expect((try? WireText.identifier(sample, field: "f")) == nil)
            }
        }
    }
}
