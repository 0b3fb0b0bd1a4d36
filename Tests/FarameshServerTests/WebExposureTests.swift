import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FarameshServer

/// Issue 10, findings 3 and 7 and the hardening list: what a web page (DNS rebinding, simple
/// cross-site POSTs, CORS) can reach, `/metrics` for admins only, no caching of approval tokens,
/// and local mode ending as soon as a database token exists.
@Suite struct WebExposureTests {
    static let submitBody = #"{"agent_id":"agent-1","tool":"http","operation":"get","params":{}}"#

    static func localMode(_ c: inout GatekeeperConfiguration) {
        c.bootstrapTokens = []
        c.localModeRecheckInterval = .zero
    }

    @Test(arguments: TestBackend.all) func localModeAnswersOnlyLoopbackHostNames(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend, withTokens: false, configure: Self.localMode) { h in
            #expect(h.configuration.authMode == .local)
            for host in [
                "evil.example", "evil.example:8000", "127.0.0.1.evil.example", "10.0.0.1", "[::2]:80",
                "localhost.evil.example", "128.0.0.1", "127.0.0.256", "127.0.0.1:80x", "0.0.0.0",
            ] {
                for (method, path, body) in [
                    (HTTPRequest.Method.get, "/v1/actions", nil as String?),
                    (.post, "/v1/actions", Self.submitBody), (.get, "/health", nil),
                ] {
                    let reply = try await h.send(
                        method,
                        path,
                        body: body,
                        headers: [LoopbackHostMiddleware.hostField: host]
                    )
                    #expect(reply.status == .forbidden, "\(host) \(method) \(path)")
                    #expect(try reply.error().code == "HOST_NOT_ALLOWED")
                }
            }
            for host in ["localhost", "LOCALHOST:8000", "127.0.0.1", "127.1.2.3:18200", "[::1]", "[::1]:8000"] {
                let reply = try await h.send(.get, "/v1/actions", headers: [LoopbackHostMiddleware.hostField: host])
                #expect(reply.status == .ok, "\(host)")
            }
            #expect(try await h.send(.get, "/v1/actions").status == .ok, "the authority alone (localhost)")
        }
        // With tokens the token is the guard: any Host.
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(
                .get,
                "/v1/actions",
                token: ServerHarness.agentToken,
                headers: [LoopbackHostMiddleware.hostField: "faramesh.example.com"]
            )
            #expect(reply.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func postsNeedJSONContentType(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "http", operation: "get")
            let routes: [(String, String?)] = [
                ("/v1/actions", Self.submitBody), ("/v1/gate/decide", Self.submitBody),
                ("/v1/actions/\(action.id)/start", nil), ("/v1/actions/\(action.id)/start", "{}"),
                ("/v1/actions/\(action.id)/result", #"{"success":true}"#),
                ("/v1/actions/\(action.id)/approval", #"{"token":"x","approve":true}"#),
            ]
            for (path, body) in routes {
                for type in [
                    nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/jsonx", "text/json",
                ] as [String?] {
                    var headers: HTTPFields = [.authorization: "Bearer \(ServerHarness.adminToken)"]
                    if let type { headers[.contentType] = type }
                    let response = try await h.client.executeRequest(
                        uri: path,
                        method: .post,
                        headers: headers,
                        body: body.map { ByteBuffer(string: $0) }
                    )
                    let reply = Reply(
                        status: response.status,
                        headers: response.headers,
                        bytes: Array(buffer: response.body)
                    )
                    #expect(reply.status == .unsupportedMediaType, "\(path) \(type ?? "none")")
                    #expect(try reply.error().code == "UNSUPPORTED_MEDIA_TYPE")
                }
            }
            // Nothing changed, and JSON with parameters is accepted.
            #expect(
                try await h.send(.get, "/v1/actions/\(action.id)", token: ServerHarness.adminToken).action().status
                    == .allowed
            )
            let withCharset = try await h.send(
                .post,
                "/v1/actions",
                token: ServerHarness.agentToken,
                body: Self.submitBody,
                headers: [.contentType: "Application/JSON ; charset=utf-8"]
            )
            #expect(withCharset.status == .ok)
            let emptyStart = try await h.send(
                .post,
                "/v1/actions/\(action.id)/start",
                token: ServerHarness.agentToken,
                bytes: [],
                headers: [.contentType: "application/json"]
            )
            #expect(try emptyStart.action().status == .executing)
        }
    }

    @Test(arguments: TestBackend.all) func corsOnlyForNamedOriginsAndNeverInLocalMode(
        _ backend: TestBackend
    ) async throws {
        let origin = "https://ops.example.com"
        try await ServerHarness.run(backend, configure: { $0.corsAllowedOrigins = [origin] }) { h in
            let allowed = try await h.send(
                .get,
                "/v1/actions",
                token: ServerHarness.agentToken,
                headers: [.origin: origin]
            )
            #expect(allowed.headers[.accessControlAllowOrigin] == origin)
            #expect(allowed.headers[.vary] == "Origin")
            let preflight = try await h.send(
                .options,
                "/v1/actions",
                headers: [.origin: origin, .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == origin)
            for other in ["https://evil.example", "null", "https://ops.example.com.evil.example"] {
                let reply = try await h.send(
                    .get,
                    "/v1/actions",
                    token: ServerHarness.agentToken,
                    headers: [.origin: other]
                )
                #expect(reply.headers[.accessControlAllowOrigin] == nil, "\(other)")
                let pre = try await h.send(
                    .options,
                    "/v1/actions",
                    headers: [.origin: other, .accessControlRequestMethod: "POST"]
                )
                #expect(pre.headers[.accessControlAllowOrigin] == nil)
            }
        }
        try await ServerHarness.run(
            backend,
            withTokens: false,
            configure: {
                Self.localMode(&$0)
                $0.corsAllowedOrigins = [origin]
            }
        ) { h in
            let reply = try await h.send(.get, "/v1/actions", headers: [.origin: origin])
            #expect(reply.status == .ok)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
            let preflight = try await h.send(
                .options,
                "/v1/actions",
                headers: [.origin: origin, .accessControlRequestMethod: "POST"]
            )
            #expect(preflight.headers[.accessControlAllowOrigin] == nil)
        }
        // `--enable-cors` alone would have meant `*`: refused at start, as are non-origins.
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (enable, origins) in [
            (true, [String]()), (false, ["*"]), (false, ["https://a.example/path"]), (false, ["ftp://a.example"]),
        ] {
            var configuration = try ServerHarness.configuration(directory: directory)
            configuration.enableCORS = enable
            configuration.corsAllowedOrigins = origins
            let policy = try PolicyRuntime(configuration: configuration, logger: ServerHarness.logger)
            let bad = configuration
            #expect(throws: ServerStartupError.self) {
                _ = try FarameshApplication.make(
                    configuration: bad,
                    store: try TransportTests.idleStore(),
                    policy: policy,
                    metrics: ServerMetrics(),
                    logger: ServerHarness.logger
                )
            }
        }
    }

    @Test(arguments: TestBackend.all) func metricsNeedAnAdminUnlessPublic(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            #expect(try await h.send(.get, "/metrics").status == .unauthorized)
            for token in [ServerHarness.agentToken, ServerHarness.approverToken] {
                let reply = try await h.send(.get, "/metrics", token: token)
                #expect(reply.status == .forbidden)
                #expect(try reply.error().code == "FORBIDDEN")
            }
            #expect(try await h.send(.get, "/metrics", token: ServerHarness.adminToken).status == .ok)
        }
        try await ServerHarness.run(backend, configure: { $0.metricsPublic = true }) { h in
            let anonymous = try await h.send(.get, "/metrics")
            #expect(anonymous.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func responsesCarryingApprovalTokensAreNotCached(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let pending = try await h.submit(
                tool: "shell",
                operation: "run",
                agent: "agent-1",
                token: ServerHarness.adminToken
            )
            #expect(try pending.action().approvalToken != nil)
            #expect(pending.headers[.cacheControl] == "no-store")
            let id = try pending.action().id
            let approverView = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.approverToken)
            #expect(approverView.headers[.cacheControl] == "no-store")
            let agentView = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.agentToken)
            #expect(try agentView.action().approvalToken == nil)
            #expect(agentView.headers[.cacheControl] == nil)
        }
    }

    @Test(arguments: TestBackend.all) func creatingADatabaseTokenEndsLocalModeWithoutARestart(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend, withTokens: false, configure: Self.localMode) { h in
            #expect(try await h.send(.get, "/v1/actions").status == .ok)
            try await h.store.createToken(
                APIToken(
                    id: UUID(),
                    name: "agent-1",
                    role: .agent,
                    tokenHash: SHA256Hex.hash(ServerHarness.agentToken),
                    createdAt: Date()
                )
            )
            let anonymous = try await h.send(.get, "/v1/actions")
            #expect(anonymous.status == .unauthorized)
            #expect(try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken).status == .ok)
            #expect(try await h.send(.get, "/v1/actions", token: "made-up").status == .unauthorized)
        }
        // With the default interval, presenting the new token ends local mode at once.
        try await ServerHarness.run(
            backend,
            withTokens: false,
            configure: {
                $0.bootstrapTokens = []
                $0.localModeRecheckInterval = .seconds(3600)
            }
        ) { h in
            #expect(try await h.send(.get, "/v1/actions").status == .ok)
            try await h.store.createToken(
                APIToken(
                    id: UUID(),
                    name: "agent-1",
                    role: .agent,
                    tokenHash: SHA256Hex.hash(ServerHarness.agentToken),
                    createdAt: Date()
                )
            )
            #expect(try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken).status == .ok)
            #expect(try await h.send(.get, "/v1/actions").status == .unauthorized)
        }
    }
}
