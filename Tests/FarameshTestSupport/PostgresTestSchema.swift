import FarameshStorePostgres
import Foundation
import Logging
import PostgresNIO

/// The one fresh-schema fixture of the PostgreSQL tests (store, server and ledger tests): a store
/// on a new empty schema of the database named by `FARAMESH_TEST_POSTGRES_DSN` (via
/// `search_path`), so tests run in parallel on one database and leave nothing behind.
package enum PostgresTestSchema {
    package static let variable = "FARAMESH_TEST_POSTGRES_DSN"

    /// Thrown (and so failing the test) when no database is configured: these tests never skip.
    package struct NotConfigured: Error, CustomStringConvertible {
        package var description: String {
            "\(PostgresTestSchema.variable) is not set. The PostgreSQL tests need a real server and never skip: "
                + "run `eval \"$(scripts/start-postgres.sh)\"` and test again."
        }
    }

    /// Generous limits: tests run in parallel on a small machine with fsync on.
    package static let timeouts = PostgresTimeouts(
        operation: .seconds(30),
        ping: .seconds(10),
        migration: .seconds(120)
    )

    package static func dsn() throws -> String {
        guard let dsn = ProcessInfo.processInfo.environment[variable], !dsn.isEmpty else { throw NotConfigured() }
        return dsn
    }

    /// True when the DSN is set, or when running in CI (`CI` set), where a missing DSN must fail
    /// the PostgreSQL runs instead of leaving them out.
    package static var isRequested: Bool {
        let environment = ProcessInfo.processInfo.environment
        if let dsn = environment[variable], !dsn.isEmpty { return true }
        if let ci = environment["CI"], !ci.isEmpty, ci.lowercased() != "false", ci != "0" { return true }
        return false
    }

    /// A new schema name with `prefix`.
    package static func newSchemaName(prefix: String = "faramesh_test_") -> String {
        prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The test database's configuration with `search_path` set to `schema`.
    package static func configuration(
        schema: String,
        poolSize: Int = 8,
        timeouts: PostgresTimeouts = timeouts
    ) throws -> PostgresConfiguration {
        var config = try PostgresConfiguration(dsn: try dsn(), poolSize: poolSize, timeouts: timeouts)
        config.client.options.additionalStartupParameters.append(("search_path", schema))
        return config
    }

    /// Runs `body` with a store on a new empty schema (migrated unless told otherwise) while its
    /// client runs; drops the schema afterwards. `notificationChannel` nil: the schema's name
    /// (notifications are database-wide, and parallel tests share the database).
    package static func withStore(
        prefix: String = "faramesh_test_",
        migrated: Bool = true,
        poolSize: Int = 8,
        timeouts: PostgresTimeouts = timeouts,
        notificationChannel: String? = nil,
        logger: Logger,
        _ body: (PostgresActionStore, _ schema: String) async throws -> Void
    ) async throws {
        let schema = newSchemaName(prefix: prefix)
        let config = try configuration(schema: schema, poolSize: poolSize, timeouts: timeouts)
        let store = PostgresActionStore(
            configuration: config,
            notificationChannel: notificationChannel ?? schema,
            logger: logger
        )
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
}
