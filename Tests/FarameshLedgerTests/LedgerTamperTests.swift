import FarameshCore
import FarameshLedgerVerifier
import FarameshServer
import FarameshStore
import Foundation
import Testing

@testable import faramesh

/// Tampering with a real database, the way an intruder with SQL access would, after the history
/// was sealed and signed: every change is detected and pinpointed by `verify-log`'s verifier.
@Suite("Ledger tamper detection", .serialized)
struct LedgerTamperTests {
    /// A sealed population: actions, their events in seq order, the key.
    struct Sealed: Sendable {
        var actions: [Action]
        var events: [ActionEvent]
        var key: LedgerSigningKey

        func events(of action: UUID) -> [ActionEvent] { events.filter { $0.actionID == action } }
    }

    static func sealed(_ db: LedgerDB) async throws -> Sealed {
        let actions = try await LedgerFixtures.population(db.store, count: 9)
        let key = LedgerSigningKey.generate()
        try await Sealing.sealAll(db.store, key: key)
        let events = try await db.store.events(after: 0, limit: 10_000)
        return Sealed(actions: actions, events: events, key: key)
    }

    static func position(_ db: LedgerDB, of event: UUID) async throws -> Int64? {
        try await db.store.ledgerEntry(eventID: event)?.record.position
    }

    static func failures(_ report: LedgerVerifier.Report, _ kind: LedgerFinding.Kind) -> [LedgerFinding] {
        report.audit.failures.filter { $0.kind == kind }
    }

