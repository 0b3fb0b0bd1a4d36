import FarameshStore
import FarameshStorePostgres
import FarameshStoreSQLite
import Foundation
import Logging

/// The store backends a store-agnostic test runs on (`@Test(arguments: TestBackend.all)`).
package enum TestBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    /// An in-memory `SQLiteActionStore`: fast, and the default backend of `faramesh serve`.
    case sqlite
    /// `PostgresActionStore` on a fresh schema of the test database.
    case postgres

    package var description: String { rawValue }

    /// SQLite always; PostgreSQL when `FARAMESH_TEST_POSTGRES_DSN` is set, and always in CI,
    /// where a missing DSN fails those runs (`PostgresTestSchema.NotConfigured`): never skipped.
    package static var all: [TestBackend] { PostgresTestSchema.isRequested ? [.sqlite, .postgres] : [.sqlite] }

    /// Runs `body` with a migrated store of this backend on a fresh database, shut down (SQLite)
    /// or dropped (PostgreSQL) afterwards.
    package func withStore(
        postgresPoolSize: Int = 6,
        logger: Logger,
        _ body: (any ActionStore & EventFeed) async throws -> Void
    ) async throws {
        switch self {
        case .sqlite:
            let store = try await SQLiteActionStore.inMemory(logger: logger)
            var failure: (any Error)?
            do {
                try await store.migrate()
                try await body(store)
            } catch {
                failure = error
            }
            try? await store.shutdown()
            if let failure { throw failure }
        case .postgres:
            try await PostgresTestSchema.withStore(
                prefix: "faramesh_srvtest_",
                poolSize: postgresPoolSize,
                logger: logger
            ) { store, _ in
                try await body(store)
            }
        }
    }
}
