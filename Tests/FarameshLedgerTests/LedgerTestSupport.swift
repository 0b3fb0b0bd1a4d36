import FarameshCore
import FarameshLedgerVerifier
import FarameshServer
import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import ServiceLifecycle
import Testing

@testable import FarameshStoreSQLite
@testable import faramesh

/// Both store backends, for parameterised tests.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres, sqlite
    var testDescription: String { rawValue }
}

struct LedgerTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A migrated store on a fresh database (PostgreSQL: its own schema; SQLite: a temporary file),
/// plus raw SQL for tampering with it the way an intruder with database access would.
final class LedgerDB: Sendable {
    static let dsnVariable = "FARAMESH_TEST_POSTGRES_DSN"

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.ledger.test")
        logger.logLevel = .error
        return logger
    }()

    let backend: Backend
    let store: any ActionStore
    /// PostgreSQL schema, or the SQLite file.
    let location: String

    private init(backend: Backend, store: any ActionStore, location: String) {
        self.backend = backend
        self.store = store
        self.location = location
    }

    static func postgresConfiguration(schema: String, poolSize: Int = 8) throws -> PostgresConfiguration {
        try PostgresTestSchema.configuration(schema: schema, poolSize: poolSize)
    }

    /// Runs `body` with a migrated store, then removes the database.
    static func with(
        _ backend: Backend,
        poolSize: Int = 8,
        _ body: @Sendable (LedgerDB) async throws -> Void
    ) async throws {
        switch backend {
        case .postgres:
            try await PostgresTestSchema.withStore(
                prefix: "faramesh_ledger_",
                poolSize: poolSize,
                notificationChannel: PostgresActionStore.defaultNotificationChannel,
                logger: logger
            ) { store, schema in
                try await body(LedgerDB(backend: backend, store: store, location: schema))
            }
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "faramesh-ledger-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("actions.db").path
            let store = try await SQLiteActionStore(path: path, logger: logger)
            var failure: (any Error)?
            do {
                try await store.migrate()
                try await body(LedgerDB(backend: backend, store: store, location: path))
            } catch {
                failure = error
            }
            try? await store.shutdown()
            if let failure { throw failure }
        }
    }

    /// Another "replica": its own store (and PostgreSQL connection pool) on the same database.
    func replica<T: Sendable>(_ body: @Sendable (any ActionStore) async throws -> T) async throws -> T {
        switch backend {
        case .postgres:
            let store = PostgresActionStore(
                configuration: try Self.postgresConfiguration(schema: location),
                logger: Self.logger
            )
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await store.client.run()
                    return nil
                }
                defer { group.cancelAll() }
                return try await body(store)
            }
        case .sqlite:
            let store = try await SQLiteActionStore(path: location, logger: Self.logger)
            do {
                let result = try await body(store)
                try await store.shutdown()
                return result
            } catch {
                try? await store.shutdown()
                throw error
            }
        }
    }

    /// Runs raw SQL (tampering), bypassing the store's rules.
    func exec(_ sql: String) async throws {
        switch backend {
        case .postgres:
            guard let store = store as? PostgresActionStore else { return }
            try await store.client.withConnection { conn in
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    for try await _ in try await conn.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger) {}
                }
            }
        case .sqlite:
            guard let store = store as? SQLiteActionStore else { return }
            try await store.write { conn -> (Void, Int64?) in
                for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try await SQLiteRunner.execute(conn, statement)
                }
                return ((), nil)
            }
        }
    }

    /// Runs one raw SQL statement as is.
    func execute(_ statement: String) async throws {
        switch backend {
        case .postgres:
            guard let store = store as? PostgresActionStore else { return }
            try await store.client.withConnection { conn in
                for try await _ in try await conn.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger) {}
            }
        case .sqlite:
            guard let store = store as? SQLiteActionStore else { return }
            try await store.write { conn -> (Void, Int64?) in
                try await SQLiteRunner.execute(conn, statement)
                return ((), nil)
            }
        }
    }

    /// A single integer from raw SQL.
    func integer(_ sql: String) async throws -> Int64 {
        switch backend {
        case .postgres:
            guard let store = store as? PostgresActionStore else { return 0 }
            var value: Int64 = 0
            for try await v in try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).decode(
                Int64.self
            ) {
                value = v
            }
            return value
        case .sqlite:
            guard let store = store as? SQLiteActionStore else { return 0 }
            return try await store.read { conn in
                guard case .integer(let v)? = try await SQLiteRunner.rows(conn, sql).first?.columns.first?.data else {
                    return 0
                }
                return Int64(v)
            }
        }
    }

    /// A timestamp literal for this backend's columns.
    func timestamp(_ date: Date) -> String {
        switch backend {
        case .postgres: return "'\(WireTimestamp.format(date))'::timestamptz"
        case .sqlite: return String(WireTimestamp.microseconds(date))
        }
    }

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

