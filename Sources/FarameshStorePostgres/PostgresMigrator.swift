import FarameshCore
import FarameshStore
import Foundation
import Logging
import PostgresNIO

/// Applies the numbered migrations in order.
///
/// All pending files run in one transaction that first takes a transaction-scoped advisory
/// lock, so replicas starting together apply each file exactly once and the lock cannot leak
/// with a pooled connection; the lock is released by COMMIT or ROLLBACK.
/// Applied versions are recorded in `schema_migrations(version, name, checksum, applied_at)`.
package struct PostgresMigrator: Sendable {
    /// Advisory lock key ("FARAMESH" in ASCII).
    package static let lockKey: Int64 = 0x4641_5241_4D45_5348

    package let migrations: [MigrationFile]

    package init(migrations: [MigrationFile]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations bundled with this module.
    package static func bundled() throws(MigrationError) -> PostgresMigrator {
        PostgresMigrator(
            migrations: try MigrationFile.load(
                from: Bundle.module.resourceURL?.appendingPathComponent("Migrations", isDirectory: true)
            )
        )
    }

    static let createTable: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    integer     PRIMARY KEY,
            name       text        NOT NULL,
            checksum   text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Applies what is pending; returns the versions applied by this call.
    func migrate(client: PostgresClient, statementTimeout: Duration, logger: Logger) async throws -> [Int] {
        if try await pendingVersions(client: client, logger: logger).isEmpty { return [] }
        let migrations = self.migrations
        return try await client.withTransaction(logger: logger) { conn in
            let timeoutMS = PostgresConfiguration.milliseconds(statementTimeout)
            try await conn.query(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(timeoutMS)"), logger: logger)
                .drain()
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger).drain()
            try await conn.query(Self.createTable, logger: logger).drain()
            var applied = Set<Int>()
            for try await version in try await conn.query("SELECT version FROM schema_migrations", logger: logger)
                .decode(Int.self)
            {
                applied.insert(version)
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info(
                    "applying migration",
                    metadata: ["version": "\(migration.version)", "name": "\(migration.name)"]
                )
                for statement in SQLScript.statements(in: migration.sql) {
                    try await conn.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain()
                }
                try await conn.query(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                    """,
                    logger: logger
                ).drain()
                done.append(migration.version)
            }
            return done
        }
    }

    /// Bundled versions not yet recorded (all of them when `schema_migrations` does not exist).
    func pendingVersions(client: PostgresClient, logger: Logger) async throws -> [Int] {
        var exists = false
        for try await flag in try await client.query(
            "SELECT to_regclass('schema_migrations') IS NOT NULL",
            logger: logger
        ).decode(Bool.self) {
            exists = flag
        }
        guard exists else { return migrations.map(\.version) }
        var applied = Set<Int>()
        for try await version in try await client.query("SELECT version FROM schema_migrations", logger: logger).decode(
            Int.self
        ) {
            applied.insert(version)
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }
}

extension PostgresRowSequence {
    /// Reads every row so that errors raised during execution surface (PostgresNIO reports them
    /// only while rows are consumed; an unread failure would silently turn COMMIT into ROLLBACK).
    @discardableResult
    func drain() async throws -> Int {
        var count = 0
        for try await _ in self { count += 1 }
        return count
    }
}
