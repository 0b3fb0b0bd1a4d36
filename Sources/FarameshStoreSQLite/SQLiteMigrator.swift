import FarameshCore
import FarameshStore
import Foundation
import Logging
import SQLiteNIO

/// Applies the numbered migrations in order.
///
/// All pending files run in one `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock
/// first: a second process migrating the same file at the same time waits (busy timeout), then
/// finds the versions recorded and applies nothing. DDL is transactional in SQLite, so a failing
/// file leaves the schema as it was. Applied versions are recorded in
/// `schema_migrations(version, name, checksum, applied_at)` (`applied_at` in microseconds).
package struct SQLiteMigrator: Sendable {
    package let migrations: [MigrationFile]

    package init(migrations: [MigrationFile]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations bundled with this module.
    package static func bundled() throws(MigrationError) -> SQLiteMigrator {
        SQLiteMigrator(
            migrations: try MigrationFile.load(
                from: Bundle.module.resourceURL?.appendingPathComponent("Migrations", isDirectory: true)
            )
        )
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY NOT NULL,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT
        """

    /// Applies what is pending on `conn` (the writer, held by the caller, outside any
    /// transaction); returns the versions applied by this call.
    func migrate(_ conn: SQLiteConnection, logger: Logger) async throws -> [Int] {
        if try await pendingVersions(conn).isEmpty { return [] }
        try await SQLiteRunner.execute(conn, "BEGIN IMMEDIATE")
        do {
            try await SQLiteRunner.execute(conn, Self.createTable)
            var applied = Set<Int>()
            for row in try await SQLiteRunner.rows(conn, "SELECT version FROM schema_migrations") {
                applied.insert(Int(try SQLiteRows.integer(row, "version")))
            }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                logger.info(
                    "applying migration",
                    metadata: ["version": "\(migration.version)", "name": "\(migration.name)"]
                )
                for statement in SQLiteScript.statements(in: migration.sql) {
                    try await SQLiteRunner.execute(conn, statement)
                }
                try await SQLiteRunner.execute(
                    conn,
                    """
                    INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)
                    """,
                    [
                        SQLiteRows.integer(migration.version), .text(migration.name), .text(migration.checksum),
                        SQLiteRows.timestamp(Date()),
                    ]
                )
                done.append(migration.version)
            }
            try await SQLiteRunner.execute(conn, "COMMIT")
            return done
        } catch {
            try? await SQLiteRunner.rollback(conn)
            throw error
        }
    }

    /// Bundled versions not yet recorded (all of them when `schema_migrations` does not exist).
    func pendingVersions(_ conn: SQLiteConnection) async throws -> [Int] {
        let exists = try await SQLiteRunner.rows(
            conn,
            """
            SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'
            """
        )
        guard !exists.isEmpty else { return migrations.map(\.version) }
        var applied = Set<Int>()
        for row in try await SQLiteRunner.rows(conn, "SELECT version FROM schema_migrations") {
            applied.insert(Int(try SQLiteRows.integer(row, "version")))
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }
}
