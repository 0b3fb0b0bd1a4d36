import FarameshCore
import FarameshStore
import Foundation
import SQLiteNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The audit ledger over SQLite.
///
/// The sealing role is an exclusive `flock` on `<database>.sealer.lock` (an in-process flag for
/// an in-memory store): one sealer per database file, also across processes, released by the
/// kernel when the process dies. Each batch is one `BEGIN IMMEDIATE` transaction on the single
/// writer that first checks the ledger still has the expected size. SQLite commits in seq order,
/// so there are no late commits to wait for; the sealer's code path is the same as PostgreSQL's.
extension SQLiteActionStore {
    /// Paths (or in-memory store ids) whose sealing role is held in this process.
    private static let sealingHolders = Mutex<Set<String>>([])

    package func withLedgerSealingRole<T: Sendable>(
        _ body: @escaping @Sendable (any LedgerSealingSession) async throws -> T
    ) async throws -> T? {
        let holder = path ?? "memory:\(ObjectIdentifier(self))"
        guard Self.sealingHolders.withLock({ $0.insert(holder).inserted }) else { return nil }
        defer { _ = Self.sealingHolders.withLock { $0.remove(holder) } }
        var descriptor: Int32 = -1
        if let path {
            descriptor = open(path + ".sealer.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw StoreError.unavailable("cannot open the ledger sealer lock file") }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                return nil
            }
        }
        defer { if descriptor >= 0 { close(descriptor) } }
        return try await body(SQLiteLedgerSession(store: self))
    }

    package func ledgerHead() async throws -> LedgerHead {
        try await read { conn in
            LedgerHead(
                size: try await Self.ledgerSize(conn),
                latestCheckpoint: try await Self.checkpoints(conn, "ORDER BY tree_size DESC LIMIT 1").first
            )
        }
    }

    package func ledgerEntries(from position: Int64, limit: Int) async throws -> [LedgerEntry] {
        guard limit > 0 else { return [] }
        return try await read { conn in
            try await Self.entries(
                conn,
                "WHERE l.position >= ? ORDER BY l.position LIMIT ?",
                [SQLiteRows.integer(position), SQLiteRows.integer(limit)]
            )
        }
    }

    package func ledgerEntries(actionID: UUID) async throws -> [LedgerEntry] {
        try await read { conn in
            try await Self.entries(conn, "WHERE l.action_id = ? ORDER BY l.position", [SQLiteRows.uuid(actionID)])
        }
    }

    package func ledgerEntry(eventID: UUID) async throws -> LedgerEntry? {
        try await read { conn in
            try await Self.entries(conn, "WHERE l.event_id = ?", [SQLiteRows.uuid(eventID)]).first
        }
    }

    package func ledgerNodes(_ nodes: Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash] {
        guard !nodes.isEmpty else { return [:] }
        return try await read { conn in try await Self.nodes(conn, nodes) }
    }

    package func ledgerCheckpoints(from treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        guard limit > 0 else { return [] }
        return try await read { conn in
            try await Self.checkpoints(
                conn,
                "WHERE tree_size >= ? ORDER BY tree_size LIMIT ?",
                [SQLiteRows.integer(treeSize), SQLiteRows.integer(limit)]
            )
        }
    }

    package func ledgerCheckpoints(upTo treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        guard limit > 0 else { return [] }
        return try await read { conn in
            try await Self.checkpoints(
                conn,
                "WHERE tree_size <= ? ORDER BY tree_size DESC LIMIT ?",
                [SQLiteRows.integer(treeSize), SQLiteRows.integer(limit)]
            )
        }
    }

