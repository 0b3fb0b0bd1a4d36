import FarameshCore
import FarameshStore
import Foundation
import PostgresNIO
import Testing

@testable import FarameshStorePostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The PostgreSQL-specific behaviour (the conformance suite runs on it too, `ActionStoreConformance`): migrations, idempotency-key purge, deadlines.
@Suite("PostgresActionStore")
struct PostgresActionStoreTests {
    // MARK: PostgreSQL specifics

    @Test func concurrentMigrationsApplyEachVersionOnce() async throws {
        try await PostgresTestDatabase.withStore(migrated: false) { store, _ in
            #expect(try await store.migrationsCurrent() == false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            #expect(try await store.migrationsCurrent())
            let bundled = try PostgresMigrator.bundled().migrations
            var recorded: [(Int, String, String)] = []
            for try await row in try await store.client.query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
                logger: PostgresTestDatabase.logger
            ).decode((Int, String, String).self) {
                recorded.append(row)
            }
            #expect(recorded.map(\.0) == bundled.map(\.version))
            #expect(recorded.map(\.1) == bundled.map(\.name))
            #expect(recorded.map(\.2) == bundled.map(\.checksum))
            // The schema works after the race.
            let (action, events) = StoreFixtures.action()
            #expect(try await store.submit(action, events: events, idempotencyKey: nil).created)
        }
    }

    @Test func concurrentMigrationsFromSeparateClients() async throws {
        // Four "replicas" (own pools) starting together on one fresh schema.
        try await PostgresTestDatabase.withStore(migrated: false) { first, schema in
            var config = try PostgresTestDatabase.configuration(poolSize: 2)
            config.client.options.additionalStartupParameters.append(("search_path", schema))
            let replicas = (0..<3).map { _ in
                PostgresActionStore(configuration: config, logger: PostgresTestDatabase.logger)
            }
            try await withThrowingTaskGroup(of: Void.self) { running in
                for replica in replicas { running.addTask { await replica.client.run() } }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for store in replicas + [first] { group.addTask { try await store.migrate() } }
                    try await group.waitForAll()
                }
                for store in replicas + [first] { #expect(try await store.migrationsCurrent()) }
                running.cancelAll()
            }
            var count = 0
            for try await n in try await first.client.query(
                "SELECT count(*) FROM schema_migrations",
                logger: PostgresTestDatabase.logger
            ).decode(Int.self) {
                count = n
            }
            #expect(count == (try PostgresMigrator.bundled().migrations.count))
        }
    }

    @Test func idempotencyKeysArePurgedByAge() async throws {
        try await PostgresTestDatabase.withStore { store, _ in
            let now = WireTimestamp.now()
            let old = StoreFixtures.action(createdAt: now.addingTimeInterval(-90_000))
            let fresh = StoreFixtures.action(agent: "agent-2", createdAt: now.addingTimeInterval(-60))
            _ = try await store.submit(old.action, events: old.events, idempotencyKey: "old-key")
            _ = try await store.submit(fresh.action, events: fresh.events, idempotencyKey: "fresh-key")
            let purged = try await store.purgeIdempotencyKeys(olderThan: now.addingTimeInterval(-86_400))
            #expect(purged == 1)
            // The old key's window is over: the same key now creates a new action.
            let again = StoreFixtures.action(createdAt: now)
            #expect(try await store.submit(again.action, events: again.events, idempotencyKey: "old-key").created)
            // The fresh key still replays.
            let retry = StoreFixtures.action(agent: "agent-2", createdAt: now)
            let replay = try await store.submit(retry.action, events: retry.events, idempotencyKey: "fresh-key")
            #expect(!replay.created)
            #expect(replay.action.id == fresh.action.id)
            // The purged action itself is kept.
            #expect(try await store.action(id: old.action.id) != nil)
        }
    }

    @Test func stateChangesRingTheDoorbell() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, schema in
            #expect(store.notificationChannel == schema)
            let (action, events) = StoreFixtures.action(status: .pendingApproval)
            try await store.client.withConnection { conn in
                try await conn.listen(on: store.notificationChannel) { notifications in
                    var iterator = notifications.makeAsyncIterator()
                    _ = try await store.submit(action, events: events, idempotencyKey: nil)
                    let afterSubmit = try await iterator.next()
                    let submitted = try await store.events(actionID: action.id)
                    #expect(afterSubmit?.payload == String(submitted.last?.seq ?? -1))

                    _ = try await store.transition(action.id, StoreFixtures.request(.approve))
                    let afterApprove = try await iterator.next()
                    let approved = try await store.events(actionID: action.id)
                    #expect(afterApprove?.payload == String(approved.last?.seq ?? -1))

                    // A refused transition rings nothing; the next real one does.
                    await #expect(throws: StoreError.self) {
                        _ = try await store.transition(action.id, StoreFixtures.request(.deny))
                    }
                    _ = try await store.transition(action.id, StoreFixtures.request(.start))
                    let afterStart = try await iterator.next()
                    let started = try await store.events(actionID: action.id)
                    #expect(afterStart?.payload == String(started.last?.seq ?? -1))
                }
            }
        }
    }

    @Test func shutdownRefusesFurtherCalls() async throws {
        try await PostgresTestDatabase.withStore { store, _ in
            try await store.ping()
            try await store.shutdown()
            await #expect(throws: StoreError.self) { try await store.ping() }
        }
    }

    @Test func failedStatementsRollBackTheWholeTransition() async throws {
        try await PostgresTestDatabase.withStore { store, _ in
            let (action, events) = StoreFixtures.action(status: .allowed)
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            // Break the event insert for this action: the row update must not survive alone.
            try await store.client.query(
                """
                ALTER TABLE action_events ADD CONSTRAINT no_started CHECK (event_type <> 'started')
                """,
                logger: PostgresTestDatabase.logger
            )
            do {
                _ = try await store.transition(action.id, StoreFixtures.request(.start))
                Issue.record("the transition must fail")
            } catch StoreError.unavailable(let message) {
                #expect(message.contains("23514"))
                #expect(!message.contains("password"))
            }
            #expect(try await store.action(id: action.id) == action)
            #expect(try await store.events(actionID: action.id).count == 2)
        }
    }

    // MARK: unreachable database

    /// A port with nothing listening on it.
    private static func closedPort() throws -> Int {
        let listener = try BlackHoleListener()
        let port = listener.port
        listener.close()
        return port
    }

    @Test func closedPortFailsFastAsUnavailable() async throws {
        let port = try Self.closedPort()
        let timeouts = PostgresTimeouts(operation: .milliseconds(800), ping: .milliseconds(400), migration: .seconds(1))
        try await PostgresTestDatabase.withUnreachableStore(
            dsn: "postgres://faramesh:secret-password@127.0.0.1:\(port)/faramesh?sslmode=disable",
            timeouts: timeouts
        ) { store in
            try await Self.expectUnavailable(within: .milliseconds(400)) { try await store.ping() }
            try await Self.expectUnavailable(within: .milliseconds(800)) { _ = try await store.action(id: UUID()) }
            try await Self.expectUnavailable(within: .milliseconds(800)) {
                _ = try await store.transition(UUID(), StoreFixtures.request(.approve))
            }
            let (action, events) = StoreFixtures.action()
            try await Self.expectUnavailable(within: .milliseconds(800)) {
                _ = try await store.submit(action, events: events, idempotencyKey: "k")
            }
            try await Self.expectUnavailable(within: .seconds(1)) { try await store.migrate() }
        }
    }

    @Test func silentServerFailsOnTimeAsUnavailable() async throws {
        // Accepts TCP connections (kernel backlog) but never says a word: the driver would wait.
        let listener = try BlackHoleListener()
        defer { listener.close() }
        let timeouts = PostgresTimeouts(operation: .milliseconds(700), ping: .milliseconds(300), migration: .seconds(1))
        try await PostgresTestDatabase.withUnreachableStore(
            dsn: "postgres://faramesh:secret-password@127.0.0.1:\(listener.port)/faramesh?sslmode=disable",
            timeouts: timeouts
        ) { store in
            try await Self.expectUnavailable(within: .milliseconds(300)) { try await store.ping() }
            try await Self.expectUnavailable(within: .milliseconds(700)) { _ = try await store.list(ActionQuery()) }
            try await Self.expectUnavailable(within: .milliseconds(700)) {
                _ = try await store.expireDue(now: Date(), limit: 5)
            }
        }
    }

    /// Expects `.unavailable` (with a message free of credentials) no later than `limit` plus scheduling slack.
    private static func expectUnavailable(
        within limit: Duration,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await body()
            Issue.record("expected StoreError.unavailable", sourceLocation: sourceLocation)
        } catch StoreError.unavailable(let message) {
            #expect(!message.contains("secret-password"), sourceLocation: sourceLocation)
            #expect(!message.contains("postgres://"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StoreError.unavailable, got \(error)", sourceLocation: sourceLocation)
        }
        let elapsed = clock.now - start
        // Scheduling slack for a loaded CI machine; the driver alone would wait about 60 s.
        #expect(elapsed < limit + .seconds(4), "took \(elapsed)", sourceLocation: sourceLocation)
    }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts or answers.
final class BlackHoleListener: Sendable {
    struct Failed: Error {}
    let fd: Int32
    let port: Int

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failed() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            _ = Glibc.close(fd)
            throw Failed()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            _ = Glibc.close(fd)
            throw Failed()
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}