/// Actions and events written through the store, as the server writes them.
enum LedgerFixtures {
    static func submit(
        _ store: any ActionStore,
        agent: String = "agent-1",
        tool: String = "shell",
        params: JSONValue = .object(["cmd": .string("ls -la"), "api_key": .string("sk-live-123")]),
        pending: Bool = false,
        at: Date = WireTimestamp.now()
    ) async throws -> Action {
        let id = UUID()
        let now = WireTimestamp.date(microseconds: WireTimestamp.microseconds(at))
        let request = ActionRequest(agentID: agent, tool: tool, operation: "run", params: params)
        let requestHash = RequestHash.compute(request)
        let decision: PolicyEffect = pending ? .requireApproval : .allow
        let created = EventChain.makeEvent(
            actionID: id,
            type: .created,
            meta: .object(["decision": .string(decision.rawValue), "risk_level": .string("low")]),
            actor: agent,
            at: now,
            prevHash: nil
        )
        let decided = EventChain.makeEvent(
            actionID: id,
            type: .decisionMade,
            meta: .object(["decision": .string(decision.rawValue), "request_hash": .string(requestHash)]),
            actor: agent,
            at: now,
            prevHash: created.recordHash
        )
        let action = Action(
            id: id,
            request: request,
            status: pending ? .pendingApproval : .allowed,
            decision: decision,
            outcome: pending ? .abstain : .execute,
            reason: "test",
            reasonCode: pending ? .policyRequireApproval : .policyAllow,
            riskLevel: .low,
            requestHash: requestHash,
            runtimeVersion: "test",
            provenanceID: "prov",
            approvalToken: pending ? "apt_\(UUID().uuidString)" : nil,
            approvalExpiresAt: pending ? now.addingTimeInterval(3600) : nil,
            createdAt: now,
            updatedAt: now,
            lastEventHash: decided.recordHash
        )
        return try await store.submit(action, events: [created, decided], idempotencyKey: nil).action
    }

    /// An action with `created`, `decision_made`, `started`, `succeeded` (4 events).
    static func completed(_ store: any ActionStore, agent: String = "agent-1") async throws -> Action {
        let action = try await submit(store, agent: agent)
        _ = try await store.transition(
            action.id,
            TransitionRequest(transition: .start, actor: agent, reason: nil, now: Date())
        )
        return try await store.transition(
            action.id,
            TransitionRequest(
                transition: .succeed,
                actor: agent,
                reason: "done",
                meta: .object(["exit_code": .int(0)]),
                now: Date()
            )
        )
    }

    /// A few actions in different states: returns them with their events.
    static func population(_ store: any ActionStore, count: Int = 6) async throws -> [Action] {
        var actions: [Action] = []
        for i in 0..<count {
            switch i % 3 {
            case 0: actions.append(try await completed(store, agent: "agent-\(i)"))
            case 1: actions.append(try await submit(store, agent: "agent-\(i)"))
            default:
                let pending = try await submit(store, agent: "agent-\(i)", pending: true)
                actions.append(
                    try await store.transition(
                        pending.id,
                        TransitionRequest(
                            transition: .approve,
                            actor: "alice",
                            reason: "ok",
                            meta: .object(["approver": .string("alice")]),
                            now: Date()
                        )
                    )
                )
            }
        }
        return actions
    }
}

/// Runs sealers the way the server does, with short intervals.
enum Sealing {
    static let fast = LedgerConfiguration(
        checkpointEvery: 16,
        checkpointInterval: .milliseconds(100),
        pollInterval: .milliseconds(20),
        batchSize: 1000,
        roleRetryInterval: .milliseconds(100),
        fullSweepInterval: .seconds(2)
    )

    /// `fast`, with the busy cadence `faramesh serve` uses on SQLite (10 ms there).
    static let fastBusy: LedgerConfiguration = {
        var configuration = fast
        configuration.busyPollInterval = .milliseconds(5)
        return configuration
    }()

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.ledger.sealer.test")
        logger.logLevel = .critical
        return logger
    }()

    /// Seals every committed event and waits for a checkpoint that covers them all.
    static func sealAll(
        _ store: any ActionStore,
        key: LedgerSigningKey,
        configuration: LedgerConfiguration = fast,
        timeout: Duration = .seconds(60)
    ) async throws {
        let sealer = LedgerSealer(store: store, key: key, configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sealer.run() }
            defer { group.cancelAll() }
            try await waitUntilSealed(store, timeout: timeout)
        }
    }

    /// Waits until no event is unsealed and the newest checkpoint covers the whole ledger.
    static func waitUntilSealed(_ store: any ActionStore, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Head, then unsealed events, then head again: a batch sealed in between shows up as a change.
            let before = try await store.ledgerHead()
            let unsealed = try await store.unsealedEvents(limit: 1)
            let head = try await store.ledgerHead()
            if unsealed.isEmpty, head.size > 0, head.size == before.size, head.latestCheckpoint?.treeSize == head.size {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LedgerTestFailure("the ledger was not sealed and signed within \(timeout)")
    }
}

extension LedgerVerifier {
    /// Full verification pinned to `keys`.
    static func run(
        _ store: any ActionStore,
        keys: [LedgerPublicKey],
        grace: TimeInterval = 60,
        since: Int64? = nil,
        remembered: VerifiedCheckpoint? = nil
    ) async throws -> LedgerVerifier.Report {
        try await LedgerVerifier(
            store: store,
            options: Options(
                pinnedKeys: keys,
                since: since,
                remembered: remembered,
                grace: grace,
                pageSize: 7
            )
        ).verifyLedger()
    }
}
