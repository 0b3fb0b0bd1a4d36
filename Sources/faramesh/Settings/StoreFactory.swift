import FarameshStore
import FarameshStorePostgres
import FarameshStoreSQLite
import Logging
import ServiceLifecycle

/// Opens the configured store backend.
enum StoreFactory {
    /// A store plus the services that must run while it is used (the Postgres connection pool).
    struct OpenedStore {
        var store: any ActionStore
        var services: [any Service]
        var description: String
    }

    static func open(_ settings: DatabaseSettings, logger: Logger) async throws -> OpenedStore {
        switch settings.backend {
        case .postgres:
            guard let dsn = settings.postgresDSN else {
                throw SettingsError.conflict("the postgres backend needs FARA_POSTGRES_DSN or --dsn")
            }
            let configuration = try PostgresConfiguration(dsn: dsn, poolSize: settings.poolSize)
            let store = PostgresActionStore(configuration: configuration, logger: logger)
            return OpenedStore(store: store, services: [store.client], description: "postgres")
        case .sqlite:
            let store = try await SQLiteActionStore(path: settings.sqlitePath, logger: logger)
            return OpenedStore(store: store, services: [], description: "sqlite \(settings.sqlitePath)")
        }
    }

    /// Runs `body` with the store's services running, then stops them.
    static func withStore<T: Sendable>(
        _ settings: DatabaseSettings,
        logger: Logger,
        _ body: @escaping @Sendable (any ActionStore) async throws -> T
    ) async throws -> T {
        let opened = try await open(settings, logger: logger)
        let services = opened.services
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for service in services {
                group.addTask {
                    try await service.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            do {
                let result = try await body(opened.store)
                try? await opened.store.shutdown()
                return result
            } catch {
                try? await opened.store.shutdown()
                throw error
            }
        }
    }
}