    @Test("an untouched ledger verifies, with every proof", arguments: Backend.allCases)
    func intact(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            #expect(report.ok, "\(report.findings)")
            #expect(report.audit.positions == Int64(sealed.events.count))
            #expect(report.audit.events == sealed.events.count)
            #expect(report.audit.actions == sealed.actions.count)
            #expect(report.audit.latestVerified?.treeSize == Int64(sealed.events.count))
            #expect(report.audit.checkpointsVerified >= 2)
            // Every event has an inclusion proof against the newest checkpoint.
            let action = try await LedgerVerifier(store: db.store, options: .init(pinnedKeys: [sealed.key.publicKey]))
                .verifyAction(sealed.actions[0].id.uuidString)
            #expect(action.ok, "\(action.findings)")
            #expect(action.audit.positions == 4)
        }
    }

    @Test("an edited meta field is pinpointed", arguments: Backend.allCases)
    func editedMeta(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let target = try #require(sealed.events(of: sealed.actions[0].id).first { $0.type == .succeeded })
            try await db.exec(
                "UPDATE action_events SET meta_json = '{\"exit_code\":1}' WHERE id = '\(target.id.uuidString.lowercased())'"
            )
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            #expect(!report.ok)
            let edited = Self.failures(report, .edited)
            #expect(edited.count == 1, "\(report.findings)")
            #expect(edited.first?.eventID == target.id)
            #expect(edited.first?.actionID == target.actionID)
            #expect(edited.first?.seq == target.seq)
            #expect(edited.first?.position == (try await Self.position(db, of: target.id)))
            #expect(report.audit.failures.count == 1, "\(report.findings)")
        }
    }

    @Test("one deleted event is pinpointed", arguments: Backend.allCases)
    func deletedEvent(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            // The last event of an action: invisible to the per-action chain alone.
            let target = try #require(sealed.events(of: sealed.actions[3].id).last)
            let position = try await Self.position(db, of: target.id)
            try await db.exec("DELETE FROM action_events WHERE id = '\(target.id.uuidString.lowercased())'")
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            let deleted = Self.failures(report, .deleted)
            #expect(deleted.count == 1, "\(report.findings)")
            #expect(
                deleted.first?.eventID == target.id && deleted.first?.position == position
                    && deleted.first?.seq == target.seq
            )
            #expect(deleted.first?.actionID == target.actionID)
            #expect(report.audit.failures.count == 1, "\(report.findings)")
        }
    }

    @Test("a whole deleted action is pinpointed", arguments: Backend.allCases)
    func deletedAction(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let victim = sealed.actions[6].id
            let id = victim.uuidString.lowercased()
            try await db.exec(
                "DELETE FROM action_events WHERE action_id = '\(id)'; DELETE FROM actions WHERE id = '\(id)'"
            )
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            #expect(!report.ok)
            var positions: Set<Int64> = []
            for event in sealed.events(of: victim) {
                positions.insert(try #require(try await Self.position(db, of: event.id)))
            }
            let rows = Self.failures(report, .deleted).filter { $0.position != nil }
            #expect(Set(rows.compactMap(\.position)) == positions)
            #expect(Set(rows.compactMap(\.eventID)) == Set(sealed.events(of: victim).map(\.id)))
            #expect(
                Self.failures(report, .deleted).contains {
                    $0.actionID == victim && $0.detail.contains("action was deleted")
                }
            )
            #expect(report.audit.failures.allSatisfy { $0.actionID == victim }, "\(report.findings)")
        }
    }

    @Test("a forged event inserted into a sealed action is pinpointed", arguments: Backend.allCases)
    func insertedEvent(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let action = sealed.actions[1]
            // Chained correctly onto the action and recorded in its row: only the ledger knows.
            let at = Date().addingTimeInterval(-3600)
            let forged = EventChain.makeEvent(
                actionID: action.id,
                type: .succeeded,
                meta: .object([:]),
                actor: action.request.agentID,
                at: at,
                prevHash: action.lastEventHash
            )
            try await db.exec(
                """
                INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
                VALUES ('\(forged.id.uuidString.lowercased())', '\(action.id.uuidString.lowercased())', 'succeeded', '{}',
                    '\(action.request.agentID)', \(db.timestamp(forged.createdAt)), '\(forged.prevHash ?? "")', '\(forged.recordHash)');
                UPDATE actions SET status = 'succeeded', last_event_hash = '\(forged.recordHash)' WHERE id = '\(action.id.uuidString.lowercased())'
                """
            )
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            let inserted = report.audit.failures
            #expect(inserted.count == 1, "\(report.findings)")
            #expect(
                inserted.first?.kind == .unsealed && inserted.first?.eventID == forged.id
                    && inserted.first?.actionID == action.id
            )
            // Inserted into the middle of a chain instead: the link after it breaks as well.
            let middle = try #require(sealed.events(of: sealed.actions[0].id).first { $0.type == .started })
            let wedge = EventChain.makeEvent(
                actionID: middle.actionID,
                type: .approved,
                meta: .object([:]),
                actor: "mallory",
                at: at,
                prevHash: middle.prevHash
            )
            try await db.exec(
                """
                INSERT INTO action_events (seq, id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
                VALUES (\(middle.seq * 1000 + 7), '\(wedge.id.uuidString.lowercased())', '\(middle.actionID.uuidString.lowercased())',
                    'approved', '{}', 'mallory', \(db.timestamp(wedge.createdAt)), '\(wedge.prevHash ?? "")', '\(wedge.recordHash)')
                """
            )
            let again = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            #expect(again.audit.failures.contains { $0.kind == .unsealed && $0.eventID == wedge.id })
            #expect(again.audit.failures.contains { $0.kind == .chain && $0.eventID == wedge.id })
        }
    }

    @Test("two swapped events are pinpointed", arguments: Backend.allCases)
    func swappedEvents(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let events = sealed.events(of: sealed.actions[0].id)
            let a = events[2]
            let b = events[3]
            try await db.exec(
                """
                UPDATE action_events SET seq = -1 WHERE seq = \(a.seq);
                UPDATE action_events SET seq = \(a.seq) WHERE seq = \(b.seq);
                UPDATE action_events SET seq = \(b.seq) WHERE seq = -1
                """
            )
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            let reordered = Self.failures(report, .reordered)
            #expect(Set(reordered.compactMap(\.eventID)) == [a.id, b.id], "\(report.findings)")
            #expect(
                Set(reordered.compactMap(\.position))
                    == Set(
                        [try await Self.position(db, of: a.id), try await Self.position(db, of: b.id)].compactMap { $0 }
                    )
            )
        }
    }

    @Test("a whole action chain rewritten and re-hashed consistently is pinpointed", arguments: Backend.allCases)
    func rehashedChain(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let victim = sealed.actions[3]
            var previous: String?
            var statements: [String] = []
            var changed: UUID?
            for event in sealed.events(of: victim.id) {
                var meta = event.meta
                if event.type == .succeeded {
                    meta = .object(["exit_code": .int(0), "note": .string("nothing to see")])
                    changed = event.id
                }
                let hash = EventChain.recordHash(
                    eventID: event.id,
                    actionID: event.actionID,
                    type: event.type,
                    createdAt: event.createdAt,
                    meta: meta,
                    prevHash: previous
                )
                statements.append(
                    """
                    UPDATE action_events SET meta_json = \(LedgerDB.quote(CanonicalJSON.string(meta))),
                        prev_hash = \(previous.map(LedgerDB.quote) ?? "NULL"), record_hash = '\(hash)'
                    WHERE id = '\(event.id.uuidString.lowercased())'
                    """
                )
                previous = hash
            }
            statements.append(
                "UPDATE actions SET last_event_hash = '\(previous ?? "")' WHERE id = '\(victim.id.uuidString.lowercased())'"
            )
            try await db.exec(statements.joined(separator: ";\n"))
            // The per-action chain alone is fooled.
            let events = try await db.store.events(actionID: victim.id)
            #expect(
                LedgerVerifier.problem(action: try #require(try await db.store.action(id: victim.id)), events: events)
                    == nil
            )
            let report = try await LedgerVerifier.run(db.store, keys: [sealed.key.publicKey])
            let rehashed = Self.failures(report, .rehashed)
            #expect(rehashed.count == 1, "\(report.findings)")
            #expect(rehashed.first?.eventID == changed && rehashed.first?.actionID == victim.id)
            #expect(rehashed.first?.position == (try await Self.position(db, of: try #require(changed))))
            #expect(report.audit.failures.count == 1, "\(report.findings)")
        }
    }

    @Test(
        "edited params, rewritten ledger rows, a truncated ledger and a forged checkpoint are caught",
        arguments: Backend.allCases
    )
    func ledgerRowsAndCheckpoints(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let keys = [sealed.key.publicKey]
            // 1. The action row's params.
            let target = sealed.actions[4]
            try await db.exec(
                "UPDATE actions SET params_json = '{\"cmd\":\"rm -rf /\"}' WHERE id = '\(target.id.uuidString.lowercased())'"
            )
            var report = try await LedgerVerifier.run(db.store, keys: keys)
            let created = try #require(sealed.events(of: target.id).first)
            #expect(
                Self.failures(report, .edited).contains {
                    $0.actionID == target.id && $0.eventID == created.id && $0.position != nil
                },
                "\(report.findings)"
            )
            try await db.exec(
                "UPDATE actions SET params_json = \(LedgerDB.quote(CanonicalJSON.string(target.request.params))) WHERE id = '\(target.id.uuidString.lowercased())'"
            )
            #expect(try await LedgerVerifier.run(db.store, keys: keys).ok)

            // 2. A ledger row's seal rewritten consistently (leaf and chain hash recomputed): only the signed root shows it.
            let row = try #require(try await db.store.ledgerEntries(from: 5, limit: 1).first)
            let event = try #require(row.event)
            var forged = event
            forged.actor = "mallory"
            let leaf = LedgerLeaf(position: 5, event: forged, request: row.request).hash
            let previous = try #require(try await db.store.ledgerEntries(from: 4, limit: 1).first).record.chainHash
            try await db.exec(
                """
                UPDATE action_events SET actor = 'mallory' WHERE id = '\(event.id.uuidString.lowercased())';
                UPDATE ledger SET actor = 'mallory', leaf_hash = '\(leaf.hex)', chain_hash = '\(LedgerChain.next(previous, leaf: leaf).hex)' WHERE position = 5
                """
            )
            report = try await LedgerVerifier.run(db.store, keys: keys)
            let checkpoint = Self.failures(report, .checkpoint).first
            #expect(checkpoint?.treeSize == 16, "\(report.findings)")
            #expect(checkpoint?.detail.contains("positions 0..<16") == true)
            #expect(Self.failures(report, .chain).contains { $0.position == 6 })  // the next row's chain link
        }
        try await LedgerDB.with(backend) { db in
            let sealed = try await Self.sealed(db)
            let keys = [sealed.key.publicKey]
            // 3. The newest events and their ledger rows deleted: the signed checkpoint still counts them.
            let size = try await db.integer("SELECT count(*) FROM ledger")
            try await db.exec(
                """
                DELETE FROM action_events WHERE seq IN (SELECT event_seq FROM ledger WHERE position >= \(size - 2));
                DELETE FROM ledger WHERE position >= \(size - 2)
                """
            )
            var report = try await LedgerVerifier.run(db.store, keys: keys)
            #expect(
                Self.failures(report, .checkpoint).contains { $0.treeSize == size && $0.detail.contains("truncated") },
                "\(report.findings)"
            )

            // 4. A checkpoint's root replaced: its signature no longer verifies.
            let latest = try #require(try await db.store.ledgerHead().latestCheckpoint)
            try await db.exec(
                "UPDATE ledger_checkpoints SET root_hash = '\(String(repeating: "0", count: 64))' WHERE tree_size = 16"
            )
            report = try await LedgerVerifier.run(db.store, keys: keys)
            #expect(Self.failures(report, .signature).contains { $0.treeSize == 16 })
            _ = latest

            // 5. Nothing signed by a key the reader trusts.
            report = try await LedgerVerifier.run(db.store, keys: [LedgerSigningKey.generate().publicKey])
            #expect(!Self.failures(report, .signature).isEmpty)
        }
    }
}
