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

@Suite struct AuthTests {
    @Test(arguments: TestBackend.all) func missingOrBadTokensAre401WithChallenge(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/actions"), (.post, "/v1/actions"), (.get, "/v1/actions/abcdef12"),
                (.get, "/v1/actions/abcdef12/events"), (.post, "/v1/actions/abcdef12/approval"),
                (.post, "/v1/actions/abcdef12/start"), (.post, "/v1/actions/abcdef12/result"),
                (.post, "/v1/gate/decide"), (.get, "/v1/policy/info"), (.get, "/metrics"),
            ]
            for (method, path) in routes {
                for token in [nil, "wrong-token", ServerHarness.revokedToken] as [String?] {
                    let reply = try await h.send(method, path, token: token, body: method == .post ? "{}" : nil)
                    #expect(reply.status == .unauthorized, "\(method) \(path) \(token ?? "none")")
                    #expect(reply.headers[.wwwAuthenticate] == "Bearer")
                    #expect(try reply.error().code == "UNAUTHORIZED")
                }
            }
            let malformed = try await h.send(.get, "/v1/actions", headers: [.authorization: "Basic abc"])
            #expect(malformed.status == .unauthorized)
            let lowercase = try await h.send(
                .get,
                "/v1/actions",
                headers: [.authorization: "bearer \(ServerHarness.agentToken)"]
            )
            #expect(lowercase.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func probesAndDocumentArePublic(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let health = try await h.send(.get, "/health")
            #expect(health.status == .ok)
            let ready = try await h.send(.get, "/ready")
            #expect(ready.status == .ok)
            let document = try await h.send(.get, "/openapi.yaml")
            #expect(document.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func metricsArePublicOnlyWhenConfigured(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend, configure: { $0.metricsPublic = true }) { h in
            let publicMetrics = try await h.send(.get, "/metrics")
            #expect(publicMetrics.status == .ok)
        }
        try await ServerHarness.run(backend) { h in
            let anonymous = try await h.send(.get, "/metrics")
            #expect(anonymous.status == .unauthorized)
            let withToken = try await h.send(.get, "/metrics", token: ServerHarness.adminToken)
            #expect(withToken.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func bootstrapAdminIsRecordedAsActor(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend, configure: { $0.bootstrapTokens = ["first", ServerHarness.adminToken] }) {
            h in
            let action = try await h.submitted(tool: "http", operation: "get", token: "first")
            let events = try await h.events(action.id)
            #expect(events.first?.actor == "bootstrap-admin")
            let second = try await h.submitted(tool: "http", operation: "get", token: ServerHarness.adminToken)
            let secondEvents = try await h.events(second.id)
            #expect(secondEvents.first?.actor == "bootstrap-admin")
        }
    }

    @Test(arguments: TestBackend.all) func revokedDatabaseTokensStopWorking(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let before = try await h.send(.get, "/v1/actions", token: ServerHarness.agent2Token)
            #expect(before.status == .ok)
            let revoked = try await h.store.revokeToken(idOrName: "agent-2", at: Date())
            #expect(revoked)
            let after = try await h.send(.get, "/v1/actions", token: ServerHarness.agent2Token)
            #expect(after.status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.all) func databaseTokensTurnLocalModeOff(_ backend: TestBackend) async throws {
        // No bootstrap token, but `faramesh token create` was used: the server must not stay open.
        try await ServerHarness.run(backend, configure: { $0.bootstrapTokens = [] }) { h in
            #expect(h.configuration.authMode == .local)
            let anonymous = try await h.send(.get, "/v1/actions")
            #expect(anonymous.status == .unauthorized)
            let bad = try await h.send(.get, "/v1/actions", token: "not-a-token")
            #expect(bad.status == .unauthorized)
            let agent = try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken)
            #expect(agent.status == .ok)
            let approve = try await h.send(
                .post,
                "/v1/actions",
                token: ServerHarness.agentToken,
                body: #"{"agent_id":"agent-1","tool":"shell","operation":"run","params":{}}"#
            )
            #expect(try approve.action().approvalToken == nil)
        }
    }

    @Test(arguments: TestBackend.all) func requireTokensWithoutBootstrapToken(_ backend: TestBackend) async throws {
        try await ServerHarness.run(
            backend,
            withTokens: false,
            configure: {
                $0.bootstrapTokens = []
                $0.requireTokens = true
            }
        ) { h in
            #expect(h.configuration.authMode == .tokens)
            let anonymous = try await h.send(.get, "/v1/actions")
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(arguments: TestBackend.all) func localModeTreatsEveryCallerAsLocalAdmin(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend, withTokens: false, configure: { $0.bootstrapTokens = [] }) { h in
            #expect(h.configuration.authMode == .local)
            let reply = try await h.send(
                .post,
                "/v1/actions",
                body: #"{"agent_id":"agent-1","tool":"shell","operation":"run","params":{}}"#
            )
            #expect(reply.status == .ok)
            let action = try reply.action()
            let token = try #require(action.approvalToken, "local admin sees the approval token")
            let localEvents = try await h.events(action.id)
            #expect(localEvents.first?.actor == "local")
            // The published client's approve flow works in local mode (no self-approval rule for "local").
            let approved = try await h.send(
                .post,
                "/v1/actions/\(action.id)/approval",
                body: #"{"token":"\#(token)","approve":true}"#
            )
            #expect(approved.status == .ok)
            #expect(try approved.action().status == .approved)
            // A valid database token (created after start) still identifies its holder.
            try await h.store.createToken(
                APIToken(
                    id: UUID(),
                    name: "agent-1",
                    role: .agent,
                    tokenHash: SHA256Hex.hash(ServerHarness.agentToken),
                    createdAt: Date()
                )
            )
            let asAgent = try await h.send(.get, "/v1/actions/\(action.id)", token: ServerHarness.agentToken)
            #expect(asAgent.status == .ok)
        }
    }

    @Test func unusableBootstrapTokensAreStartupErrors() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for token in ["two words", "tökén", String(repeating: "x", count: 5000)] {
            var configuration = try ServerHarness.configuration(directory: directory)
            configuration.bootstrapTokens = [token]
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

    @Test func configurationParsesTokenLists() {
        #expect(GatekeeperConfiguration.parseTokenList(" a, b ,,c ") == ["a", "b", "c"])
        #expect(GatekeeperConfiguration(bootstrapTokens: []).authMode == .local)
        #expect(GatekeeperConfiguration(bootstrapTokens: [""]).authMode == .local)
        #expect(GatekeeperConfiguration(bootstrapTokens: ["x"]).authMode == .tokens)
    }
}
