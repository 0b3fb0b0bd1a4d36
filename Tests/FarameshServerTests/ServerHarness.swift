import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO

@testable import FarameshServer

/// One HTTP answer, with helpers to read its JSON.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var bytes: [UInt8]

    var text: String { String(decoding: self.bytes, as: UTF8.self) }

    func json() throws -> JSONValue { try JSONParser.parse(self.bytes) }

    /// The body as a JSON object.
    func object() throws -> [String: JSONValue] {
        guard case .object(let members) = try self.json() else {
            throw HarnessError("body is not a JSON object: \(self.text)")
        }
        return members
    }

    func array() throws -> [JSONValue] {
        guard case .array(let items) = try self.json() else {
            throw HarnessError("body is not a JSON array: \(self.text)")
        }
        return items
    }

    func action() throws -> ActionResponse { try ActionResponse(json: try self.json()) }
    func error() throws -> ErrorResponse { try ErrorResponse(json: try self.json()) }
    func string(_ key: String) throws -> String? { try self.object()[key]?.stringValue }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A Faramesh app over a fresh store of one backend (`TestBackend`: in-memory SQLite, or a fresh
/// PostgreSQL schema), driven in-process (HummingbirdTesting `.router`).
struct ServerHarness: Sendable {
    static let adminToken = "test-bootstrap-admin-token"
    static let agentToken = "test-agent-token-0123456789"
    static let agent2Token = "test-agent-2-token-0123456789"
    static let approverToken = "test-approver-token-0123456789"
    static let approver2Token = "test-approver-2-token-0123456789"
    static let revokedToken = "test-revoked-token-0123456789"

    static let testPolicy = """
        version: test-1
        rules:
          - name: http-get
            match: {tool: http, op: get}
            allow: true
            description: Allow HTTP GET requests
            risk: low
          - name: quick-expiry
            match: {tool: shell, op: quick}
            require_approval: true
            approval_timeout: 1s
            description: Expires fast
            risk: medium
          - name: shell
            match: {tool: shell, op: "*"}
            require_approval: true
            description: Shell commands require approval
            risk: medium
          - name: deny-rest
            match: {tool: "*", op: "*"}
            deny: true
            description: Default deny rule
            risk: high
        """

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.server.test")
        logger.logLevel = .critical
        return logger
    }()

    let client: any TestClientProtocol
    let backend: TestBackend
    let store: any ActionStore & EventFeed
    /// The app's clock (`SystemClock` unless the test passed one).
    let clock: any WallClock
    let metrics: ServerMetrics
    let policy: PolicyRuntime
    let readiness: Readiness
    let configuration: GatekeeperConfiguration
    /// Set when the run was given an executor catalog.
    var executors: ExecutorService? = nil

    /// A configuration with the bootstrap admin token and the test policy written to `directory`.
    static func configuration(directory: URL, policyYAML: String = testPolicy) throws -> GatekeeperConfiguration {
        let policyFile = directory.appendingPathComponent("policy.yaml").path
        try policyYAML.write(toFile: policyFile, atomically: true, encoding: .utf8)
        return GatekeeperConfiguration(
            policyFile: policyFile,
            bootstrapTokens: [adminToken],
            requestTimeout: .seconds(20),
            readinessTimeout: .seconds(5),
            migrateOnStart: false,
            tokenCacheTTL: .zero,
            runtimeVersion: "test-runtime"
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "faramesh-server-test-" + UUID().uuidString
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `body` against an app on a new migrated store of `backend` with tokens for every
    /// role (none when `withTokens` is false).
    static func run(
        _ backend: TestBackend,
        clock: any WallClock = SystemClock(),
        policyYAML: String = testPolicy,
        withTokens: Bool = true,
        executors catalog: ExecutorCatalog? = nil,
        configure: @Sendable (inout GatekeeperConfiguration) -> Void = { _ in },
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try self.configuration(directory: directory, policyYAML: policyYAML)
        configure(&configuration)
        let serverConfiguration = configuration
        try await backend.withStore(logger: logger) { store in
            let now = clock.now()
            for (name, role, token, revoked) in [
                ("agent-1", TokenRole.agent, agentToken, false), ("agent-2", .agent, agent2Token, false),
                ("approver-1", .approver, approverToken, false), ("approver-2", .approver, approver2Token, false),
                ("revoked-1", .admin, revokedToken, true),
            ] where withTokens {
                try await store.createToken(
                    APIToken(
                        id: UUID(),
                        name: name,
                        role: role,
                        tokenHash: SHA256Hex.hash(token),
                        createdAt: now,
                        revokedAt: revoked ? now : nil
                    )
                )
            }
            let metrics = ServerMetrics()
            let policy = try PolicyRuntime(configuration: serverConfiguration, metrics: metrics, logger: logger)
            let readiness = Readiness()
            let executors = catalog.map {
                ExecutorService(
                    catalog: $0,
                    store: store,
                    metrics: metrics,
                    configuration: serverConfiguration.executors,
                    callTimeout: serverConfiguration.requestTimeout,
                    clock: clock,
                    logger: logger
                )
            }
            let app = try FarameshApplication.make(
                configuration: serverConfiguration,
                store: store,
                policy: policy,
                metrics: metrics,
                readiness: readiness,
                executors: executors,
                clock: clock,
                logger: logger
            )
            do {
                try await app.test(.router) { client in
                    try await body(
                        ServerHarness(
                            client: client,
                            backend: backend,
                            store: store,
                            clock: clock,
                            metrics: metrics,
                            policy: policy,
                            readiness: readiness,
                            configuration: serverConfiguration,
                            executors: executors
                        )
                    )
                }
            } catch {
                await executors?.stopAll()
                throw error
            }
            // No run may outlive its schema.
            await executors?.stopAll()
        }
    }

    /// A PostgreSQL store on a new empty schema (migrated) while its client runs, ringing a
    /// channel of its own; the schema is dropped afterwards (feed, hub and cluster tests).
    static func withStore(_ body: @Sendable (PostgresActionStore) async throws -> Void) async throws {
        try await PostgresTestSchema.withStore(prefix: "faramesh_srvtest_", poolSize: 6, logger: logger) { store, _ in
            try await body(store)
        }
    }

    // MARK: requests

    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        try await self.send(method, path, token: token, bytes: body.map { Array($0.utf8) }, headers: extra)
    }

    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        bytes: [UInt8]?,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        // Every POST is JSON, also without a body (the server answers 415 otherwise).
        if bytes != nil || method == .post, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let response = try await self.client.executeRequest(
            uri: path,
            method: method,
            headers: headers,
            body: bytes.map { ByteBuffer(bytes: $0) }
        )
        return Reply(status: response.status, headers: response.headers, bytes: Array(buffer: response.body))
    }

    /// Submits an action and returns the reply.
    func submit(
        tool: String,
        operation: String,
        params: String = "{}",
        agent: String = "agent-1",
        token: String = ServerHarness.agentToken,
        headers: HTTPFields = [:]
    ) async throws -> Reply {
        let body =
            #"{"agent_id":"\#(agent)","tool":"\#(tool)","operation":"\#(operation)","params":\#(params),"context":{}}"#
        return try await self.send(.post, "/v1/actions", token: token, body: body, headers: headers)
    }

    /// Submits and requires a 200, returning the action.
    func submitted(
        tool: String,
        operation: String,
        params: String = "{}",
        agent: String = "agent-1",
        token: String = ServerHarness.agentToken
    ) async throws -> ActionResponse {
        let reply = try await self.submit(tool: tool, operation: operation, params: params, agent: agent, token: token)
        guard reply.status == .ok else { throw HarnessError("submit failed: \(reply.status) \(reply.text)") }
        return try reply.action()
    }

    /// The approval token as an approver sees it.
    func approvalToken(_ id: String) async throws -> String {
        let reply = try await self.send(.get, "/v1/actions/\(id)", token: ServerHarness.approverToken)
        guard let token = try reply.action().approvalToken else {
            throw HarnessError("no approval token: \(reply.text)")
        }
        return token
    }

    func approve(
        _ id: String,
        token approval: String,
        approve: Bool = true,
        as bearer: String = ServerHarness.approverToken,
        reason: String? = nil
    ) async throws -> Reply {
        let reasonJSON = reason.map { #""\#($0)""# } ?? "null"
        return try await self.send(
            .post,
            "/v1/actions/\(id)/approval",
            token: bearer,
            body: #"{"token":"\#(approval)","approve":\#(approve),"reason":\#(reasonJSON)}"#
        )
    }

    func events(_ id: String) async throws -> [ActionEventResponse] {
        let reply = try await self.send(.get, "/v1/actions/\(id)/events", token: ServerHarness.agentToken)
        guard reply.status == .ok else { throw HarnessError("events failed: \(reply.status) \(reply.text)") }
        return try reply.array().map { try ActionEventResponse(json: $0) }
    }
}

extension Array where Element == UInt8 {
    init(buffer: ByteBuffer) {
        self = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }
}
