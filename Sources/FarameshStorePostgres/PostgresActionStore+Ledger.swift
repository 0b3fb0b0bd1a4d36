import FarameshCore
import FarameshStore
import Foundation
import Logging
import PostgresNIO

/// The audit ledger over PostgreSQL.
///
/// The sealing role is a session-level advisory lock (`pg_try_advisory_lock`) held by one
/// pooled connection that the sealer keeps for as long as it has the role. Its key is derived
/// from the schema (`ledgerLockKey()`): advisory locks are database-wide, and installations in
/// different schemas of one database each need a sealer of their own. When the replica
/// dies its session dies, the server releases the lock, and another replica's next attempt gets
/// it. Every batch is one transaction on that connection that first re-checks (in `pg_locks`)
/// that this session still holds the lock and that the ledger still has the expected size: even
/// two sealers by mistake could not write a gap or a duplicate (positions, seqs and event ids
/// are also unique in the schema).
extension PostgresActionStore {
    /// The advisory lock key of the sealing role in the current schema: the first 64 bits of
    /// `md5('faramesh-ledger:' || current_schema())`.
    static let lockKeyExpression =
        "('x' || substr(md5('faramesh-ledger:' || current_schema()), 1, 16))::bit(64)::bigint"

    /// The advisory lock key the sealer of this store's schema holds (for monitoring: look it up
    /// in `pg_locks`).
    package func ledgerLockKey() async throws -> Int64 {
        try await perform { [client, logger] in
            var key: Int64 = 0
            for try await value in try await client.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.lockKeyExpression)"),
                logger: logger
            ).decode(Int64.self) {
                key = value
            }
            return key
        }
    }

    package func withLedgerSealingRole<T: Sendable>(
        _ body: @escaping @Sendable (any LedgerSealingSession) async throws -> T
    ) async throws -> T? {
        try await client.withConnection { conn -> T? in
            let acquired = try await self.perform { [logger] () -> Int64? in
                var key: Int64?
                let query = PostgresQuery(
                    unsafeSQL: """
                        SELECT k, pg_try_advisory_lock(k) FROM (SELECT \(Self.lockKeyExpression) AS k) AS lock_key
                        """
                )
                for try await (value, got) in try await conn.query(query, logger: logger).decode((Int64, Bool).self) {
                    key = got ? value : nil
                }
                return key
            }
            guard let lockKey = acquired else { return nil }
            let session = PostgresLedgerSession(store: self, connection: conn, lockKey: lockKey)
            let result: Result<T, any Error>
            do { result = .success(try await body(session)) } catch { result = .failure(error) }
            // Closing the session is the one release that cannot fail to happen: the server drops
            // the lock with it, and the pool replaces the connection.
            try? await conn.close()
            return try result.get()
        }
    }

    package func ledgerHead() async throws -> LedgerHead {
        try await perform { [client, logger] in
            let size = try await Self.ledgerSize(client, logger: logger)
            let latest = try await Self.checkpoints(client, "ORDER BY tree_size DESC LIMIT 1", logger: logger).first
            return LedgerHead(size: size, latestCheckpoint: latest)
        }
    }

    package func ledgerEntries(from position: Int64, limit: Int) async throws -> [LedgerEntry] {
        guard limit > 0 else { return [] }
        return try await perform { [client, logger] in
            try await Self.entries(
                client,
                """
                SELECT \(unescaped: Self.entryColumns) FROM \(unescaped: Self.entryJoin)
                WHERE l.position >= \(position) ORDER BY l.position LIMIT \(limit)
                """,
                logger: logger
            )
        }
    }

    package func ledgerEntries(actionID: UUID) async throws -> [LedgerEntry] {
        try await perform { [client, logger] in
            try await Self.entries(
                client,
                """
                SELECT \(unescaped: Self.entryColumns) FROM \(unescaped: Self.entryJoin)
                WHERE l.action_id = \(actionID) ORDER BY l.position
                """,
                logger: logger
            )
        }
    }

    package func ledgerEntry(eventID: UUID) async throws -> LedgerEntry? {
        try await perform { [client, logger] in
            try await Self.entries(
                client,
                """
                SELECT \(unescaped: Self.entryColumns) FROM \(unescaped: Self.entryJoin) WHERE l.event_id = \(eventID)
                """,
                logger: logger
            ).first
        }
    }

    package func ledgerNodes(_ nodes: Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash] {
        guard !nodes.isEmpty else { return [:] }
        return try await perform { [client, logger] in
            try await Self.nodes(client, nodes, logger: logger)
        }
    }

    package func ledgerCheckpoints(from treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        guard limit > 0 else { return [] }
        return try await perform { [client, logger] in
            try await Self.checkpoints(
                client,
                "WHERE tree_size >= \(treeSize) ORDER BY tree_size LIMIT \(limit)",
                logger: logger
            )
        }
    }

    package func ledgerCheckpoints(upTo treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        guard limit > 0 else { return [] }
        return try await perform { [client, logger] in
            try await Self.checkpoints(
                client,
                "WHERE tree_size <= \(treeSize) ORDER BY tree_size DESC LIMIT \(limit)",
                logger: logger
            )
        }
    }

    package func ledgerKeys() async throws -> [LedgerKeyRecord] {
        try await perform { [client, logger] in
            var keys: [LedgerKeyRecord] = []
            let rows = try await client.query(
                "SELECT public_key, first_used_at FROM ledger_keys ORDER BY first_used_at, key_id",
                logger: logger
            )
            for try await (text, at) in rows.decode((String, PostgresTimestamp).self) {
                guard let key = try? LedgerPublicKey(text: text) else {
                    throw StoreError.unavailable("unreadable ledger data: a stored public key")
                }
                keys.append(LedgerKeyRecord(key: key, firstUsedAt: at.date))
            }
            return keys
        }
    }

    package func unsealedEvents(limit: Int) async throws -> [ActionEvent] {
        guard limit > 0 else { return [] }
        return try await perform { [client, logger] in
            var events: [ActionEvent] = []
            let rows = try await client.query(
                """
                SELECT \(unescaped: PostgresRows.eventColumns) FROM action_events e
                WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq) ORDER BY e.seq LIMIT \(limit)
                """,
                logger: logger
            )
            for try await row in rows { events.append(try PostgresRows.event(row)) }
            return events
        }
    }

    package func ledgerPosition(sealedAtOrAfter date: Date) async throws -> Int64? {
        try await perform { [client, logger] in
            var position: Int64?
            for try await value in try await client.query(
                "SELECT min(position) FROM ledger WHERE sealed_at >= \(PostgresTimestamp(date))",
                logger: logger
            ).decode(Int64?.self) {
                position = value
            }
            return position
        }
    }

    // MARK: shared queries (pool or the sealer's connection)

    static let entryColumns = """
        l.position, l.event_seq, l.event_id, l.action_id AS l_action_id, l.event_type AS l_event_type, \
        l.actor AS l_actor, l.record_hash AS l_record_hash, \
        l.request_commitment, l.leaf_hash, l.chain_hash, l.nodes, l.sealed_at, \
        e.seq, e.id AS e_id, e.action_id, e.event_type, e.meta_json, e.actor, e.created_at, e.prev_hash, e.record_hash, \
        a.agent_id, a.tool, a.operation, a.params_json, a.context_json
        """

    static let entryJoin = """
        ledger l LEFT JOIN action_events e ON e.id = l.event_id \
        LEFT JOIN actions a ON e.event_type = 'created' AND a.id = e.action_id
        """

    static let candidateColumns = """
        e.seq, e.id, e.action_id, e.event_type, e.actor, e.record_hash, e.created_at, \
        a.agent_id, a.tool, a.operation, a.params_json, a.context_json
        """

    static func ledgerSize(_ db: some PostgresQueryRunner, logger: Logger) async throws -> Int64 {
        var size: Int64 = 0
        for try await value in try await db.run(
            "SELECT coalesce(max(position) + 1, 0)::bigint FROM ledger",
            logger: logger
        ).decode(Int64.self) {
            size = value
        }
        return size
    }

    static func entries(
        _ db: some PostgresQueryRunner,
        _ query: PostgresQuery,
        logger: Logger
    ) async throws -> [LedgerEntry] {
        var entries: [LedgerEntry] = []
        for try await row in try await db.run(query, logger: logger) {
            let r = row.makeRandomAccess()
            let record = try Self.record(r)
            var event: ActionEvent?
            if try r["e_id"].decode(UUID?.self) != nil {
                event = ActionEvent(
                    id: try r["e_id"].decode(UUID.self),
                    actionID: try r["action_id"].decode(UUID.self),
                    type: try Self.eventType(r["event_type"]),
                    meta: try Self.json(r["meta_json"]),
                    actor: try r["actor"].decode(String.self),
                    createdAt: try r["created_at"].decode(PostgresTimestamp.self).date,
                    prevHash: try r["prev_hash"].decode(String?.self),
                    recordHash: try r["record_hash"].decode(String.self),
                    seq: try r["seq"].decode(Int64.self)
                )
            }
            entries.append(LedgerEntry(record: record, event: event, request: try Self.request(r)))
        }
        return entries
    }

    static func record(_ r: PostgresRandomAccessRow) throws -> LedgerRecord {
        guard let leaf = LedgerHash(hex: try r["leaf_hash"].decode(String.self)),
            let chain = LedgerHash(hex: try r["chain_hash"].decode(String.self)),
            let nodes = LedgerRecord.nodes(hex: try r["nodes"].decode(String.self))
        else {
            throw StoreError.unavailable("unreadable ledger data: a ledger row's hashes are not hex")
        }
        return LedgerRecord(
            position: try r["position"].decode(Int64.self),
            seq: try r["event_seq"].decode(Int64.self),
            eventID: try r["event_id"].decode(UUID.self),
            actionID: try r["l_action_id"].decode(UUID.self),
            eventType: try r["l_event_type"].decode(String.self),
            actor: try r["l_actor"].decode(String.self),
            recordHash: try r["l_record_hash"].decode(String.self),
            requestCommitment: try r["request_commitment"].decode(String?.self),
            leafHash: leaf,
            chainHash: chain,
            nodes: nodes,
            sealedAt: try r["sealed_at"].decode(PostgresTimestamp.self).date
        )
    }

    /// The request of a `created` event's action (the join yields nulls otherwise).
    static func request(_ r: PostgresRandomAccessRow) throws -> ActionRequest? {
        guard let agent = try r["agent_id"].decode(String?.self) else { return nil }
        return ActionRequest(
            agentID: agent,
            tool: try r["tool"].decode(String.self),
            operation: try r["operation"].decode(String.self),
            params: try json(r["params_json"]),
            context: try json(r["context_json"])
        )
    }

    static func candidates(
        _ db: some PostgresQueryRunner,
        _ query: PostgresQuery,
        logger: Logger
    ) async throws -> [LedgerCandidate] {
        var out: [LedgerCandidate] = []
        for try await row in try await db.run(query, logger: logger) {
            let r = row.makeRandomAccess()
            out.append(
                LedgerCandidate(
                    seq: try r["seq"].decode(Int64.self),
                    eventID: try r["id"].decode(UUID.self),
                    actionID: try r["action_id"].decode(UUID.self),
                    eventType: try r["event_type"].decode(String.self),
                    actor: try r["actor"].decode(String.self),
                    recordHash: try r["record_hash"].decode(String.self),
                    request: try request(r),
                    createdAt: try r["created_at"].decode(PostgresTimestamp.self).date
                )
            )
        }
        return out
    }

    static func nodes(
        _ db: some PostgresQueryRunner,
        _ nodes: Set<MerkleNode>,
        logger: Logger
    ) async throws -> [MerkleNode: LedgerHash] {
        let positions = Array(Set(nodes.map(\.lastLeaf))).sorted()
        var rows: [Int64: (leaf: LedgerHash, nodes: [LedgerHash])] = [:]
        for chunk in stride(from: 0, to: positions.count, by: 1000) {
            let slice = Array(positions[chunk..<min(chunk + 1000, positions.count)])
            for try await (position, leafText, nodesText) in try await db.run(
                "SELECT position, leaf_hash, nodes FROM ledger WHERE position = ANY(\(slice))",
                logger: logger
            ).decode((Int64, String, String).self) {
                guard let leaf = LedgerHash(hex: leafText), let stored = LedgerRecord.nodes(hex: nodesText) else {
                    throw StoreError.unavailable("unreadable ledger data: a ledger row's hashes are not hex")
                }
                rows[position] = (leaf, stored)
            }
        }
        return MerkleNode.stored(nodes, rows: rows)
    }

    static func checkpoints(
        _ db: some PostgresQueryRunner,
        _ tail: String,
        logger: Logger
    ) async throws -> [LedgerCheckpoint] {
        var out: [LedgerCheckpoint] = []
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT tree_size, root_hash, chain_hash, signed_at, key_id, signature FROM ledger_checkpoints \(tail)
                """
        )
        for try await (size, root, chain, at, keyID, signature) in try await db.run(query, logger: logger)
            .decode((Int64, String, String, PostgresTimestamp, String, String).self)
        {
            guard let rootHash = LedgerHash(hex: root), let chainHash = LedgerHash(hex: chain),
                let signatureBytes = Data(base64Encoded: signature)
            else {
                throw StoreError.unavailable("unreadable ledger data: checkpoint \(size)")
            }
            out.append(
                LedgerCheckpoint(
                    treeSize: size,
                    rootHash: rootHash,
                    chainHash: chainHash,
                    signedAt: at.date,
                    keyID: keyID,
                    signature: Array(signatureBytes)
                )
            )
        }
        return out
    }

    private static func json(_ cell: PostgresCell) throws -> JSONValue {
        do {
            return try StoredJSON.parse(try cell.decode(String.self))
        } catch let error as JSONParseError {
            _ = error
            throw StoreError.unavailable("stored \(cell.columnName) is not valid JSON")
        }
    }

    private static func eventType(_ cell: PostgresCell) throws -> ActionEventType {
        guard let type = ActionEventType(rawValue: try cell.decode(String.self)) else {
            throw StoreError.unavailable("stored event_type has an unknown value")
        }
        return type
    }
}

/// The statements the store runs on either the pool or one leased connection.
protocol PostgresQueryRunner: Sendable {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
}

extension PostgresClient: PostgresQueryRunner {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

extension PostgresConnection: PostgresQueryRunner {
    func run(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await self.query(query, logger: logger)
    }
}

/// The sealer's view of the store while it holds the advisory lock on `connection`.
struct PostgresLedgerSession: LedgerSealingSession {
    let store: PostgresActionStore
    let connection: PostgresConnection
    let lockKey: Int64

    let closing: ConnectionCloseWatch

    init(store: PostgresActionStore, connection: PostgresConnection, lockKey: Int64) {
        self.store = store
        self.connection = connection
        self.lockKey = lockKey
        closing = ConnectionCloseWatch(connection)
    }

    /// Runs a call on the session's connection, ending it as soon as the connection closes.
    /// PostgresNIO never answers a query written to a channel that has just closed, so a
    /// session the server terminated (a killed backend, a failover) would otherwise hold the
    /// sealer until the call's timeout (30 s, seen in `LedgerSealerTests.failover`).
    private func perform<T: Sendable>(_ call: @escaping @Sendable () async throws -> T) async throws -> T {
        try await store.perform(
            abandon: Deadline.Abandon(
                error: StoreError.unavailable("the database closed the sealing session"),
                watch: closing.watch
            ),
            call
        )
    }

    private var lockHalves: (Int64, Int64) {
        let key = UInt64(bitPattern: lockKey)
        return (Int64(key >> 32), Int64(key & 0xFFFF_FFFF))
    }

    func state() async throws -> LedgerSealState {
        try await perform { [connection, logger = store.logger] in
            try await LedgerSealState.read(
                size: try await PostgresActionStore.ledgerSize(connection, logger: logger),
                last: { position in
                    var last = (LedgerChain.genesis, Int64(0))
                    for try await (text, seq) in try await connection.query(
                        """
                        SELECT chain_hash, (SELECT max(event_seq) FROM ledger) FROM ledger WHERE position = \(position)
                        """,
                        logger: logger
                    ).decode((String, Int64).self) {
                        guard let hash = LedgerHash(hex: text) else {
                            throw StoreError.unavailable("unreadable ledger data: chain hash at \(position)")
                        }
                        last = (hash, seq)
                    }
                    return last
                },
                nodes: { try await PostgresActionStore.nodes(connection, $0, logger: logger) },
                latestCheckpoint: {
                    try await PostgresActionStore.checkpoints(
                        connection,
                        "ORDER BY tree_size DESC LIMIT 1",
                        logger: logger
                    ).first
                }
            )
        }
    }

    func candidates(afterSeq: Int64, holes: [Int64], limit: Int) async throws -> [LedgerCandidate] {
        try await perform { [connection, logger = store.logger] in
            // Two index range reads instead of one OR that would scan the table.
            try await PostgresActionStore.candidates(
                connection,
                """
                SELECT \(unescaped: PostgresActionStore.candidateColumns)
                FROM action_events e LEFT JOIN actions a ON e.event_type = 'created' AND a.id = e.action_id
                WHERE e.seq IN (
                    (SELECT seq FROM action_events WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(limit))
                    UNION ALL SELECT unnest(\(holes)::bigint[]))
                  AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq)
                ORDER BY e.seq LIMIT \(limit)
                """,
                logger: logger
            )
        }
    }

    func unsealedCandidates(afterSeq: Int64, throughSeq: Int64, limit: Int) async throws -> [LedgerCandidate] {
        try await perform { [connection, logger = store.logger] in
            try await PostgresActionStore.candidates(
                connection,
                """
                SELECT \(unescaped: PostgresActionStore.candidateColumns)
                FROM action_events e LEFT JOIN actions a ON e.event_type = 'created' AND a.id = e.action_id
                WHERE e.seq > \(afterSeq) AND e.seq <= \(throughSeq)
                  AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq)
                ORDER BY e.seq LIMIT \(limit)
                """,
                logger: logger
            )
        }
    }

    func sealedSeqs(afterSeq: Int64) async throws -> [Int64] {
        try await perform { [connection, logger = store.logger] in
            var seqs: [Int64] = []
            for try await seq in try await connection.query(
                "SELECT event_seq FROM ledger WHERE event_seq > \(afterSeq) ORDER BY event_seq",
                logger: logger
            ).decode(Int64.self) {
                seqs.append(seq)
            }
            return seqs
        }
    }

    func append(_ rows: [LedgerRecord], checkpoint: LedgerCheckpoint?, expectedSize: Int64) async throws {
        guard !rows.isEmpty || checkpoint != nil else { return }
        let (high, low) = lockHalves
        let outcome = try await perform { [connection, logger = store.logger] () -> LedgerStoreError? in
            do {
                return try await connection.withTransaction(logger: logger) { conn -> LedgerStoreError? in
                    var holds = false
                    for try await flag in try await conn.query(
                        """
                        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                            AND classid = \(high) AND objid = \(low) AND objsubid = 1 AND granted)
                        """,
                        logger: logger
                    ).decode(Bool.self) {
                        holds = flag
                    }
                    guard holds else {
                        throw LedgerStoreError.conflict("this session no longer holds the sealing lock")
                    }
                    let size = try await PostgresActionStore.ledgerSize(conn, logger: logger)
                    guard size == expectedSize else {
                        throw LedgerStoreError.conflict("the ledger has \(size) positions, expected \(expectedSize)")
                    }
                    for chunk in stride(from: 0, to: rows.count, by: 500) {
                        try await Self.insert(
                            Array(rows[chunk..<min(chunk + 500, rows.count)]),
                            conn: conn,
                            logger: logger
                        )
                    }
                    if let c = checkpoint {
                        try await conn.query(
                            """
                            INSERT INTO ledger_checkpoints (tree_size, root_hash, chain_hash, signed_at, key_id, signature)
                            VALUES (\(c.treeSize), \(c.rootHash.hex), \(c.chainHash.hex), \(PostgresTimestamp(c.signedAt)),
                                \(c.keyID), \(c.signatureBase64))
                            """,
                            logger: logger
                        ).drain()
                    }
                    return nil
                }
            } catch let error as PostgresTransactionError {
                if let conflict = error.closureError as? LedgerStoreError { return conflict }
                let inner = error.closureError ?? error.commitError
                if let psql = inner as? PSQLError, psql.serverInfo?[.sqlState] == "23505" {
                    return .conflict("a position, seq or checkpoint is already sealed")
                }
                throw error
            }
        }
        if let outcome { throw outcome }
    }

    private static func insert(_ rows: [LedgerRecord], conn: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        var binds = PostgresBindings(capacity: rows.count * 12)
        var values: [String] = []
        for row in rows {
            let base = binds.count
            binds.append(row.position)
            binds.append(row.seq)
            binds.append(row.eventID)
            binds.append(row.actionID)
            binds.append(row.eventType)
            binds.append(row.actor)
            binds.append(row.recordHash)
            binds.append(row.requestCommitment)
            binds.append(row.leafHash.hex)
            binds.append(row.chainHash.hex)
            binds.append(row.nodesHex)
            binds.append(PostgresTimestamp(row.sealedAt))
            values.append("(" + (1...12).map { "$\(base + $0)" }.joined(separator: ", ") + ")")
        }
        let sql = """
            INSERT INTO ledger (position, event_seq, event_id, action_id, event_type, actor, record_hash,
                request_commitment, leaf_hash, chain_hash, nodes, sealed_at)
            VALUES \(values.joined(separator: ", "))
            """
        try await conn.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).drain()
    }

    func registerKey(_ key: LedgerPublicKey, at date: Date) async throws {
        try await perform { [connection, logger = store.logger] in
            try await connection.query(
                """
                INSERT INTO ledger_keys (key_id, algorithm, public_key, first_used_at)
                VALUES (\(key.keyID), 'ed25519', \(key.base64), \(PostgresTimestamp(date)))
                ON CONFLICT (key_id) DO NOTHING
                """,
                logger: logger
            ).drain()
        }
    }
}
