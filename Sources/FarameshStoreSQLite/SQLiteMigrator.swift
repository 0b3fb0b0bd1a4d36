import FarameshCore
import Foundation
import Logging
import SQLiteNIO

/// One numbered SQL file from `Migrations/` (`NNNN_name.sql`).
public struct SQLiteMigration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String
    /// SHA-256 hex of the file, recorded with the version.
    public var checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version; self.name = name; self.sql = sql
        self.checksum = SHA256Hex.hash(sql)
    }
}

public enum SQLiteMigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bundled `Migrations` folder is missing or unreadable (a packaging problem).
    case bundleMissing
    case invalidFileName(String)
    case duplicateVersion(Int)

    public var description: String {
        switch self {
        case .bundleMissing: return "the bundled SQL migrations could not be read"
        case .invalidFileName(let name): return "migration file name '\(name)' is not NNNN_name.sql"
        case .duplicateVersion(let version): return "two migration files have version \(version)"
        }
    }
}

/// Applies the numbered migrations in order.
///
/// All pending files run in one `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock
/// first: a second process migrating the same file at the same time waits (busy timeout), then
/// finds the versions recorded and applies nothing. DDL is transactional in SQLite, so a failing
/// file leaves the schema as it was. Applied versions are recorded in
/// `schema_migrations(version, name, checksum, applied_at)` (`applied_at` in microseconds).
public struct SQLiteMigrator: Sendable {
    public let migrations: [SQLiteMigration]

    public init(migrations: [SQLiteMigration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations bundled with this module.
    public static func bundled() throws(SQLiteMigrationError) -> SQLiteMigrator {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Migrations", isDirectory: true),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw .bundleMissing
        }
        var migrations: [SQLiteMigration] = []
        for file in files where file.hasSuffix(".sql") {
            guard let parsed = parseFileName(file) else { throw .invalidFileName(file) }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else {
                throw .bundleMissing
            }
            migrations.append(SQLiteMigration(version: parsed.version, name: parsed.name,
                                              sql: String(decoding: data, as: UTF8.self)))
        }
        guard !migrations.isEmpty else { throw .bundleMissing }
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw .duplicateVersion(migration.version)
        }
        return SQLiteMigrator(migrations: migrations)
    }

    /// `0001_initial.sql` → (1, "initial").
    static func parseFileName(_ file: String) -> (version: Int, name: String)? {
        guard file.hasSuffix(".sql") else { return nil }
        let stem = file.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits),
              version > 0, !name.isEmpty else { return nil }
        return (version, String(name))
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
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in SQLiteScript.statements(in: migration.sql) {
                    try await SQLiteRunner.execute(conn, statement)
                }
                try await SQLiteRunner.execute(conn, """
                    INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)
                    """, [SQLiteRows.integer(migration.version), .text(migration.name), .text(migration.checksum),
                          SQLiteRows.timestamp(Date())])
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
        let exists = try await SQLiteRunner.rows(conn, """
            SELECT 1 AS present FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'
            """)
        guard !exists.isEmpty else { return migrations.map(\.version) }
        var applied = Set<Int>()
        for row in try await SQLiteRunner.rows(conn, "SELECT version FROM schema_migrations") {
            applied.insert(Int(try SQLiteRows.integer(row, "version")))
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }
}