    package func ledgerKeys() async throws -> [LedgerKeyRecord] {
        try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                "SELECT public_key, first_used_at FROM ledger_keys ORDER BY first_used_at, key_id"
            )
            .map { row in
                guard let key = try? LedgerPublicKey(text: try SQLiteRows.string(row, "public_key")) else {
                    throw StoreError.unavailable("unreadable ledger data: a stored public key")
                }
                return LedgerKeyRecord(
                    key: key,
                    firstUsedAt: WireTimestamp.date(microseconds: try SQLiteRows.integer(row, "first_used_at"))
                )
            }
        }
    }

    package func unsealedEvents(limit: Int) async throws -> [ActionEvent] {
        guard limit > 0 else { return [] }
        return try await read { conn in
            try await SQLiteRunner.rows(
                conn,
                """
                SELECT \(Self.eventColumnsAliased) FROM action_events e
                WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq) ORDER BY e.seq LIMIT ?
                """,
                [SQLiteRows.integer(limit)]
            ).map(SQLiteRows.event)
        }
    }

    package func ledgerPosition(sealedAtOrAfter date: Date) async throws -> Int64? {
        try await read { conn in
            let rows = try await SQLiteRunner.rows(
                conn,
                "SELECT min(position) AS p FROM ledger WHERE sealed_at >= ?",
                [SQLiteRows.timestamp(date)]
            )
            guard case .integer(let p)? = rows.first?.column("p") else { return nil }
            return Int64(p)
        }
    }

    // MARK: shared queries

    static let eventColumnsAliased = """
        e.seq AS seq, e.id AS id, e.action_id AS action_id, e.event_type AS event_type, e.meta_json AS meta_json, \
        e.actor AS actor, e.created_at AS created_at, e.prev_hash AS prev_hash, e.record_hash AS record_hash
        """

    static let requestColumnsAliased = """
        a.agent_id AS agent_id, a.tool AS tool, a.operation AS operation, a.params_json AS params_json, \
        a.context_json AS context_json
        """

    static func ledgerSize(_ conn: SQLiteConnection) async throws -> Int64 {
        let rows = try await SQLiteRunner.rows(conn, "SELECT coalesce(max(position) + 1, 0) AS n FROM ledger")
        return try rows.first.map { try SQLiteRows.integer($0, "n") } ?? 0
    }

    static func entries(_ conn: SQLiteConnection, _ tail: String, _ binds: [SQLiteData]) async throws -> [LedgerEntry] {
        let rows = try await SQLiteRunner.rows(
            conn,
            """
            SELECT l.position AS position, l.event_seq AS event_seq, l.event_id AS event_id, l.action_id AS l_action_id,
                l.event_type AS l_event_type, l.actor AS l_actor, l.record_hash AS l_record_hash, l.request_commitment AS request_commitment, l.leaf_hash AS leaf_hash,
                l.chain_hash AS chain_hash, l.nodes AS nodes, l.sealed_at AS sealed_at,
                \(eventColumnsAliased), \(requestColumnsAliased)
            FROM ledger l LEFT JOIN action_events e ON e.id = l.event_id
            LEFT JOIN actions a ON e.event_type = 'created' AND a.id = e.action_id
            \(tail)
            """,
            binds
        )
        return try rows.map { row in
            let event: ActionEvent? = row.column("id") == .null ? nil : try SQLiteRows.event(row)
            return LedgerEntry(record: try record(row), event: event, request: try request(row))
        }
    }

    static func record(_ row: SQLiteRow) throws -> LedgerRecord {
        guard let leaf = LedgerHash(hex: try SQLiteRows.string(row, "leaf_hash")),
            let chain = LedgerHash(hex: try SQLiteRows.string(row, "chain_hash")),
            let nodes = LedgerRecord.nodes(hex: try SQLiteRows.string(row, "nodes")),
            let eventID = UUID(uuidString: try SQLiteRows.string(row, "event_id")),
            let actionID = UUID(uuidString: try SQLiteRows.string(row, "l_action_id"))
        else {
            throw StoreError.unavailable("unreadable ledger data: a ledger row's hashes or ids")
        }
        return LedgerRecord(
            position: try SQLiteRows.integer(row, "position"),
            seq: try SQLiteRows.integer(row, "event_seq"),
            eventID: eventID,
            actionID: actionID,
            eventType: try SQLiteRows.string(row, "l_event_type"),
            actor: try SQLiteRows.string(row, "l_actor"),
            recordHash: try SQLiteRows.string(row, "l_record_hash"),
            requestCommitment: try SQLiteRows.optionalString(row, "request_commitment"),
            leafHash: leaf,
            chainHash: chain,
            nodes: nodes,
            sealedAt: WireTimestamp.date(microseconds: try SQLiteRows.integer(row, "sealed_at"))
        )
    }

    static func request(_ row: SQLiteRow) throws -> ActionRequest? {
        guard let agent = try SQLiteRows.optionalString(row, "agent_id") else { return nil }
        func json(_ column: String) throws -> JSONValue {
            do { return try StoredJSON.parse(try SQLiteRows.string(row, column)) } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.unavailable("stored \(column) is not valid JSON")
            }
        }
        return ActionRequest(
            agentID: agent,
            tool: try SQLiteRows.string(row, "tool"),
            operation: try SQLiteRows.string(row, "operation"),
            params: try json("params_json"),
            context: try json("context_json")
        )
    }

    static func candidates(
        _ conn: SQLiteConnection,
        _ filter: String,
        _ binds: [SQLiteData]
    ) async throws -> [LedgerCandidate] {
        let rows = try await SQLiteRunner.rows(
            conn,
            """
            SELECT e.seq AS seq, e.id AS id, e.action_id AS action_id, e.event_type AS event_type, e.actor AS actor,
                e.record_hash AS record_hash, e.created_at AS created_at, \(requestColumnsAliased)
            FROM action_events e LEFT JOIN actions a ON e.event_type = 'created' AND a.id = e.action_id
            \(filter)
            """,
            binds
        )
        return try rows.map { row in
            guard let id = UUID(uuidString: try SQLiteRows.string(row, "id")),
                let actionID = UUID(uuidString: try SQLiteRows.string(row, "action_id"))
            else {
                throw StoreError.unavailable("the database returned an unexpected value for an event id")
            }
            return LedgerCandidate(
                seq: try SQLiteRows.integer(row, "seq"),
                eventID: id,
                actionID: actionID,
                eventType: try SQLiteRows.string(row, "event_type"),
                actor: try SQLiteRows.string(row, "actor"),
                recordHash: try SQLiteRows.string(row, "record_hash"),
                request: try request(row),
                createdAt: WireTimestamp.date(microseconds: try SQLiteRows.integer(row, "created_at"))
            )
        }
    }

    static func nodes(_ conn: SQLiteConnection, _ nodes: Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash] {
        let positions = Array(Set(nodes.map(\.lastLeaf))).sorted()
        var rows: [Int64: (leaf: LedgerHash, nodes: [LedgerHash])] = [:]
        for chunk in stride(from: 0, to: positions.count, by: 500) {
            let slice = positions[chunk..<min(chunk + 500, positions.count)]
            let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ", ")
            for row in try await SQLiteRunner.rows(
                conn,
                "SELECT position, leaf_hash, nodes FROM ledger WHERE position IN (\(placeholders))",
                slice.map { SQLiteRows.integer($0) }
            ) {
                guard let leaf = LedgerHash(hex: try SQLiteRows.string(row, "leaf_hash")),
                    let stored = LedgerRecord.nodes(hex: try SQLiteRows.string(row, "nodes"))
                else {
                    throw StoreError.unavailable("unreadable ledger data: a ledger row's hashes")
                }
                rows[try SQLiteRows.integer(row, "position")] = (leaf, stored)
            }
        }
        return MerkleNode.stored(nodes, rows: rows)
    }

    static func checkpoints(
        _ conn: SQLiteConnection,
        _ tail: String,
        _ binds: [SQLiteData] = []
    ) async throws -> [LedgerCheckpoint] {
        try await SQLiteRunner.rows(
            conn,
            """
            SELECT tree_size, root_hash, chain_hash, signed_at, key_id, signature FROM ledger_checkpoints \(tail)
            """,
            binds
        ).map { row in
            guard let root = LedgerHash(hex: try SQLiteRows.string(row, "root_hash")),
                let chain = LedgerHash(hex: try SQLiteRows.string(row, "chain_hash")),
                let signature = Data(base64Encoded: try SQLiteRows.string(row, "signature"))
            else {
                throw StoreError.unavailable("unreadable ledger data: a checkpoint")
            }
            return LedgerCheckpoint(
                treeSize: try SQLiteRows.integer(row, "tree_size"),
                rootHash: root,
                chainHash: chain,
                signedAt: WireTimestamp.date(microseconds: try SQLiteRows.integer(row, "signed_at")),
                keyID: try SQLiteRows.string(row, "key_id"),
                signature: Array(signature)
            )
        }
    }
}

