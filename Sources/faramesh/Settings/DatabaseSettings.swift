import ArgumentParser

/// Which store backend to use and how to reach it.
///
/// `FARA_DB_BACKEND` picks the backend; without it, a configured Postgres DSN means Postgres and
/// otherwise the embedded SQLite file. A configured Postgres that is unreachable is an error:
/// there is never a silent fallback to SQLite (that would split the truth across replicas).
struct DatabaseSettings: Sendable, Equatable {
    enum Backend: String, Sendable, Equatable { case postgres, sqlite }

    var backend: Backend
    var postgresDSN: String?
    var sqlitePath: String
    var poolSize: Int

    /// Per replica. Small on purpose: a submit is one statement, so a few connections carry a
    /// replica's load, and PostgreSQL does more work per transaction with more active
    /// connections. Measured on 2 cores through nginx (notes of issue 4): 3 replicas vs 1 gave
    /// 1.00 with 4 per replica, 0.90 with 6 or 8, 0.87 with 16, single-replica rate unchanged.
    static let defaultPoolSize = 4
    /// The LISTEN connection, the sealer's lock session and one for everything else.
    static let minimumPoolSize = 3

    static func resolve(_ options: DatabaseOptions, _ source: SettingsSource) throws -> DatabaseSettings {
        let dsn = source.string(flag: options.dsn, ["FARAMESH_POSTGRES_DSN", "FARA_POSTGRES_DSN", "DATABASE_URL"])
        let sqlitePath =
            source.string(flag: options.sqlitePath, ["FARAMESH_SQLITE_PATH", "FARA_SQLITE_PATH"]) ?? "data/actions.db"
        let poolSize = try source.int(flag: options.poolSize, ["FARAMESH_DB_POOL_SIZE"]) ?? Self.defaultPoolSize
        guard poolSize >= Self.minimumPoolSize else {
            throw SettingsError.invalid(
                "FARAMESH_DB_POOL_SIZE",
                String(poolSize),
                "an integer of at least \(Self.minimumPoolSize) (the live-update listener and the ledger sealer each hold one connection)"
            )
        }
        let backend: Backend
        switch source.string(flag: options.backend, ["FARAMESH_DB_BACKEND", "FARA_DB_BACKEND"])?.lowercased() {
        case nil: backend = dsn == nil ? .sqlite : .postgres
        case "postgres", "postgresql": backend = .postgres
        case "sqlite": backend = .sqlite
        case let other?: throw SettingsError.invalid("FARA_DB_BACKEND", other, "postgres or sqlite")
        }
        if backend == .postgres && dsn == nil {
            throw SettingsError.conflict("FARA_DB_BACKEND=postgres needs a DSN: set FARA_POSTGRES_DSN or pass --dsn")
        }
        return DatabaseSettings(backend: backend, postgresDSN: dsn, sqlitePath: sqlitePath, poolSize: poolSize)
    }
}

/// Command-line options shared by every command that opens the database directly.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db-backend"), help: "postgres or sqlite (env FARA_DB_BACKEND).")
    var backend: String?

    @Option(name: .customLong("dsn"), help: "PostgreSQL URL (env FARA_POSTGRES_DSN).")
    var dsn: String?

    @Option(name: .customLong("sqlite-path"), help: "SQLite file (env FARA_SQLITE_PATH, default data/actions.db).")
    var sqlitePath: String?

    @Option(
        name: .customLong("db-pool-size"),
        help: "Maximum PostgreSQL connections of this replica, at least 3 (env FARAMESH_DB_POOL_SIZE, default 4)."
    )
    var poolSize: Int?
}
