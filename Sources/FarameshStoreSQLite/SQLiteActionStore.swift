import FarameshCore
import FarameshStore
import Foundation
import Logging
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite file (WAL mode), no server to install.
///
/// Behaves like `PostgresActionStore` call for call. Every write runs on the single writer
/// connection, lent to one task at a time, inside `BEGIN IMMEDIATE … COMMIT`: SQLite allows one
/// writer anyway, and holding the connection for the whole transaction is what keeps another
/// task's statements out of it. That serialisation plays the part of PostgreSQL's row locks, so
/// racing approvals, results and expiry sweeps still end with exactly one winner. Reads use
/// separate read-only connections (WAL readers never wait for the writer) unless the database
/// is in memory, where one connection does everything.
///
/// The store runs its blocking SQLite calls on a thread pool of its own, one thread per
/// connection. On a shared pool (SQLiteNIO's default has one thread per core) a statement that
/// waits for another connection's lock occupies a thread the lock holder may need to finish:
/// two stores on one file in one process could deadlock until their busy timeouts.
///
/// Call `shutdown()` before the store is released: SQLiteNIO and NIO assert (debug builds) when
/// a connection or a thread pool is deinitialised open.
package final class SQLiteActionStore: ActionStore {
    /// The file `faramesh serve` uses when nothing else is configured.
    package static let defaultPath = "data/actions.db"
    /// Read connections of a file store. Measured on two cores with 16 tasks (80 % reads):
    /// one reader made reads queue behind each other (p50 2.4–3 ms), two brought p50 to 0.4 ms,
    /// four did no better.
    package static let defaultReaderCount = 2
    /// How often committed WAL frames are copied back into the database file
    /// (`SQLiteCheckpointer`). 100 ms of the MCP benchmark's load is ~1,600 frames, copied
    /// alongside the commits; only the last few are copied while holding the writer.
    package static let defaultCheckpointInterval: Duration = .milliseconds(100)

    /// The absolute database path; nil for an in-memory store.
    package let path: String?
    package let timeouts: SQLiteTimeouts
    private let logger: Logger
    private let writer: SQLiteConnectionPool
    /// The writer itself for an in-memory store.
    private let readers: SQLiteConnectionPool
    /// One per connection (`SQLiteThread`); stopped last at shutdown.
    private let threads: [SQLiteThread]
    /// A file store's WAL checkpoints, off the writer's commits.
    private let checkpointer: SQLiteCheckpointer?
    private let migrator: SQLiteMigrator?
    private let doorbell = EventDoorbell()
    private let gate = StoreCallGate()
    /// The one shutdown every `shutdown()` call waits for.
    private let closing = Mutex<Task<Void, any Error>?>(nil)

    private init(
        path: String?,
        timeouts: SQLiteTimeouts,
        logger: Logger,
        threads: [SQLiteThread],
        checkpointer: SQLiteCheckpointer?,
        writer: SQLiteConnectionPool,
        readers: SQLiteConnectionPool
    ) {
        self.path = path
        self.timeouts = timeouts
        self.logger = logger
        self.threads = threads
        self.checkpointer = checkpointer
        self.writer = writer
        self.readers = readers
        self.migrator = try? SQLiteMigrator.bundled()
    }

    /// Opens (creating when missing) the database file at `path`, relative paths against the
    /// working directory. A missing parent directory is created (mode 0700) and a new file is
    /// created with mode 0600: it holds approval tokens and token hashes. Call `migrate()` next.
    package convenience init(
        path: String = SQLiteActionStore.defaultPath,
        timeouts: SQLiteTimeouts = SQLiteTimeouts(),
        readerCount: Int = SQLiteActionStore.defaultReaderCount,
        checkpointInterval: Duration = SQLiteActionStore.defaultCheckpointInterval,
        logger: Logger = Logger(label: "faramesh.store.sqlite")
    ) async throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let readerCount = max(1, readerCount)
        // The writer, the readers, and the checkpointer last.
        let threads = (0...readerCount + 1).map { _ in SQLiteThread() }
        var opened: [SQLiteConnection] = []
        do {
            try await Self.prepareFile(absolute, on: threads[0].threadPool)
            for (index, thread) in threads.enumerated() {
                opened.append(
                    try await Self.open(
                        .file(path: absolute),
                        role: index == 0 ? .writer : index == threads.count - 1 ? .checkpointer : .reader,
                        threadPool: thread.threadPool,
                        timeouts: timeouts,
                        logger: logger
                    )
                )
            }
        } catch {
            for connection in opened { try? await connection.close() }
            for thread in threads { try? await thread.shutdown() }
            throw error
        }
        let lanes = Array(zip(opened, threads))
        let writer = SQLiteConnectionPool([lanes[0]])
        let checkpointer = SQLiteCheckpointer(
            connection: opened[opened.count - 1],
            thread: threads[threads.count - 1],
            writer: writer,
            interval: checkpointInterval,
            logger: logger
        )
        self.init(
            path: absolute,
            timeouts: timeouts,
            logger: logger,
            threads: threads,
            checkpointer: checkpointer,
            writer: writer,
            readers: SQLiteConnectionPool(Array(lanes[1..<lanes.count - 1]))
        )
        checkpointer.start()
    }

    /// A store that lives in memory until `shutdown()` (tests, demos). One connection serves
    /// reads and writes.
    package static func inMemory(
        timeouts: SQLiteTimeouts = SQLiteTimeouts(),
        logger: Logger = Logger(label: "faramesh.store.sqlite")
    ) async throws -> SQLiteActionStore {
        let thread = SQLiteThread()
        let connection: SQLiteConnection
        do {
            connection = try await open(
                .memory,
                role: .writer,
                threadPool: thread.threadPool,
                timeouts: timeouts,
                logger: logger
            )
        } catch {
            try? await thread.shutdown()
            throw error
        }
        let pool = SQLiteConnectionPool([(connection, thread)])
        return SQLiteActionStore(
            path: nil,
            timeouts: timeouts,
            logger: logger,
            threads: [thread],
            checkpointer: nil,
            writer: pool,
            readers: pool
        )
    }

    // MARK: live updates

    /// The live-update doorbell (the in-process counterpart of the PostgreSQL store's
    /// `pg_notify` channel): yields the newest event seq after every committed state change, in
    /// commit order. A slow consumer keeps only the newest seq; read `events(after:limit:)` from
    /// the last seq handled. The stream ends at `shutdown()`.
    package func eventSeqs() -> AsyncStream<Int64> {
        doorbell.subscribe()
    }

    /// Open `eventSeqs()` streams (tests).
    var eventSeqSubscriberCount: Int { doorbell.subscriberCount }

    // MARK: migrations and health

    package func migrate() async throws {
        let migrator = try bundledMigrator()
        let applied = try await perform(timeout: timeouts.migration) { [writer, logger, timeouts] in
            try await writer.withConnection { conn in
                // Wait as long as the migration may take for another process holding the lock.
                try await Self.setBusyTimeout(timeouts.migration, on: conn)
                let outcome: Result<[Int], any Error>
                do { outcome = .success(try await migrator.migrate(conn, logger: logger)) } catch {
                    outcome = .failure(error)
                }
                try await SQLiteRunner.uncancelled { try await Self.setBusyTimeout(timeouts.operation, on: conn) }
                return try outcome.get()
            }
        }
        if !applied.isEmpty { logger.info("migrations applied", metadata: ["versions": "\(applied)"]) }
    }

    package func migrationsCurrent() async throws -> Bool {
        let migrator = try bundledMigrator()
        return try await read { conn in try await migrator.pendingVersions(conn).isEmpty }
    }

    package func ping() async throws {
        try await read(timeout: timeouts.ping) { conn in try await SQLiteRunner.execute(conn, "SELECT 1") }
    }

    /// Refuses further calls, waits for the calls in flight, closes every connection (the last
    /// close checkpoints the WAL into the database file), stops the store's threads and ends the
    /// doorbell streams. Idempotent: every call returns when the one shutdown has finished.
    package func shutdown() async throws {
        gate.close()
        let task = closing.withLock { task -> Task<Void, any Error> in
            if let task { return task }
            let started = Task { [writer, readers, threads, checkpointer, doorbell, logger] in
                doorbell.finish()
                var failure: (any Error)?
                do { try await checkpointer?.stop() } catch { failure = error }
                do { try await writer.close() } catch { failure = failure ?? error }
                if readers !== writer {
                    do { try await readers.close() } catch { failure = failure ?? error }
                }
                for thread in threads {
                    do { try await thread.shutdown() } catch { failure = failure ?? error }
                }
                if let failure {
                    logger.warning("closing the database failed", metadata: ["error": "\(String(describing: failure))"])
                    throw StoreError.unavailable("the database could not be closed cleanly")
                }
            }
            task = started
            return started
        }
        try await task.value
    }

    // MARK: submit

    package func submit(
        _ action: Action,
        events: [ActionEvent],
        idempotencyKey: String?,
        idempotencyScope: String
    ) async throws -> SubmitResult {
        var stored = action.storedForm
        if let last = events.last { stored.lastEventHash = last.recordHash }
        let row = stored
        return try await write { conn -> (SubmitResult, Int64?) in
            if let key = idempotencyKey,
                let existing = try await Self.claim(key: key, scope: idempotencyScope, for: row, conn: conn)
            {
                return (SubmitResult(action: existing, created: false), nil)
            }
            try await SQLiteRunner.execute(
                conn,
                """
                INSERT INTO actions (id, agent_id, tool, operation, params_json, context_json, status, decision,
                    outcome, reason, reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id,
                    profile_version, profile_hash, runtime_version, provenance_id, approval_token,
                    approval_expires_at, idempotency_key, created_at, updated_at, version, last_event_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    SQLiteRows.uuid(row.id), .text(row.request.agentID), .text(row.request.tool),
                    .text(row.request.operation), SQLiteRows.json(row.request.params),
                    SQLiteRows.json(row.request.context),
                    .text(row.status.rawValue), .text(row.decision.rawValue), .text(row.outcome.rawValue),
                    .text(row.reason),
                    .text(row.reasonCode.rawValue), .text(row.riskLevel.rawValue), .text(row.requestHash),
                    SQLiteRows.text(row.policyHash), SQLiteRows.text(row.policyVersion), SQLiteRows.text(row.profileID),
                    SQLiteRows.text(row.profileVersion), SQLiteRows.text(row.profileHash), .text(row.runtimeVersion),
                    .text(row.provenanceID), SQLiteRows.text(row.approvalToken),
                    SQLiteRows.timestamp(row.approvalExpiresAt),
                    SQLiteRows.text(idempotencyKey), SQLiteRows.timestamp(row.createdAt),
                    SQLiteRows.timestamp(row.updatedAt),
                    SQLiteRows.integer(row.version), SQLiteRows.text(row.lastEventHash),
                ]
            )
            let seq = try await Self.insert(events, conn: conn)
            return (SubmitResult(action: row, created: true), seq)
        }
    }

    /// Claims an idempotency key for `action` inside the write transaction. Returns nil when the
    /// key is new (claimed now), the stored action when the key was used for the same request,
    /// and throws `.idempotencyConflict` when it was used for another one. Concurrent submits
    /// with one key are serialised by the writer, so the second sees the first one's claim.
    private static func claim(
        key: String,
        scope: String,
        for action: Action,
        conn: SQLiteConnection
    ) async throws -> Action? {
        let rows = try await SQLiteRunner.rows(
            conn,
            "SELECT request_hash, action_id FROM idempotency_keys WHERE scope = ? AND key = ?",
            [.text(scope), .text(key)]
        )
        if let row = rows.first {
            let hash = try SQLiteRows.string(row, "request_hash")
            guard let existingID = UUID(uuidString: try SQLiteRows.string(row, "action_id")) else {
                throw StoreError.unavailable("the database returned an unexpected value for action_id")
            }
            guard hash == action.requestHash else {
                throw StoreError.idempotencyConflict(existingActionID: existingID)
            }
            guard let stored = try await fetchAction(existingID, conn: conn) else {
                throw StoreError.unavailable("idempotency key refers to a missing action")
            }
            return stored
        }
        try await SQLiteRunner.execute(
            conn,
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, action_id, created_at) VALUES (?, ?, ?, ?, ?)
            """,
            [
                .text(scope), .text(key), .text(action.requestHash), SQLiteRows.uuid(action.id),
                SQLiteRows.timestamp(action.createdAt),
            ]
        )
        return nil
    }

    /// Inserts events in one statement; returns the highest assigned seq.
    private static func insert(_ events: [ActionEvent], conn: SQLiteConnection) async throws -> Int64? {
        guard !events.isEmpty else { return nil }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(events.count * 8)
        for event in events {
            binds += [
                SQLiteRows.uuid(event.id), SQLiteRows.uuid(event.actionID), .text(event.type.rawValue),
                SQLiteRows.json(event.meta), .text(event.actor), SQLiteRows.timestamp(event.createdAt),
                SQLiteRows.text(event.prevHash), .text(event.recordHash),
            ]
        }
        let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: events.count).joined(separator: ", ")
        let rows = try await SQLiteRunner.rows(
            conn,
            """
            INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
            VALUES \(values) RETURNING seq
            """,
            binds
        )
        var maxSeq: Int64?
        for row in rows {
            let seq = try SQLiteRows.integer(row, "seq")
            maxSeq = max(maxSeq ?? seq, seq)
        }
        return maxSeq
    }

    // MARK: transitions

    package func transition(_ id: UUID, _ change: TransitionRequest) async throws -> Action {
        let step = try await write { conn -> (ActionStateMachine.Step, Int64?) in
            guard let current = try await Self.fetchAction(id, conn: conn) else {
                throw StoreError.notFound
            }
            let step = ActionStateMachine.step(change, from: current, eventID: UUID())
            guard let written = step.change else { return (step, nil) }
            return (step, try await Self.write(written, conn: conn))
        }
        return try step.answer()
    }

    package func expireDue(now: Date, limit: Int) async throws -> [Action] {
        guard limit > 0 else { return [] }
        return try await write { conn -> ([Action], Int64?) in
            let rows = try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(SQLiteRows.actionColumns) FROM actions
                WHERE status = 'pending_approval' AND approval_expires_at <= ?
                ORDER BY approval_expires_at, id LIMIT ?
                """,
                [SQLiteRows.timestamp(now), SQLiteRows.integer(limit)]
            )
            let due = try rows.map(SQLiteRows.action)
            var expired: [Action] = []
            var maxSeq: Int64?
            for action in due {
                guard case .apply(let written) = ActionStateMachine.expire(action, now: now, eventID: UUID()) else {
                    continue
                }
                let seq = try await Self.write(written, conn: conn)
                expired.append(written.action)
                maxSeq = max(maxSeq ?? seq, seq)
            }
            return (expired, maxSeq)
        }
    }

    /// Appends the change's events and writes its row, inside the caller's write transaction;
    /// returns the newest event seq.
    private static func write(_ change: ActionChange, conn: SQLiteConnection) async throws -> Int64 {
        guard let seq = try await insert(change.events, conn: conn) else {
            throw StoreError.unavailable("event insert returned no sequence number")
        }
        let updated = change.action
        try await SQLiteRunner.execute(
            conn,
            """
            UPDATE actions SET status = ?, decision = ?, reason = ?, approval_token = ?, version = ?,
                last_event_hash = ?, updated_at = ?
            WHERE id = ?
            """,
            [
                .text(updated.status.rawValue), .text(updated.decision.rawValue), .text(updated.reason),
                SQLiteRows.text(updated.approvalToken), SQLiteRows.integer(updated.version),
                SQLiteRows.text(updated.lastEventHash), SQLiteRows.timestamp(updated.updatedAt),
                SQLiteRows.uuid(updated.id),
            ]
        )
        return seq
    }

    // MARK: reads

    package func action(id: UUID) async throws -> Action? {
        try await read { conn in try await Self.fetchAction(id, conn: conn) }
    }

    private static func fetchAction(_ id: UUID, conn: SQLiteConnection) async throws -> Action? {
        let rows = try await SQLiteRunner.rows(
            conn,
            "SELECT \(SQLiteRows.actionColumns) FROM actions WHERE id = ?",
            [SQLiteRows.uuid(id)]
        )
        return try rows.first.map(SQLiteRows.action)
    }

    package func actions(idPrefix: String, limit: Int) async throws -> [Action] {
        guard limit > 0, let range = ActionIDPrefix.textRange(idPrefix) else { return [] }
        return try await read { conn in
            let rows = try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(SQLiteRows.actionColumns) FROM actions WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?
                """,
                [.text(range.lowerBound), .text(range.upperBound), SQLiteRows.integer(limit)]
            )
            return try rows.map(SQLiteRows.action)
        }
    }

    /// A `NamePattern` glob (`*` = any run) as a case-sensitive SQLite GLOB pattern: `?` and `[`
    /// become one-character classes so they match only themselves.
    static func globPattern(_ glob: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in glob.unicodeScalars {
            switch scalar {
            case "?": out.append(contentsOf: "[?]".unicodeScalars)
            case "[": out.append(contentsOf: "[[]".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    package func list(_ query: ActionQuery) async throws -> ActionPage {
        let limit = max(1, query.limit)
        var binds: [SQLiteData] = []
        var conditions: [String] = []
        if let agentID = query.agentID {
            binds.append(.text(agentID))
            conditions.append("agent_id = ?")
        }
        if let tool = query.tool {
            binds.append(.text(tool))
            conditions.append("tool = ?")
        }
        if let status = query.status {
            binds.append(.text(status.rawValue))
            conditions.append("status = ?")
        }
        if let risk = query.riskLevel {
            binds.append(.text(risk.rawValue))
            conditions.append("risk_level = ?")
        }
        if let scope = query.agentScope, !scope.allowsEverything {
            var alternatives: [String] = []
            for name in scope.exact {
                binds.append(.text(name))
                alternatives.append("agent_id = ?")
            }
            for pattern in scope.patterns {
                binds.append(.text(Self.globPattern(pattern.pattern)))
                alternatives.append("agent_id GLOB ?")
            }
            conditions.append(alternatives.isEmpty ? "0" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        if let text = query.text {
            // LIKE is case-insensitive for ASCII letters (the default, case_sensitive_like off).
            let pattern = ActionQuery.containsPattern(text)
            binds += ActionQuery.searchedColumns.map { _ in .text(pattern) }
            conditions.append(
                "(" + ActionQuery.searchedColumns.map { "\($0) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")"
            )
        }
        if let since = query.createdSince {
            binds.append(SQLiteRows.timestamp(since))
            conditions.append("created_at >= ?")
        }
        if let until = query.createdUntil {
            binds.append(SQLiteRows.timestamp(until))
            conditions.append("created_at < ?")
        }
        if let cursor = query.cursor {
            binds += [SQLiteRows.timestamp(cursor.createdAt), SQLiteRows.uuid(cursor.id)]
            conditions.append("(created_at, id) < (?, ?)")
        }
        binds += [SQLiteRows.integer(limit), SQLiteRows.integer(max(0, query.offset))]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(SQLiteRows.actionColumns) FROM actions \(filter)
            ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?
            """
        let statementBinds = binds
        let actions = try await read { conn in
            try await SQLiteRunner.rows(conn, sql, statementBinds).map(SQLiteRows.action)
        }
        let next = actions.count == limit ? actions.last.map { ActionCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return ActionPage(actions: actions, nextCursor: next)
    }

    package func pendingApprovalCount() async throws -> Int {
        try await read { conn in
            let rows = try await SQLiteRunner.rows(
                conn,
                "SELECT count(*) AS n FROM actions WHERE status = 'pending_approval'"
            )
            return Int(try rows.first.map { try SQLiteRows.integer($0, "n") } ?? 0)
        }
    }

    package func events(actionID: UUID) async throws -> [ActionEvent] {
        try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(SQLiteRows.eventColumns) FROM action_events WHERE action_id = ? ORDER BY seq
                """,
                [SQLiteRows.uuid(actionID)]
            ).map(SQLiteRows.event)
        }
    }

    package func events(after: Int64, limit: Int) async throws -> [ActionEvent] {
        guard limit > 0 else { return [] }
        return try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(SQLiteRows.eventColumns) FROM action_events WHERE seq > ? ORDER BY seq LIMIT ?
                """,
                [SQLiteRows.integer(after), SQLiteRows.integer(limit)]
            ).map(SQLiteRows.event)
        }
    }

    // MARK: idempotency keys

    /// Deletes idempotency keys created before `cutoff` (keep at least 24 h); returns how many.
    /// The actions keep their `idempotency_key` column; only the replay window ends.
    @discardableResult
    package func purgeIdempotencyKeys(olderThan cutoff: Date) async throws -> Int {
        try await write { conn -> (Int, Int64?) in
            let rows = try await SQLiteRunner.rows(
                conn,
                "DELETE FROM idempotency_keys WHERE created_at < ? RETURNING key",
                [SQLiteRows.timestamp(cutoff)]
            )
            return (rows.count, nil)
        }
    }

    // MARK: tokens

    package func createToken(_ token: APIToken) async throws {
        try await write { conn -> (Void, Int64?) in
            // SQLite's lower() folds ASCII only: compare names with Swift's Unicode lower-casing too.
            let names = try await SQLiteRunner.rows(conn, "SELECT name FROM api_tokens").map {
                try SQLiteRows.string($0, "name")
            }
            if names.contains(where: { APIToken.sameName($0, token.name) }) {
                throw StoreError.duplicateToken(name: token.name)
            }
            do {
                try await SQLiteRunner.execute(
                    conn,
                    """
                    INSERT INTO api_tokens (id, name, role, token_hash, created_at, revoked_at, agent_ids)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        SQLiteRows.uuid(token.id), .text(token.name), .text(token.role.rawValue),
                        .text(token.tokenHash),
                        SQLiteRows.timestamp(token.createdAt), SQLiteRows.timestamp(token.revokedAt),
                        SQLiteRows.text(token.storedAgentIDs),
                    ]
                )
            } catch let error as SQLiteError where Self.isUniqueViolation(error) {
                // Name, id or secret hash already present; only the name is safe to report.
                throw StoreError.duplicateToken(name: token.name)
            }
            return ((), nil)
        }
    }

    package func token(hash: String) async throws -> APIToken? {
        try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(SQLiteRows.tokenColumns) FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL
                """,
                [.text(hash)]
            ).first.map(SQLiteRows.token)
        }
    }

    package func tokens() async throws -> [APIToken] {
        try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                "SELECT \(SQLiteRows.tokenColumns) FROM api_tokens ORDER BY created_at, name"
            )
            .map(SQLiteRows.token)
        }
    }

    /// Revokes by id or name. A token already revoked keeps its first revocation time and
    /// still counts as matched.
    package func revokeToken(idOrName: String, at: Date) async throws -> Bool {
        let id: SQLiteData = UUID(uuidString: idOrName).map(SQLiteRows.uuid) ?? .null
        return try await write { conn -> (Bool, Int64?) in
            let rows = try await SQLiteRunner.rows(
                conn,
                """
                UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ? OR id = ? RETURNING id
                """,
                [SQLiteRows.timestamp(at), .text(idOrName), id]
            )
            return (!rows.isEmpty, nil)
        }
    }

    // MARK: connections

    private enum Role { case writer, reader, checkpointer }

    /// Creates the parent directory and an empty private database file when they are missing.
    private static func prepareFile(_ path: String, on threadPool: NIOThreadPool) async throws {
        do {
            try await threadPool.runIfActive {
                let files = FileManager.default
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty, !files.fileExists(atPath: directory) {
                    try files.createDirectory(
                        atPath: directory,
                        withIntermediateDirectories: true,
                        attributes: [.posixPermissions: 0o700]
                    )
                }
                if !files.fileExists(atPath: path) {
                    // An empty file is a valid empty database; SQLite gives the -wal and -shm files its mode.
                    _ = files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                }
            }
        } catch {
            throw StoreError.unavailable("cannot create the database file \(path)")
        }
    }

    /// Opens one connection and applies the per-connection settings.
    ///
    /// synchronous=FULL: with WAL, NORMAL may lose the last commits on power loss, and an
    /// acknowledged approval or result must not disappear. The price is one WAL sync per commit.
    private static func open(
        _ storage: SQLiteConnection.Storage,
        role: Role,
        threadPool: NIOThreadPool,
        timeouts: SQLiteTimeouts,
        logger: Logger
    ) async throws -> SQLiteConnection {
        let place: String
        switch storage {
        case .memory: place = "in memory"
        case .file(let path): place = "at \(path)"
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: storage,
                threadPool: threadPool,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
        } catch let error as SQLiteError {
            throw StoreError.unavailable("cannot open the SQLite database \(place): \(describe(error.reason))")
        } catch {
            throw StoreError.unavailable("cannot open the SQLite database \(place)")
        }
        do {
            try await setBusyTimeout(timeouts.operation, on: connection)
            try await SQLiteRunner.execute(connection, "PRAGMA foreign_keys = ON")
            switch role {
            case .writer:
                if case .file = storage {
                    let mode = try await SQLiteRunner.rows(connection, "PRAGMA journal_mode = WAL")
                        .first?.column("journal_mode")?.string
                    guard mode?.lowercased() == "wal" else {
                        throw StoreError.unavailable("the SQLite database \(place) cannot use WAL mode")
                    }
                }
                try await SQLiteRunner.execute(connection, "PRAGMA synchronous = FULL")
                if case .file = storage {
                    // `SQLiteCheckpointer` checkpoints instead, off the commits.
                    try await SQLiteRunner.execute(connection, "PRAGMA wal_autocheckpoint = 0")
                }
            case .reader:
                try await SQLiteRunner.execute(connection, "PRAGMA query_only = ON")
            case .checkpointer:
                break
            }
            return connection
        } catch {
            try? await connection.close()
            if let error = error as? StoreError { throw error }
            if let error = error as? SQLiteError {
                throw StoreError.unavailable("cannot open the SQLite database \(place): \(describe(error.reason))")
            }
            throw StoreError.unavailable("cannot open the SQLite database \(place)")
        }
    }

    private static func setBusyTimeout(_ limit: Duration, on conn: SQLiteConnection) async throws {
        // Also replaces SQLiteNIO's busy handler, which retries forever.
        try await SQLiteRunner.execute(conn, "PRAGMA busy_timeout = \(SQLiteTimeouts.milliseconds(limit))")
    }

    /// The checkpointer of a file store (tests).
    var walCheckpointer: SQLiteCheckpointer? { checkpointer }

    /// A PRAGMA's value on the writer connection (tests).
    func writerPragma(_ name: String) async throws -> String? {
        try await perform { [writer] in
            try await writer.withConnection { conn in
                try await SQLiteRunner.rows(conn, "PRAGMA \(name)").first?.columns.first?.data.string
            }
        }
    }

    // MARK: plumbing

    private func bundledMigrator() throws -> SQLiteMigrator {
        if let migrator { return migrator }
        return try SQLiteMigrator.bundled()
    }

    /// Runs `body` on a read connection.
    func read<T: Sendable>(
        timeout: Duration? = nil,
        _ body: @escaping @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        try await perform(timeout: timeout) { [readers] in
            try await readers.withConnection { conn in try await body(conn) }
        }
    }

    /// Runs `body` in one write transaction on the writer connection and, once committed, rings
    /// the doorbell with the seq it returns. A transaction whose caller has given up (deadline or
    /// cancellation) rolls back instead of committing, so "unavailable" does not hide a change.
    func write<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) async throws -> (T, Int64?)
    ) async throws -> T {
        try await perform { [writer, doorbell, checkpointer, logger] in
            try await writer.withConnection { conn in
                try await SQLiteRunner.execute(conn, "BEGIN IMMEDIATE")
                let result: (T, Int64?)
                do {
                    result = try await body(conn)
                    try Task.checkCancellation()
                    try await SQLiteRunner.execute(conn, "COMMIT")
                    checkpointer?.noteCommit()
                } catch {
                    try await Self.rollback(conn, logger: logger)
                    throw error
                }
                // Rung while the writer is still held, so seqs go out in commit order.
                if let seq = result.1 { doorbell.ring(seq) }
                return result.0
            }
        }
    }

    private static func rollback(_ conn: SQLiteConnection, logger: Logger) async throws {
        do {
            try await SQLiteRunner.rollback(conn)
        } catch {
            logger.error("rollback failed", metadata: ["error": "\(String(describing: error))"])
            throw StoreError.unavailable("the database could not roll back a failed change")
        }
    }

    /// Runs one database operation through the store's `StoreCallGate` (deadline, shutdown,
    /// in-flight count, errors as `StoreError`).
    @discardableResult
    private func perform<T: Sendable>(
        timeout: Duration? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await gate.run(limit: timeout ?? timeouts.operation, mapError: mapError, operation)
    }

    /// The writer plus the read connections (one shared connection in memory).
    package var databaseUsage: DatabaseUsage {
        DatabaseUsage(
            operationsInFlight: gate.operationsInFlight,
            connectionLimit: readers === writer ? writer.size : writer.size + readers.size
        )
    }

    private func mapError(_ error: any Error) -> any Error {
        if let mapped = StoreCallGate.commonMapping(
            error,
            onTimeout: { [logger] limit in
                logger.warning("database call timed out", metadata: ["limit": "\(limit)"])
            }
        ) {
            return mapped
        }
        switch error {
        case is SQLiteConnectionPool.Closed:
            return StoreError.unavailable("the store is shut down")
        case let error as SQLiteError:
            logger.error("database error", metadata: ["reason": "\(error.reason)", "message": "\(error.message)"])
            return StoreError.unavailable(Self.describe(error.reason))
        default:
            logger.warning("database call failed", metadata: ["error": "\(String(reflecting: error))"])
            return StoreError.unavailable("the database call failed")
        }
    }

    private static func isUniqueViolation(_ error: SQLiteError) -> Bool {
        [.constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed].contains(error.reason)
    }

    /// A safe, short text for an SQLite result code (never the SQL or the values).
    static func describe(_ reason: SQLiteError.Reason) -> String {
        let name = String(describing: reason)
        if name.hasPrefix("busy") || name.hasPrefix("locked") {
            return "the database is locked by another connection; retry"
        }
        if name == "full" { return "the disk holding the database is full" }
        if name.hasPrefix("readOnly") || name.hasPrefix("readonly") || name == "permission" || name.hasPrefix("auth") {
            return "the database file is not writable"
        }
        if name.hasPrefix("corrupt") || name == "notADatabase" {
            return "the database file is damaged or not a database"
        }
        if name.hasPrefix("cantOpen") { return "the database file cannot be opened" }
        if name.hasPrefix("ioError") { return "database I/O error (\(name))" }
        return "database error (SQLite \(name))"
    }
}