/// The sealer's view of an SQLite store while it holds the role.
struct SQLiteLedgerSession: LedgerSealingSession {
    let store: SQLiteActionStore

    func state() async throws -> LedgerSealState {
        try await store.read { conn in
            try await LedgerSealState.read(
                size: try await SQLiteActionStore.ledgerSize(conn),
                last: { position in
                    let rows = try await SQLiteRunner.rows(
                        conn,
                        """
                        SELECT chain_hash, (SELECT max(event_seq) FROM ledger) AS max_seq FROM ledger WHERE position = ?
                        """,
                        [SQLiteRows.integer(position)]
                    )
                    guard let row = rows.first, let hash = LedgerHash(hex: try SQLiteRows.string(row, "chain_hash"))
                    else {
                        throw StoreError.unavailable("unreadable ledger data: the last chain hash")
                    }
                    return (hash, try SQLiteRows.integer(row, "max_seq"))
                },
                nodes: { try await SQLiteActionStore.nodes(conn, $0) },
                latestCheckpoint: {
                    try await SQLiteActionStore.checkpoints(conn, "ORDER BY tree_size DESC LIMIT 1").first
                }
            )
        }
    }

    func candidates(afterSeq: Int64, holes: [Int64], limit: Int) async throws -> [LedgerCandidate] {
        let holes = Array(holes.prefix(500))
        let holeFilter =
            holes.isEmpty
            ? "" : " OR e.seq IN (" + Array(repeating: "?", count: holes.count).joined(separator: ", ") + ")"
        let binds = [SQLiteRows.integer(afterSeq)] + holes.map { SQLiteRows.integer($0) } + [SQLiteRows.integer(limit)]
        return try await store.read { conn in
            try await SQLiteActionStore.candidates(
                conn,
                """
                WHERE (e.seq > ?\(holeFilter)) AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq)
                ORDER BY e.seq LIMIT ?
                """,
                binds
            )
        }
    }

