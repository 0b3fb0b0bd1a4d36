import FarameshCore
import FarameshStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL system of record.
///
/// The store does not run its `client`: `PostgresClient` is a ServiceLifecycle service, so put
/// `store.client` first in the ServiceGroup (or run `client.run()` in a task) before calling it.
/// Every call has its own deadline (`PostgresTimeouts`); when the database is down or slow the
/// call fails with `StoreError.unavailable` instead of waiting for the driver.
package final class PostgresActionStore: ActionStore {
    /// Default channel of the live-update doorbell.
    package static let defaultNotificationChannel = "faramesh_events"

    package let client: PostgresClient
    package let timeouts: PostgresTimeouts
    /// `pg_notify` channel rung after every committed state change; the payload is the newest
    /// event `seq` as text (a doorbell: listeners read the event feed). Rung after the commit,
    /// not inside the transaction: see `PostgresCommitDoorbell`.
    package let notificationChannel: String
    let commitDoorbell = PostgresCommitDoorbell()
    let logger: Logger
    private let migrator: PostgresMigrator?
    private let gate = StoreCallGate()
    /// The client's `maximumConnections`.
    package let connectionLimit: Int

    /// Uses a client created and run by the caller, configured with at most `connectionLimit`
    /// connections.
    package init(
        client: PostgresClient,
        connectionLimit: Int,
        timeouts: PostgresTimeouts = PostgresTimeouts(),
        notificationChannel: String = PostgresActionStore.defaultNotificationChannel,
        logger: Logger = Logger(label: "faramesh.store.postgres")
    ) {
        self.client = client
        self.connectionLimit = connectionLimit
        self.timeouts = timeouts
        self.notificationChannel = notificationChannel
        self.logger = logger
        self.migrator = try? PostgresMigrator.bundled()
    }

    /// Creates the client from `configuration`; run `store.client` before using the store.
    package convenience init(
        configuration: PostgresConfiguration,
        notificationChannel: String = PostgresActionStore.defaultNotificationChannel,
        logger: Logger = Logger(label: "faramesh.store.postgres")
    ) {
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        self.init(
            client: client,
            connectionLimit: configuration.poolSize,
            timeouts: configuration.timeouts,
            notificationChannel: notificationChannel,
            logger: logger
        )
    }

    // MARK: migrations and health

    package func migrate() async throws {
        let migrator = try bundledMigrator()
        let applied = try await perform(timeout: timeouts.migration) { [client, logger, timeouts] in
            try await migrator.migrate(client: client, statementTimeout: timeouts.migration, logger: logger)
        }
        if !applied.isEmpty { logger.info("migrations applied", metadata: ["versions": "\(applied)"]) }
    }

    package func migrationsCurrent() async throws -> Bool {
        let migrator = try bundledMigrator()
        return try await perform { [client, logger] in
            try await migrator.pendingVersions(client: client, logger: logger).isEmpty
        }
    }

    package func ping() async throws {
        try await perform(timeout: timeouts.ping) { [client, logger] in
            try await client.query("SELECT 1", logger: logger).drain()
        }
    }

    package func shutdown() async throws {
        gate.close()
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
        if idempotencyKey == nil {
            // The common case in one round trip (an implicit transaction).
            let statement = Self.submitStatement(row, events: events, idempotencyKey: nil)
            let seq = try await perform { [client, logger] in
                var maxSeq: Int64?
                for try await seq in try await client.query(statement, logger: logger).decode(Int64.self) {
                    maxSeq = max(maxSeq ?? seq, seq)
                }
                return maxSeq
            }
            if let seq { ringDoorbell(seq) }
            return SubmitResult(action: row, created: true)
        }
        let (result, seq) = try await perform { [client, logger] in
            try await client.withTransaction(logger: logger) { conn -> (SubmitResult, Int64?) in
                if let key = idempotencyKey,
                    let existing = try await Self.claim(
                        key: key,
                        scope: idempotencyScope,
                        for: row,
                        conn: conn,
                        logger: logger
                    )
                {
                    return (SubmitResult(action: existing, created: false), nil)
                }
                var seq: Int64?
                let statement = Self.submitStatement(row, events: events, idempotencyKey: idempotencyKey)
                for try await value in try await conn.query(statement, logger: logger).decode(Int64.self) {
                    seq = max(seq ?? value, value)
                }
                return (SubmitResult(action: row, created: true), seq)
            }
        }
        if let seq { ringDoorbell(seq) }
        return result
    }

    /// A submit as one statement: the action row, then its events. The events take their
    /// action_id from the inserted row, so the row is written (and the transaction has its id)
    /// before any event seq is drawn, as the event feed's gap resolution requires (see
    /// `PostgresActionStore+EventFeed`). Returns the events' seqs.
    static func submitStatement(_ row: Action, events: [ActionEvent], idempotencyKey: String?) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 27 + events.count * 7)
        binds.append(row.id)
        binds.append(row.request.agentID)
        binds.append(row.request.tool)
        binds.append(row.request.operation)
        binds.append(StoredJSON.string(row.request.params))
        binds.append(StoredJSON.string(row.request.context))
        binds.append(row.status.rawValue)
        binds.append(row.decision.rawValue)
        binds.append(row.outcome.rawValue)
        binds.append(row.reason)
        binds.append(row.reasonCode.rawValue)
        binds.append(row.riskLevel.rawValue)
        binds.append(row.requestHash)
        binds.append(row.policyHash)
        binds.append(row.policyVersion)
        binds.append(row.profileID)
        binds.append(row.profileVersion)
        binds.append(row.profileHash)
        binds.append(row.runtimeVersion)
        binds.append(row.provenanceID)
        binds.append(row.approvalToken)
        binds.append(row.approvalExpiresAt.map(PostgresTimestamp.init))
        binds.append(idempotencyKey)
        binds.append(PostgresTimestamp(row.createdAt))
        binds.append(PostgresTimestamp(row.updatedAt))
        binds.append(row.version)
        binds.append(row.lastEventHash)
        let actionColumns = binds.count
        let rows = Self.bindEventRows(events, includingActionID: false, to: &binds)
        let insertAction = """
            INSERT INTO actions (id, agent_id, tool, operation, params_json, context_json, status, decision,
                outcome, reason, reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id,
                profile_version, profile_hash, runtime_version, provenance_id, approval_token,
                approval_expires_at, idempotency_key, created_at, updated_at, version, last_event_hash)
            VALUES (\((1...actionColumns).map { "$\($0)" }.joined(separator: ", ")))
            """
        guard !rows.isEmpty else { return PostgresQuery(unsafeSQL: insertAction, binds: binds) }
        let sql = """
            WITH inserted AS (\(insertAction) RETURNING id)
            INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
            SELECT e.id, inserted.id, e.event_type, e.meta_json, e.actor, e.created_at, e.prev_hash, e.record_hash
            FROM inserted,
                (VALUES \(rows.joined(separator: ", "))) AS e (id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
            RETURNING seq
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Appends each event's values (id, [action_id,] event_type, meta_json, actor, created_at,
    /// prev_hash, record_hash) to `binds`; returns one `($n, …)` VALUES row per event.
    private static func bindEventRows(
        _ events: [ActionEvent],
        includingActionID: Bool,
        to binds: inout PostgresBindings
    ) -> [String] {
        events.map { event in
            let base = binds.count
            binds.append(event.id)
            if includingActionID { binds.append(event.actionID) }
            binds.append(event.type.rawValue)
            binds.append(StoredJSON.string(event.meta))
            binds.append(event.actor)
            binds.append(PostgresTimestamp(event.createdAt))
            binds.append(event.prevHash)
            binds.append(event.recordHash)
            return "(" + ((base + 1)...binds.count).map { "$\($0)" }.joined(separator: ", ") + ")"
        }
    }

    /// Claims an idempotency key for `action`. Returns nil when the key is new (claimed now), the
    /// stored action when the key was used for the same request, and throws
    /// `.idempotencyConflict` when it was used for another one. A concurrent submit with the same
    /// key blocks on the key's unique index until that transaction ends.
    private static func claim(
        key: String,
        scope: String,
        for action: Action,
        conn: PostgresConnection,
        logger: Logger
    ) async throws -> Action? {
        for _ in 0..<3 {
            let inserted = try await conn.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, action_id, created_at)
                VALUES (\(scope), \(key), \(action.requestHash), \(action.id), \(PostgresTimestamp(action.createdAt)))
                ON CONFLICT (scope, key) DO NOTHING RETURNING action_id
                """,
                logger: logger
            ).drain()
            if inserted == 1 { return nil }
            var existing: (hash: String, id: UUID)?
            for try await (hash, id) in try await conn.query(
                "SELECT request_hash, action_id FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)",
                logger: logger
            ).decode((String, UUID).self) {
                existing = (hash, id)
            }
            // Purged between the two statements: try to claim it again.
            guard let existing else { continue }
            guard existing.hash == action.requestHash else {
                throw StoreError.idempotencyConflict(existingActionID: existing.id)
            }
            guard let stored = try await fetchAction(existing.id, lock: false, conn: conn, logger: logger) else {
                throw StoreError.unavailable("idempotency key refers to a missing action")
            }
            return stored
        }
        throw StoreError.unavailable("idempotency key could not be claimed")
    }

    /// Inserts events in one statement; returns the highest assigned seq.
    /// The transaction must already have a transaction id (it wrote or locked a row first):
    /// the event feed's gap resolution relies on it (see `PostgresActionStore+EventFeed`).
    private static func insert(_ events: [ActionEvent], conn: PostgresConnection, logger: Logger) async throws -> Int64?
    {
        guard !events.isEmpty else { return nil }
        var binds = PostgresBindings(capacity: events.count * 8)
        let rows = Self.bindEventRows(events, includingActionID: true, to: &binds)
        let sql = """
            INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
            VALUES \(rows.joined(separator: ", ")) RETURNING seq
            """
        var maxSeq: Int64?
        for try await seq in try await conn.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(
            Int64.self
        ) {
            maxSeq = max(maxSeq ?? seq, seq)
        }
        return maxSeq
    }

    // MARK: transitions

    package func transition(_ id: UUID, _ change: TransitionRequest) async throws -> Action {
        let (step, seq) = try await perform { [client, logger] in
            try await client.withTransaction(logger: logger) { conn -> (ActionStateMachine.Step, Int64?) in
                guard let current = try await Self.fetchAction(id, lock: true, conn: conn, logger: logger) else {
                    throw StoreError.notFound
                }
                let step = ActionStateMachine.step(change, from: current, eventID: UUID())
                guard let written = step.change else { return (step, nil) }
                return (step, try await Self.write(written, conn: conn, logger: logger))
            }
        }
        if let seq { ringDoorbell(seq) }
        return try step.answer()
    }

    package func expireDue(now: Date, limit: Int) async throws -> [Action] {
        guard limit > 0 else { return [] }
        let (expired, maxSeq) = try await perform { [client, logger] in
            try await client.withTransaction(logger: logger) { conn -> ([Action], Int64?) in
                var due: [Action] = []
                let rows = try await conn.query(
                    """
                    SELECT \(unescaped: PostgresRows.actionColumns) FROM actions
                    WHERE status = 'pending_approval' AND approval_expires_at <= \(PostgresTimestamp(now))
                    ORDER BY approval_expires_at LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger
                )
                for try await row in rows { due.append(try PostgresRows.action(row)) }
                var expired: [Action] = []
                var maxSeq: Int64?
                for action in due {
                    guard case .apply(let written) = ActionStateMachine.expire(action, now: now, eventID: UUID()) else {
                        continue
                    }
                    let seq = try await Self.write(written, conn: conn, logger: logger)
                    expired.append(written.action)
                    maxSeq = max(maxSeq ?? seq, seq)
                }
                return (expired, maxSeq)
            }
        }
        if let maxSeq { ringDoorbell(maxSeq) }
        return expired
    }

    /// Appends the change's events and writes its row; returns the newest event seq. The caller
    /// holds the row lock and rings the doorbell after the commit.
    private static func write(_ change: ActionChange, conn: PostgresConnection, logger: Logger) async throws -> Int64 {
        guard let seq = try await insert(change.events, conn: conn, logger: logger) else {
            throw StoreError.unavailable("event insert returned no sequence number")
        }
        let updated = change.action
        try await conn.query(
            """
            UPDATE actions SET status = \(updated.status.rawValue), decision = \(updated.decision.rawValue),
                reason = \(updated.reason), approval_token = \(updated.approvalToken), version = \(updated.version),
                last_event_hash = \(updated.lastEventHash), updated_at = \(PostgresTimestamp(updated.updatedAt))
            WHERE id = \(updated.id)
            """,
            logger: logger
        ).drain()
        return seq
    }

    // MARK: reads

    package func action(id: UUID) async throws -> Action? {
        try await perform { [client, logger] in
            try await client.withConnection { conn in
                try await Self.fetchAction(id, lock: false, conn: conn, logger: logger)
            }
        }
    }

    private static func fetchAction(
        _ id: UUID,
        lock: Bool,
        conn: PostgresConnection,
        logger: Logger
    ) async throws -> Action? {
        let rows = try await conn.query(
            """
            SELECT \(unescaped: PostgresRows.actionColumns) FROM actions WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")
            """,
            logger: logger
        )
        var found: Action?
        // Always consume the rows: a lock error is only reported while iterating.
        for try await row in rows { found = try PostgresRows.action(row) }
        return found
    }

    package func actions(idPrefix: String, limit: Int) async throws -> [Action] {
        guard limit > 0, let range = ActionIDPrefix.range(idPrefix) else { return [] }
        return try await perform { [client, logger] in
            var found: [Action] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRows.actionColumns) FROM actions
                WHERE id BETWEEN \(range.lowerBound) AND \(range.upperBound) ORDER BY id LIMIT \(limit)
                """,
                logger: logger
            )
            for try await row in rows { found.append(try PostgresRows.action(row)) }
            return found
        }
    }

    package func list(_ query: ActionQuery) async throws -> ActionPage {
        let limit = max(1, query.limit)
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let agentID = query.agentID {
            binds.append(agentID)
            conditions.append("agent_id = $\(binds.count)")
        }
        if let tool = query.tool {
            binds.append(tool)
            conditions.append("tool = $\(binds.count)")
        }
        if let status = query.status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        if let risk = query.riskLevel {
            binds.append(risk.rawValue)
            conditions.append("risk_level = $\(binds.count)")
        }
        if let scope = query.agentScope, !scope.allowsEverything {
            var alternatives: [String] = []
            for name in scope.exact {
                binds.append(name)
                alternatives.append("agent_id = $\(binds.count)")
            }
            for pattern in scope.patterns {
                binds.append(Self.likePattern(pattern.pattern))
                alternatives.append("agent_id LIKE $\(binds.count) ESCAPE '\\'")
            }
            conditions.append(alternatives.isEmpty ? "FALSE" : "(" + alternatives.joined(separator: " OR ") + ")")
        }
        if let text = query.text {
            binds.append(ActionQuery.containsPattern(text))
            let index = binds.count
            let columns = ActionQuery.searchedColumns.map {
                "\($0 == "id" ? "id::text" : $0) ILIKE $\(index) ESCAPE '\\'"
            }
            conditions.append("(" + columns.joined(separator: " OR ") + ")")
        }
        if let since = query.createdSince {
            binds.append(PostgresTimestamp(since))
            conditions.append("created_at >= $\(binds.count)")
        }
        if let until = query.createdUntil {
            binds.append(PostgresTimestamp(until))
            conditions.append("created_at < $\(binds.count)")
        }
        if let cursor = query.cursor {
            binds.append(PostgresTimestamp(cursor.createdAt))
            binds.append(cursor.id)
            conditions.append("(created_at, id) < ($\(binds.count - 1), $\(binds.count))")
        }
        binds.append(limit)
        let limitIndex = binds.count
        binds.append(max(0, query.offset))
        let offsetIndex = binds.count
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(PostgresRows.actionColumns) FROM actions \(filter)
            ORDER BY created_at DESC, id DESC LIMIT $\(limitIndex) OFFSET $\(offsetIndex)
            """
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let actions = try await perform { [client, logger] in
            var page: [Action] = []
            for try await row in try await client.query(statement, logger: logger) {
                page.append(try PostgresRows.action(row))
            }
            return page
        }
        let next = actions.count == limit ? actions.last.map { ActionCursor(createdAt: $0.createdAt, id: $0.id) } : nil
        return ActionPage(actions: actions, nextCursor: next)
    }

    /// A `NamePattern` glob (`*` = any run) as a LIKE pattern: `%`, `_` and `\` escaped.
    static func likePattern(_ glob: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in glob.unicodeScalars {
            switch scalar {
            case "*": out.append("%")
            case "%", "_", "\\":
                out.append("\\")
                out.append(scalar)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    package func pendingApprovalCount() async throws -> Int {
        try await perform { [client, logger] in
            var count = 0
            for try await n in try await client.query(
                "SELECT count(*) FROM actions WHERE status = 'pending_approval'",
                logger: logger
            ).decode(Int.self) {
                count = n
            }
            return count
        }
    }

    package func events(actionID: UUID) async throws -> [ActionEvent] {
        try await perform { [client, logger] in
            var events: [ActionEvent] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRows.eventColumns) FROM action_events WHERE action_id = \(actionID) ORDER BY seq
                """,
                logger: logger
            )
            for try await row in rows { events.append(try PostgresRows.event(row)) }
            return events
        }
    }

    /// Seqs come from a sequence at insert time, so concurrent transactions can commit them out
    /// of order: a gap in the result is either a transaction still committing (bounded by the
    /// server-side `statement_timeout`) or a rolled-back insert, which stays a gap forever.
    package func events(after: Int64, limit: Int) async throws -> [ActionEvent] {
        guard limit > 0 else { return [] }
        return try await perform { [client, logger] in
            var events: [ActionEvent] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRows.eventColumns) FROM action_events WHERE seq > \(after) ORDER BY seq LIMIT \(limit)
                """,
                logger: logger
            )
            for try await row in rows { events.append(try PostgresRows.event(row)) }
            return events
        }
    }

    // MARK: idempotency keys

    /// Deletes idempotency keys created before `cutoff` (keep at least 24 h); returns how many.
    /// The actions keep their `idempotency_key` column; only the replay window ends.
    @discardableResult
    package func purgeIdempotencyKeys(olderThan cutoff: Date) async throws -> Int {
        try await perform { [client, logger] in
            try await client.query(
                "DELETE FROM idempotency_keys WHERE created_at < \(PostgresTimestamp(cutoff)) RETURNING key",
                logger: logger
            ).drain()
        }
    }

    // MARK: tokens

    package func createToken(_ token: APIToken) async throws {
        try await perform { [client, logger] in
            // The unique index on lower(name) depends on the database's locale for non-ASCII
            // letters: compare with Swift's Unicode lower-casing as well.
            var names: [String] = []
            for try await name in try await client.query("SELECT name FROM api_tokens", logger: logger).decode(
                String.self
            ) {
                names.append(name)
            }
            if names.contains(where: { APIToken.sameName($0, token.name) }) {
                throw StoreError.duplicateToken(name: token.name)
            }
            do {
                try await client.query(
                    """
                    INSERT INTO api_tokens (id, name, role, token_hash, created_at, revoked_at, agent_ids)
                    VALUES (\(token.id), \(token.name), \(token.role.rawValue), \(token.tokenHash),
                        \(PostgresTimestamp(token.createdAt)), \(token.revokedAt.map(PostgresTimestamp.init)),
                        \(token.storedAgentIDs))
                    """,
                    logger: logger
                ).drain()
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                // Name, id or secret hash already present; only the name is safe to report.
                throw StoreError.duplicateToken(name: token.name)
            }
        }
    }

    package func token(hash: String) async throws -> APIToken? {
        try await perform { [client, logger] in
            var found: APIToken?
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRows.tokenColumns) FROM api_tokens WHERE token_hash = \(hash) AND revoked_at IS NULL
                """,
                logger: logger
            )
            for try await row in rows { found = try PostgresRows.token(row) }
            return found
        }
    }

    package func tokens() async throws -> [APIToken] {
        try await perform { [client, logger] in
            var tokens: [APIToken] = []
            let rows = try await client.query(
                "SELECT \(unescaped: PostgresRows.tokenColumns) FROM api_tokens ORDER BY created_at, name",
                logger: logger
            )
            for try await row in rows { tokens.append(try PostgresRows.token(row)) }
            return tokens
        }
    }

    /// Revokes by id or name. A token already revoked keeps its first revocation time and
    /// still counts as matched.
    package func revokeToken(idOrName: String, at: Date) async throws -> Bool {
        let id = UUID(uuidString: idOrName)
        let revoked = try await perform { [client, logger] in
            try await client.query(
                """
                UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, \(PostgresTimestamp(at)))
                WHERE name = \(idOrName) OR id = \(id) RETURNING id
                """,
                logger: logger
            ).drain()
        }
        return revoked > 0
    }

    // MARK: plumbing

    private func bundledMigrator() throws -> PostgresMigrator {
        if let migrator { return migrator }
        return try PostgresMigrator.bundled()
    }

    /// Runs one database operation through the store's `StoreCallGate` (deadline, shutdown,
    /// in-flight count, errors as `StoreError`).
    @discardableResult
    func perform<T: Sendable>(
        timeout: Duration? = nil,
        abandon: Deadline.Abandon? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await gate.run(limit: timeout ?? timeouts.operation, abandon: abandon, mapError: mapError, operation)
    }

    package var databaseUsage: DatabaseUsage {
        DatabaseUsage(operationsInFlight: gate.operationsInFlight, connectionLimit: connectionLimit)
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
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError {
                return mapError(inner)
            }
            return StoreError.unavailable("the database transaction failed")
        case let error as PSQLError:
            if error.code == .server, let state = error.serverInfo?[.sqlState] {
                logger.error(
                    "database error",
                    metadata: [
                        "sqlstate": "\(state)",
                        "message": "\(error.serverInfo?[.message] ?? "")",
                    ]
                )
                switch state {
                case "57014": return StoreError.unavailable("the database cancelled a slow statement")
                case "40001", "40P01":
                    return StoreError.unavailable("the database aborted a conflicting transaction; retry")
                default: return StoreError.unavailable("database error (SQLSTATE \(state))")
                }
            }
            logger.warning("database connection failed", metadata: ["code": "\(error.code)"])
            return StoreError.unavailable("the database is unreachable")
        case is PostgresDecodingError:
            logger.error("unexpected database value", metadata: ["error": "\(String(reflecting: error))"])
            return StoreError.unavailable("the database returned an unexpected value")
        default:
            logger.warning("database call failed", metadata: ["error": "\(type(of: error))"])
            return StoreError.unavailable("the database is unreachable")
        }
    }
}
