import ArgumentParser
import FarameshStore

/// `faramesh migrate`: applies pending schema migrations (safe while other replicas run).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let source = try SettingsSource.current()
        let settings = try DatabaseSettings.resolve(database, source)
        let logger = try CommandLogging.logger(
            "faramesh.migrate",
            level: source.string(flag: nil, ["FARAMESH_LOG_LEVEL"]) ?? "warning"
        )
        try await StoreFactory.withStore(settings, logger: logger) { store in
            try await store.migrate()
            guard try await store.migrationsCurrent() else {
                throw ValidationError("migrations did not reach the current schema version")
            }
        }
        print("migrations applied (\(settings.backend.rawValue))")
    }
}
