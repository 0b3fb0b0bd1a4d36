import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshStorePostgres
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import FarameshServer

/// Connection deadlines, the connection cap and HTTP-level errors over real sockets (issue 10,
/// findings 2 and 9): idle, slow-head and slow-body sockets are closed by the server, shed at
/// the cap while `/health` keeps answering, event streams outlive every deadline, and malformed
/// HTTP gets a JSON 400.
@Suite("Connection guard", .serialized)
struct ConnectionGuardTests {
    static let health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    /// A live server (no database needed by these routes) with short deadlines.
    static func live(
        maxConnections: Int = 512,
        header: Duration = .milliseconds(700),
        idle: Duration = .milliseconds(700),
        body: Duration = .milliseconds(700),
        _ run: @Sendable (_ port: Int, _ metrics: ServerMetrics) async throws -> Void
    ) async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        configuration.connections = ConnectionLimits(
            idleTimeout: idle,
            headerTimeout: header,
            bodyTimeout: body,
            maxConnections: maxConnections
        )
        let metrics = ServerMetrics()
        let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: ServerHarness.logger)
        let app = try FarameshApplication.make(
            configuration: configuration,
            store: try TransportTests.idleStore(),
            policy: policy,
            metrics: metrics,
            logger: ServerHarness.logger
        )
        try await app.test(.live) { client in
            try await run(try #require(client.port), metrics)
        }
    }

    static func decideHead(contentLength: Int) -> String {
        "POST /v1/gate/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ServerHarness.adminToken)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n"
    }

    static func metric(_ metrics: ServerMetrics, _ reason: String) -> Int {
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        for line in text.split(separator: "\n")
        where line.hasPrefix("faramesh_http_connections_closed_total{reason=\"\(reason)\"}") {
            return Int(line.split(separator: " ").last.flatMap { Double($0) } ?? 0)
        }
        return 0
    }

    @Test("a connection that sends nothing is closed after the header timeout, without an answer")
    func silentConnectionIsClosed() async throws {
        try await Self.live { port, metrics in
            let silent = try await RawConnection.open(port: port)
            let received = try await silent.waitForClose(within: .seconds(15))
            #expect(received.isEmpty)
            #expect(Self.metric(metrics, "header_timeout") >= 1)
        }
    }

    @Test("a head that never completes gets 408 REQUEST_TIMEOUT as JSON and the connection ends")
    func slowHead() async throws {
        try await Self.live { port, _ in
            let slow = try await RawConnection.open(port: port)
            try await slow.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            // Trickle header bytes: they do not extend the head deadline.
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(150))
                if slow.isOpen { try? await slow.send("X-Slow: 1\r\n") }
            }
            let received = try await slow.waitForClose(within: .seconds(15))
            #expect(received.hasPrefix("HTTP/1.1 408"), "\(received)")
            #expect(received.contains(#""code":"REQUEST_TIMEOUT""#), "\(received)")
            #expect(received.lowercased().contains("x-content-type-options: nosniff"))
        }
    }

    @Test(
        "a body that never completes gets 408 REQUEST_TIMEOUT (FARAMESH_REQUEST_TIMEOUT does not start before the body)"
    )
    func slowBody() async throws {
        try await Self.live(body: .milliseconds(800)) { port, metrics in
            let slow = try await RawConnection.open(port: port)
            try await slow.send(Self.decideHead(contentLength: 200) + #"{"agent_id":"#)
            for _ in 0..<4 {
                try await Task.sleep(for: .milliseconds(150))
                if slow.isOpen { try? await slow.send(" ") }
            }
            let received = try await slow.waitForClose(within: .seconds(15))
            #expect(received.hasPrefix("HTTP/1.1 408"), "\(received)")
            #expect(received.contains(#""code":"REQUEST_TIMEOUT""#), "\(received)")
            #expect(Self.metric(metrics, "body_timeout") == 1)
        }
    }

    @Test("a kept-alive connection is closed after the idle timeout; a busy one is not")
    func idleKeepAlive() async throws {
        try await Self.live(idle: .milliseconds(600)) { port, metrics in
            let connection = try await RawConnection.open(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await connection.waitFor(within: .seconds(10)) { $0.contains("\r\n\r\n") }
            #expect(connection.received.hasPrefix("HTTP/1.1 200"))
            try await connection.waitForClose(within: .seconds(15))
            #expect(Self.metric(metrics, "idle_timeout") == 1)
        }
    }

    @Test("a malformed chunked body is 400 BAD_REQUEST as JSON, not 500")
    func badChunkSize() async throws {
        try await Self.live { port, _ in
            let head =
                "POST /v1/gate/decide HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ServerHarness.adminToken)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            let received = try await RawConnection.request(port: port, head + "zz\r\n{}\r\n0\r\n\r\n")
            #expect(received.hasPrefix("HTTP/1.1 400"), "\(received)")
            #expect(received.contains(#""code":"BAD_REQUEST""#), "\(received)")
            #expect(!received.contains("INTERNAL_ERROR"))
        }
    }

    @Test("a malformed request line or header is a JSON 400 (not an empty one)")
    func parserErrorsAreJSON() async throws {
        try await Self.live { port, _ in
            for request in ["GARBAGE\r\n\r\n", "GET /health HTTP/1.1\r\nBad Header Line\r\n\r\n"] {
                let received = try await RawConnection.request(port: port, request)
                #expect(received.hasPrefix("HTTP/1.1 400"), "\(received)")
                #expect(received.contains(#""code":"BAD_REQUEST""#), "\(received)")
                #expect(received.lowercased().contains("content-type: application/json"))
            }
        }
    }

    @Test("300 idle, slow-head and slow-body sockets over a cap of 40 are shed while /health keeps answering")
    func slowlorisIsShed() async throws {
        // Long deadlines: only the cap can free the slots while /health is checked.
        try await Self.live(maxConnections: 40, header: .seconds(30), idle: .seconds(30), body: .seconds(30)) {
            port,
            metrics in
            var attackers: [RawConnection] = []
            for i in 0..<300 {
                let connection = try await RawConnection.open(port: port)
                // A send may fail: the server sheds the oldest sockets while this loop opens more.
                switch i % 3 {
                case 0: break
                case 1: try? await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                default: try? await connection.send(Self.decideHead(contentLength: 100) + "{")
                }
                attackers.append(connection)
            }
            for _ in 0..<5 {
                let received = try await RawConnection.request(port: port, Self.health)
                #expect(received.hasPrefix("HTTP/1.1 200"), "\(received)")
            }
            // All but the newest (at most the cap) were closed by the server.
            let deadline = ContinuousClock.now + .seconds(20)
            while attackers.filter(\.isOpen).count > 40, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(attackers.filter(\.isOpen).count <= 40)
            #expect(Self.metric(metrics, "shed") >= 260)
            for attacker in attackers { attacker.close() }
        }
    }

    @Test("at the cap, a kept-alive idle connection is shed for a new one")
    func idleConnectionIsShedAtTheCap() async throws {
        // Three: the live test framework's own client holds one connection.
        try await Self.live(maxConnections: 3, header: .seconds(30), idle: .seconds(30)) { port, metrics in
            let a = try await RawConnection.open(port: port)
            let b = try await RawConnection.open(port: port)
            try await a.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try await b.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try await a.waitFor(within: .seconds(10)) { $0.contains("\r\n\r\n") }
            try await b.waitFor(within: .seconds(10)) { $0.contains("\r\n\r\n") }
            let received = try await RawConnection.request(port: port, Self.health)
            #expect(received.hasPrefix("HTTP/1.1 200"))
            #expect(Self.metric(metrics, "shed") >= 1)
            a.close()
            b.close()
        }
    }

    @Test(
        "event streams outlive the idle, header and body timeouts, and neither count against nor are shed by the connection cap"
    )
    func eventStreamIsNotTimedOut() async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        configuration.connections = ConnectionLimits(
            idleTimeout: .milliseconds(300),
            headerTimeout: .milliseconds(300),
            bodyTimeout: .milliseconds(300),
            maxConnections: 3
        )
        let serverConfiguration = configuration
        try await ServerHarness.withStore { store in
            let metrics = ServerMetrics()
            let readiness = Readiness()
            let hub = EventHub(
                feed: store,
                configuration: EventHubConfiguration(heartbeat: .milliseconds(200)),
                metrics: metrics,
                readiness: readiness,
                logger: ServerHarness.logger
            )
            let policy = try PolicyRuntime(
                configuration: serverConfiguration,
                metrics: metrics,
                logger: ServerHarness.logger
            )
            let app = try FarameshApplication.make(
                configuration: serverConfiguration,
                store: store,
                policy: policy,
                metrics: metrics,
                readiness: readiness,
                eventHub: hub,
                logger: ServerHarness.logger
            )
            try await app.test(.live) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await hub.run() }
                    defer { group.cancelAll() }
                    try await EventHubTests.eventually { hub.isStarted }
                    let port = try #require(client.port)
                    // HEAD: the stream's headers, no body, no subscription left behind.
                    let head = try await RawConnection.request(
                        port: port,
                        "HEAD /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ServerHarness.adminToken)\r\nConnection: close\r\n\r\n"
                    )
                    #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
                    #expect(head.contains("text/event-stream") && head.hasSuffix("\r\n\r\n"), "\(head)")
                    #expect(hub.clientCount == 0)
                    // Six streams over a cap of three connections.
                    var streams: [RawConnection] = []
                    for _ in 0..<6 {
                        let stream = try await RawConnection.open(port: port)
                        try await stream.send(
                            "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ServerHarness.adminToken)\r\n\r\n"
                        )
                        try await stream.waitFor(within: .seconds(10)) { $0.contains("retry: 1000") }
                        streams.append(stream)
                    }
                    for _ in 0..<5 {
                        let health = try await RawConnection.request(port: port, Self.health)
                        #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
                    }
                    try await Task.sleep(for: .milliseconds(1500))
                    for stream in streams {
                        #expect(stream.isOpen)
                        let pings = stream.received.components(separatedBy: ": ping").count - 1
                        #expect(pings >= 3, "\(stream.received)")
                        stream.close()
                    }
                    #expect(Self.metric(metrics, "shed") == 0 && Self.metric(metrics, "refused") == 0)
                }
            }
        }
    }
}
