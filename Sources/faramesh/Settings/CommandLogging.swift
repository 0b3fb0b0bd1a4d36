import Logging
import Synchronization

/// One-time logging bootstrap for the CLI (stderr, so stdout stays clean for `--json`).
enum CommandLogging {
    private static let bootstrapped = Mutex(false)

    static func logger(_ label: String, level: String?) throws -> Logger {
        let parsed: Logger.Level
        if let level {
            guard let l = Logger.Level(rawValue: level.lowercased()) else {
                throw SettingsError.invalid(
                    "FARAMESH_LOG_LEVEL",
                    level,
                    "trace, debug, info, notice, warning, error or critical"
                )
            }
            parsed = l
        } else {
            parsed = .info
        }
        bootstrapped.withLock { done in
            if !done {
                LoggingSystem.bootstrap(StreamLogHandler.standardError)
                done = true
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = parsed
        return logger
    }
}
