import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FarameshServer

/// `GET /v1/events` over a real socket (HummingbirdTesting `.live`; the route cancels on inbound
/// close, which the in-process router framework cannot express): headers, auth, validation,
/// resume with `Last-Event-ID`, a clean end on shutdown, readiness while the hub is down.
@Suite("EventStreamRoute")
struct EventStreamRouteTests {
    static func run(
        _ backend: TestBackend,
        _ body: @Sendable (any TestClientProtocol, EventHubTests.Fixture) async throws -> Void
    ) async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try ServerHarness.configuration(directory: directory)
        try await backend.withStore(logger: ServerHarness.logger) { store in
            try await store.createToken(
                APIToken(
                    id: UUID(),
                    name: "agent-1",
                    role: .agent,
                    tokenHash: SHA256Hex.hash(ServerHarness.agentToken),
                    createdAt: Date()
                )
            )
            let metrics = ServerMetrics()
            let readiness = Readiness()
            let hub = EventHub(
                feed: store,
                configuration: EventHubConfiguration(heartbeat: .milliseconds(200)),
                metrics: metrics,
                readiness: readiness,
                logger: ServerHarness.logger
            )
            let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: ServerHarness.logger)
            let app = try FarameshApplication.make(
                configuration: configuration,
                store: store,
                policy: policy,
                metrics: metrics,
                readiness: readiness,
                eventHub: hub,
                logger: ServerHarness.logger
            )
            try await app.test(.live) { client in
                // Before the hub runs, /ready says so.
                let early = try await client.executeRequest(uri: "/ready", method: .get, headers: [:], body: nil)
                #expect(early.status == .serviceUnavailable)
                #expect(String(buffer: early.body).contains(#""events":false"#))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await hub.run() }
                    defer { group.cancelAll() }
                    try await EventHubTests.eventually { hub.isStarted && readiness.eventFeedReady }
                    try await body(
                        client,
                        EventHubTests.Fixture(
                            store: store,
                            hub: hub,
                            policy: policy,
                            readiness: readiness,
                            metrics: metrics
                        )
                    )
                }
            }
        }
    }

    static func get(
        _ client: any TestClientProtocol,
        _ uri: String,
        token: String? = ServerHarness.adminToken,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    }

    @Test(arguments: TestBackend.all)
    func rejectsMissingTokensAndBadParameters(_ backend: TestBackend) async throws {
        try await Self.run(backend) { client, _ in
            #expect(try await Self.get(client, "/v1/events", token: nil).status == .unauthorized)
            for uri in [
                "/v1/events?status=nope", "/v1/events?colour=red", "/v1/events?agent_id=a&agent_id=b",
                "/v1/events?last_event_id=x",
            ] {
                let reply = try await Self.get(client, uri)
                #expect(reply.status == .unprocessableContent, "\(uri)")
                #expect(String(buffer: reply.body).contains("VALIDATION_ERROR"))
            }
            let badHeader = try await Self.get(client, "/v1/events", headers: [.lastEventID: "-1"])
            #expect(badHeader.status == .unprocessableContent)
            let ready = try await client.executeRequest(uri: "/ready", method: .get, headers: [:], body: nil)
            #expect(ready.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all)
    func resumesAfterLastEventIDAndEndsCleanlyOnShutdown(_ backend: TestBackend) async throws {
        try await Self.run(backend) { client, f in
            try await f.submit()  // 1, 2
            try await f.submit(agent: "agent-2")  // 3, 4
            try await f.settled(4)
            let stream = Task {
                try await Self.get(
                    client,
                    "/v1/events?agent_id=agent-1,agent-2",
                    token: ServerHarness.agentToken,
                    headers: [.lastEventID: "1"]
                )
            }
            try await EventHubTests.eventually("stream open") { f.hub.clientCount == 1 }
            try await f.submit(tool: "shell", operation: "run")  // 5, 6 (held for approval)
            try await f.settled(6)
            try await Task.sleep(for: .milliseconds(300))  // heartbeats go out meanwhile
            f.hub.stop()  // what shutdown does: streams end cleanly
            let reply = try await stream.value
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(reply.headers[.cacheControl] == "no-cache")
            #expect(reply.headers[.accelBuffering] == "no")
            let text = String(buffer: reply.body)
            #expect(text.hasPrefix("retry: 1000\n\n"))
            #expect(text.contains(": ping\n\n"))
            let frames = try EventHubTests.parse(text)
            // The agent-1 token asked for agent-2 too, but only ever sees its own agent's events.
            #expect(frames.map(\.id) == [2, 5, 6])
            #expect(frames.map(\.message.type) == ["action.decision_made", "action.created", "action.decision_made"])
            #expect(frames.allSatisfy { $0.message.data.agentID == "agent-1" })
            #expect(frames.last?.message.data.status == .pendingApproval)
            // The agent token streams, but approval tokens never travel in frames.
            #expect(!text.contains("approval_token"))
            #expect(f.hub.clientCount == 0)
        }
    }
}