    func unsealedCandidates(afterSeq: Int64, throughSeq: Int64, limit: Int) async throws -> [LedgerCandidate] {
        try await store.read { conn in
            try await SQLiteActionStore.candidates(
                conn,
                """
                WHERE e.seq > ? AND e.seq <= ? AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.event_seq = e.seq)
                ORDER BY e.seq LIMIT ?
                """,
                [SQLiteRows.integer(afterSeq), SQLiteRows.integer(throughSeq), SQLiteRows.integer(limit)]
            )
        }
    }

    func sealedSeqs(afterSeq: Int64) async throws -> [Int64] {
        try await store.read { conn in
            try await SQLiteRunner.rows(
                conn,
                "SELECT event_seq FROM ledger WHERE event_seq > ? ORDER BY event_seq",
                [SQLiteRows.integer(afterSeq)]
            ).map { try SQLiteRows.integer($0, "event_seq") }
        }
    }

    func append(_ rows: [LedgerRecord], checkpoint: LedgerCheckpoint?, expectedSize: Int64) async throws {
        guard !rows.isEmpty || checkpoint != nil else { return }
        // A conflict is returned, not thrown, so that it reaches the caller as itself.
        let conflict = try await store.write { conn -> (LedgerStoreError?, Int64?) in
            let size = try await SQLiteActionStore.ledgerSize(conn)
            guard size == expectedSize else {
                return (.conflict("the ledger has \(size) positions, expected \(expectedSize)"), nil)
            }
            for chunk in stride(from: 0, to: rows.count, by: 80) {
                let slice = rows[chunk..<min(chunk + 80, rows.count)]
                var binds: [SQLiteData] = []
                binds.reserveCapacity(slice.count * 12)
                for row in slice {
                    binds += [
                        SQLiteRows.integer(row.position), SQLiteRows.integer(row.seq), SQLiteRows.uuid(row.eventID),
                        SQLiteRows.uuid(row.actionID), .text(row.eventType), .text(row.actor), .text(row.recordHash),
                        SQLiteRows.text(row.requestCommitment),
                        .text(row.leafHash.hex), .text(row.chainHash.hex), .text(row.nodesHex),
                        SQLiteRows.timestamp(row.sealedAt),
                    ]
                }
                let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: slice.count).joined(
                    separator: ", "
                )
                try await SQLiteRunner.execute(
                    conn,
                    """
                    INSERT INTO ledger (position, event_seq, event_id, action_id, event_type, actor, record_hash,
                        request_commitment, leaf_hash, chain_hash, nodes, sealed_at)
                    VALUES \(values)
                    """,
                    binds
                )
            }
            if let c = checkpoint {
                try await SQLiteRunner.execute(
                    conn,
                    """
                    INSERT INTO ledger_checkpoints (tree_size, root_hash, chain_hash, signed_at, key_id, signature)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        SQLiteRows.integer(c.treeSize), .text(c.rootHash.hex), .text(c.chainHash.hex),
                        SQLiteRows.timestamp(c.signedAt), .text(c.keyID), .text(c.signatureBase64),
                    ]
                )
            }
            return (nil, nil)
        }
        if let conflict { throw conflict }
    }

    func registerKey(_ key: LedgerPublicKey, at date: Date) async throws {
        try await store.write { conn -> (Void, Int64?) in
            try await SQLiteRunner.execute(
                conn,
                """
                INSERT INTO ledger_keys (key_id, algorithm, public_key, first_used_at) VALUES (?, 'ed25519', ?, ?)
                ON CONFLICT (key_id) DO NOTHING
                """,
                [.text(key.keyID), .text(key.base64), SQLiteRows.timestamp(date)]
            )
            return ((), nil)
        }
    }
}
