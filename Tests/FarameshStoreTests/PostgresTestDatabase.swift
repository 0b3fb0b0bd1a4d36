import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import Logging
import PostgresNIO

/// Access to the test PostgreSQL server named by `FARAMESH_TEST_POSTGRES_DSN`.
///
/// Each store gets its own schema (via `search_path` in the connection's startup parameters),
/// so tests run in parallel against one database and leave nothing behind.
enum PostgresTestDatabase {
    static let variable = PostgresTestSchema.variable
    typealias NotConfigured = PostgresTestSchema.NotConfigured

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.store.test")
        logger.logLevel = .error
        return logger
    }()

    static let testTimeouts = PostgresTestSchema.timeouts

    static func dsn() throws -> String { try PostgresTestSchema.dsn() }

    static func configuration(
        poolSize: Int = 8,
        timeouts: PostgresTimeouts = testTimeouts
    ) throws -> PostgresConfiguration {
        try PostgresConfiguration(dsn: try dsn(), poolSize: poolSize, timeouts: timeouts)
    }

    /// Runs `body` with a store on a new empty schema (migrated unless told otherwise), while its
    /// client runs; drops the schema afterwards.
    /// With `privateChannel` the store rings a channel named after its schema (notifications are
    /// database-wide, and parallel tests share the database).
    static func withStore(
        migrated: Bool = true,
        poolSize: Int = 8,
        privateChannel: Bool = false,
        _ body: @Sendable (PostgresActionStore, _ schema: String) async throws -> Void
    ) async throws {
        try await PostgresTestSchema.withStore(
            migrated: migrated,
            poolSize: poolSize,
            notificationChannel: privateChannel ? nil : PostgresActionStore.defaultNotificationChannel,
            logger: logger,
            body
        )
    }

    /// Runs `body` with a store whose client runs against `dsn` (used for unreachable servers).
    static func withUnreachableStore(
        dsn: String,
        timeouts: PostgresTimeouts,
        _ body: @Sendable (PostgresActionStore) async throws -> Void
    ) async throws {
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
