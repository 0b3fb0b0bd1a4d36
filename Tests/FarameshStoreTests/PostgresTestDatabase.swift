import FarameshStore
import FarameshStorePostgres
import Foundation
import Logging
import PostgresNIO

/// Access to the test PostgreSQL server named by `FARAMESH_TEST_POSTGRES_DSN`.
///
/// Each store gets its own schema (via `search_path` in the connection's startup parameters),
/// so tests run in parallel against one database and leave nothing behind.
enum PostgresTestDatabase {
    static let variable = "FARAMESH_TEST_POSTGRES_DSN"

    /// Thrown (and so failing the test) when no database is configured: these tests never skip.
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "\(PostgresTestDatabase.variable) is not set. The PostgreSQL store tests need a real server and never skip: "
                + "run `eval \"$(scripts/start-postgres.sh)\"` and test again."
        }
    }

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.store.test")
        logger.logLevel = .error
        return logger
    }()

    /// Generous limits: tests run in parallel on a small machine with fsync on.
    static let testTimeouts = PostgresTimeouts(operation: .seconds(30), ping: .seconds(10), migration: .seconds(120))

    static func dsn() throws -> String {
        guard let dsn = ProcessInfo.processInfo.environment[variable], !dsn.isEmpty else { throw NotConfigured() }
        return dsn
    }

    static func configuration(poolSize: Int = 8, timeouts: PostgresTimeouts = testTimeouts) throws -> PostgresConfiguration {
        try PostgresConfiguration(dsn: try dsn(), poolSize: poolSize, timeouts: timeouts)
    }

    /// Runs `body` with a store on a new empty schema (migrated unless told otherwise), while its
    /// client runs; drops the schema afterwards.
    /// With `privateChannel` the store rings a channel named after its schema (notifications are
    /// database-wide, and parallel tests share the database).
    static func withStore(migrated: Bool = true, poolSize: Int = 8, privateChannel: Bool = false,
                          _ body: @Sendable (PostgresActionStore, _ schema: String) async throws -> Void) async throws {
        var config = try configuration(poolSize: poolSize)
        let schema = "faramesh_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        config.client.options.additionalStartupParameters.append(("search_path", schema))
        let store = PostgresActionStore(configuration: config,
                                        notificationChannel: privateChannel ? schema : PostgresActionStore.defaultNotificationChannel,
                                        logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            var failure: (any Error)?
            do {
                try await store.client.query("CREATE SCHEMA \(unescaped: schema)", logger: logger)
                if migrated { try await store.migrate() }
                try await body(store, schema)
            } catch {
                failure = error
            }
            _ = try? await store.client.query("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE", logger: logger)
            group.cancelAll()
            if let failure { throw failure }
        }
    }

    /// The conformance suite's store provider for PostgreSQL.
    static let conformance = ActionStoreConformance { body in
        try await withStore { store, _ in try await body(store) }
    }

    /// Runs `body` with a store whose client runs against `dsn` (used for unreachable servers).
    static func withUnreachableStore(dsn: String, timeouts: PostgresTimeouts,
                                     _ body: @Sendable (PostgresActionStore) async throws -> Void) async throws {
        var config = try PostgresConfiguration(dsn: dsn, poolSize: 2, timeouts: timeouts)
        config.client.options.connectTimeout = .seconds(30)
        let store = PostgresActionStore(configuration: config, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            var failure: (any Error)?
            do { try await body(store) } catch { failure = error }
            group.cancelAll()
            if let failure { throw failure }
        }
    }
}
