import FarameshCore
import Foundation

/// One numbered SQL file of a backend's `Migrations/` folder (`NNNN_name.sql`). Each backend
/// loads its bundled folder with `load(from:)` and keeps only its runner.
package struct MigrationFile: Sendable, Hashable {
    package var version: Int
    package var name: String
    package var sql: String
    /// SHA-256 hex of the file, recorded with the version.
    package var checksum: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256Hex.hash(sql)
    }

    /// The `.sql` files of `directory`, in version order. Throws `.bundleMissing` when the folder
    /// is missing, unreadable or empty.
    package static func load(from directory: URL?) throws(MigrationError) -> [MigrationFile] {
        guard let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            throw .bundleMissing
        }
        var migrations: [MigrationFile] = []
        for file in files where file.hasSuffix(".sql") {
            guard let parsed = parseFileName(file) else { throw .invalidFileName(file) }
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else {
                throw .bundleMissing
            }
            migrations.append(
                MigrationFile(
                    version: parsed.version,
                    name: parsed.name,
                    sql: String(decoding: data, as: UTF8.self)
                )
            )
        }
        guard !migrations.isEmpty else { throw .bundleMissing }
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw .duplicateVersion(migration.version)
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// `0001_initial.sql` → (1, "initial").
    package static func parseFileName(_ file: String) -> (version: Int, name: String)? {
        guard file.hasSuffix(".sql") else { return nil }
        let stem = file.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let version = Int(digits),
            version > 0, !name.isEmpty
        else { return nil }
        return (version, String(name))
    }
}

package enum MigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bundled `Migrations` folder is missing or unreadable (a packaging problem).
    case bundleMissing
    case invalidFileName(String)
    case duplicateVersion(Int)

    package var description: String {
        switch self {
        case .bundleMissing: return "the bundled SQL migrations could not be read"
        case .invalidFileName(let name): return "migration file name '\(name)' is not NNNN_name.sql"
        case .duplicateVersion(let version): return "two migration files have version \(version)"
        }
    }
}
