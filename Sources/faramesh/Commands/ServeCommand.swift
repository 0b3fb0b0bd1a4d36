import ArgumentParser
import FarameshServer
import Logging

/// `faramesh serve`: runs the HTTP gatekeeper until SIGTERM/SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gatekeeper server."
    )

    @OptionGroup var options: ServeOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var ledger: LedgerOptions

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error, critical (env FARAMESH_LOG_LEVEL, default info)."
    )
    var logLevel: String?

    func run() async throws {
        let source = try SettingsSource.current()
        var configuration = try ServeSettings.resolve(options, source)
        let databaseSettings = try DatabaseSettings.resolve(database, source)
        configuration.ledger = try LedgerSettings.resolve(ledger, source, database: databaseSettings)
        let logger = try CommandLogging.logger("faramesh", level: source.string(flag: logLevel, ["FARAMESH_LOG_LEVEL"]))
        let opened = try await StoreFactory.open(databaseSettings, logger: logger)
        logger.info(
            "starting faramesh",
            metadata: [
                "version": "\(ServeSettings.runtimeVersion)", "store": "\(opened.description)",
                "address": "\(configuration.host):\(configuration.port)",
                "tls": "\(configuration.tlsCertificatePath != nil)", "auth": "\(configuration.authMode.rawValue)",
                "executors": "\(configuration.executors.file ?? "none")",
            ]
        )
        do {
            try await FarameshApplication.run(
                configuration: configuration,
                store: opened.store,
                storeServices: opened.services
                    + DemoSeeder.services(
                        source,
                        configuration: configuration,
                        store: opened.store,
                        logger: logger
                    ),
                logger: logger
            )
        } catch let error as ServerStartupError {
            throw ValidationError(error.message)
        }
    }
}
