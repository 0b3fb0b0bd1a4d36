import ArgumentParser
import FarameshServer
import Foundation

/// Ledger options of `faramesh serve`.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .customLong("ledger-key-file"),
        help:
            "Ed25519 signing key of ledger checkpoints, base64 (env FARAMESH_LEDGER_KEY_FILE, or the key itself in FARAMESH_LEDGER_KEY; default ledger-signing.key next to the SQLite database, data/ledger-signing.key for PostgreSQL; created with mode 0600 when missing)."
    )
    var keyFile: String?

    @Option(
        name: .customLong("ledger-checkpoint-events"),
        help: "Sign a checkpoint at least every N sealed events (env FARAMESH_LEDGER_CHECKPOINT_EVENTS, default 1000)."
    )
    var checkpointEvents: Int?

    @Option(
        name: .customLong("ledger-checkpoint-interval"),
        help:
            "…and at least this often while events arrive, e.g. 5s (env FARAMESH_LEDGER_CHECKPOINT_INTERVAL, default 5s)."
    )
    var checkpointInterval: String?

    @Flag(
        name: .customLong("no-ledger-sealer"),
        help: "Do not seal on this replica (env FARAMESH_LEDGER_SEALER=0); another replica must."
    )
    var noSealer = false
}

/// Resolves the ledger configuration: flags > FARAMESH_* > .env > defaults.
enum LedgerSettings {
    static let keyFileName = "ledger-signing.key"

    static func resolve(
        _ o: LedgerOptions,
        _ source: SettingsSource,
        database: DatabaseSettings
    ) throws -> LedgerConfiguration {
        var c = LedgerConfiguration()
        // Small batches under load keep SQLite's one writer free for submits (see the property).
        if database.backend == .sqlite { c.busyPollInterval = .milliseconds(10) }
        let sealerSetting = try source.bool(flag: nil, ["FARAMESH_LEDGER_SEALER"]) ?? true
        c.sealerEnabled = !o.noSealer && sealerSetting
        if let n = try source.int(flag: o.checkpointEvents, ["FARAMESH_LEDGER_CHECKPOINT_EVENTS"]) {
            guard n >= 1 else {
                throw SettingsError.invalid("FARAMESH_LEDGER_CHECKPOINT_EVENTS", String(n), "a positive integer")
            }
            c.checkpointEvery = n
            c.batchSize = min(c.batchSize, n)
        }
        if let d = try source.duration(flag: o.checkpointInterval, ["FARAMESH_LEDGER_CHECKPOINT_INTERVAL"]) {
            c.checkpointInterval = d
        }
        if let path = o.keyFile, !path.isEmpty {
            c.keySource = .file(path: path, createIfMissing: true)
        } else if let inline = source.string(flag: nil, ["FARAMESH_LEDGER_KEY"]) {
            c.keySource = .inline(inline)
        } else {
            let path = source.string(flag: nil, ["FARAMESH_LEDGER_KEY_FILE"]) ?? defaultKeyPath(database)
            c.keySource = .file(path: path, createIfMissing: true)
        }
        return c
    }

    /// Next to the SQLite database; `data/` in the working directory for PostgreSQL.
    static func defaultKeyPath(_ database: DatabaseSettings) -> String {
        switch database.backend {
        case .sqlite:
            let directory = (database.sqlitePath as NSString).deletingLastPathComponent
            return directory.isEmpty ? keyFileName : (directory as NSString).appendingPathComponent(keyFileName)
        case .postgres:
            return "data/" + keyFileName
        }
    }
}
