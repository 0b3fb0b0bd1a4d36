import FarameshCore
import FarameshLedgerVerifier
import FarameshStore
import FarameshStorePostgres
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import FarameshServer
@testable import faramesh

/// The sealer under concurrency and failure: several replicas writing and sealing, the holder
/// killed mid-run, failures in the middle of a batch. Always one gap-free, duplicate-free ledger.
/// A flag shared with writer tasks.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

@Suite("Ledger sealer", .serialized)
struct LedgerSealerTests {
    /// Writes actions through `store` until `stop` is set; returns how many events it wrote.
    static func writer(_ store: any ActionStore, agent: String, stop: Flag) async throws -> Int {
        var events = 0
        while !stop.isSet {
            _ = try await LedgerFixtures.completed(store, agent: agent)
            events += 4
        }
        return events
    }

    /// Checks the ledger holds every event exactly once at gap-free positions and verifies.
    static func expectOneValidLedger(_ db: LedgerDB, key: LedgerSigningKey, events: Int) async throws {
        try await Sealing.waitUntilSealed(db.store)
        let rows = try await db.integer("SELECT count(*) FROM ledger")
        #expect(rows == Int64(events))
        #expect(try await db.integer("SELECT count(DISTINCT event_seq) FROM ledger") == rows)
        #expect(try await db.integer("SELECT coalesce(max(position) + 1, 0) FROM ledger") == rows)
        #expect(try await db.integer("SELECT count(*) FROM action_events") == rows)
        let report = try await LedgerVerifier.run(db.store, keys: [key.publicKey])
        #expect(report.ok, "\(report.findings.prefix(5))")
        #expect(report.audit.positions == rows)
        #expect(report.audit.latestVerified?.treeSize == rows)
    }

    /// Adds a `started` event to the first action on `conn` (in its open transaction, if any);
    /// returns its seq.
    static func insertEvent(_ conn: PostgresConnection, actor: String) async throws -> Int64 {
        var seq: Int64 = 0
        for try await value in try await conn.query(
            "INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, record_hash) SELECT \(UUID()), action_id, 'started', '{}', \(actor), now(), 'x' FROM action_events ORDER BY seq LIMIT 1 RETURNING seq",
            logger: LedgerDB.logger
        ).decode(Int64.self) {
            seq = value
        }
        return seq
    }

    /// The gauge's sample line, not its HELP text (which reads "…sealer_active 1 while…").
    static func isActive(_ metrics: ServerMetrics) -> Bool {
        String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").contains { line in
            guard line.hasPrefix("faramesh_ledger_sealer_active ") else { return false }
            return Double(line.dropFirst("faramesh_ledger_sealer_active ".count)) == 1
        }
    }

    @Test(
        "concurrent submits on several replicas, each running a sealer, make one valid ledger",
        arguments: Backend.allCases
    )
    func concurrentReplicas(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let key = LedgerSigningKey.generate()
            let stop = Flag()
            let written = try await db.replica { a in
                try await db.replica { b in
                    let stores: [any ActionStore] = [db.store, a, b]
                    return try await withThrowingTaskGroup(of: Int.self) { group in
                        for store in stores {
                            group.addTask {
                                try await LedgerSealer(
                                    store: store,
                                    key: key,
                                    // The busy cadence of `faramesh serve` on SQLite; on
                                    // PostgreSQL too, where more, smaller batches press harder
                                    // on the order of late commits.
                                    configuration: Sealing.fastBusy,
                                    logger: Sealing.logger
                                ).run()
                                return 0
                            }
                        }
                        var writers: [Task<Int, any Error>] = []
                        for (index, store) in stores.enumerated() {
                            for w in 0..<3 {
                                writers.append(
                                    Task { try await Self.writer(store, agent: "agent-\(index)-\(w)", stop: stop) }
                                )
                            }
                        }
                        try await Task.sleep(for: .seconds(3))
                        stop.set()
                        var total = 0
                        for writer in writers { total += try await writer.value }
                        try await Sealing.waitUntilSealed(db.store)
                        group.cancelAll()
                        return total
                    }
                }
            }
            #expect(written > 100)
            try await Self.expectOneValidLedger(db, key: key, events: written)
        }
    }

    @Test(
        "the holder dies mid-run (its session killed, then the replica gone): another takes over, nothing lost or doubled"
    )
    func failover() async throws {
        try await LedgerDB.with(.postgres) { db in
            let key = LedgerSigningKey.generate()
            let stop = Flag()
            let written = try await db.replica { a in
                try await db.replica { b in
                    let metrics = [ServerMetrics(), ServerMetrics()]
                    let sealers = [a, b].enumerated().map { index, store in
                        Task {
                            try await LedgerSealer(
                                store: store,
                                key: key,
                                configuration: Sealing.fast,
                                metrics: metrics[index],
                                logger: Sealing.logger
                            ).run()
                        }
                    }
                    defer { for sealer in sealers { sealer.cancel() } }
                    let writers = (0..<4).map { w in
                        Task { try await Self.writer(db.store, agent: "agent-\(w)", stop: stop) }
                    }
                    func holder(within limit: Duration) async throws -> Int {
                        let deadline = ContinuousClock.now + limit
                        while ContinuousClock.now < deadline {
                            if let index = metrics.indices.first(where: { Self.isActive(metrics[$0]) }) { return index }
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        throw LedgerTestFailure("no replica holds the sealing role after \(limit)")
                    }
                    try await Task.sleep(for: .milliseconds(800))
                    _ = try await holder(within: .seconds(5))

                    // 1. The holder's database session dies in the middle of its work (a crashed
                    //    replica's connection): the lock goes with it, a sealer takes over.
                    let sizeBefore = try await db.store.ledgerHead().size
                    let key = UInt64(
                        bitPattern: try await (try #require(db.store as? PostgresActionStore)).ledgerLockKey()
                    )
                    let killed = try await db.integer(
                        """
                        SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                        WHERE locktype = 'advisory' AND classid = \(key >> 32) AND objid = \(key & 0xFFFF_FFFF) AND granted
                        """
                    )
                    #expect(killed == 1)
                    // The killed holder notices at once (a call on the closed session ends then,
                    // not at its 30 s timeout): never two replicas reporting the role for long.
                    let noticed = ContinuousClock.now + .seconds(5)
                    while metrics.filter(Self.isActive).count > 1 && ContinuousClock.now < noticed {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    #expect(metrics.filter(Self.isActive).count <= 1, "the killed holder still reports the role")
                    try await Task.sleep(for: .milliseconds(300))
                    _ = try await holder(within: .seconds(5))
                    // The new holder seals the writers' events; poll (a loaded CI machine is slow).
                    var grew = false
                    let growDeadline = ContinuousClock.now + .seconds(15)
                    while !grew && ContinuousClock.now < growDeadline {
                        grew = try await db.store.ledgerHead().size > sizeBefore
                        if !grew { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(grew, "the ledger did not grow after the takeover")

                    // 2. The holding replica disappears altogether: the other takes over within seconds.
                    let gone = try await holder(within: .seconds(5))
                    sealers[gone].cancel()
                    _ = await sealers[gone].result
                    let survivor = 1 - gone
                    let takeover = ContinuousClock.now
                    while !Self.isActive(metrics[survivor]) {
                        #expect(ContinuousClock.now - takeover < .seconds(5))
                        guard ContinuousClock.now - takeover < .seconds(5) else { break }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    stop.set()
                    var total = 0
                    for writer in writers { total += try await writer.value }
                    // Well inside the 30 s call timeout: a sealer stuck on a closed session
                    // until then fails this.
                    try await Sealing.waitUntilSealed(db.store, timeout: .seconds(15))
                    return total
                }
            }
            try await Self.expectOneValidLedger(db, key: key, events: written)
        }
    }

    @Test(
        "a failure in the middle of a batch, before or after its commit, loses and doubles nothing",
        arguments: Backend.allCases
    )
    func failingBatches(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let key = LedgerSigningKey.generate()
            _ = try await LedgerFixtures.population(db.store, count: 12)
            let flaky = FlakyLedgerStore(db.store)
            let sealer = LedgerSealer(store: flaky, key: key, configuration: Sealing.fast, logger: Sealing.logger)
            let task = Task { try await sealer.run() }
            defer { task.cancel() }
            for round in 0..<6 {
                flaky.failNext(round % 2 == 0 ? .beforeCommit : .afterCommit)
                _ = try await LedgerFixtures.population(db.store, count: 3)
                try await Task.sleep(for: .milliseconds(150))
            }
            #expect(flaky.injected >= 4)
            let events = Int(try await db.integer("SELECT count(*) FROM action_events"))
            try await Self.expectOneValidLedger(db, key: key, events: events)
        }
    }

    @Test("only one sealer at a time holds the role; a second one waits", arguments: Backend.allCases)
    func exclusiveRole(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let concurrent = try await db.replica { other in
                try await db.store.withLedgerSealingRole { _ in
                    // While held here, nobody else gets it.
                    try await other.withLedgerSealingRole { _ in 1 }
                }
            }
            #expect(concurrent == .some(nil))
            // Released afterwards.
            let again = try await db.replica { other in try await other.withLedgerSealingRole { _ in 7 } }
            #expect(again == 7)
            // Another installation (another schema or file) has a role of its own at the same time.
            try await LedgerDB.with(backend) { elsewhere in
                let both = try await db.store.withLedgerSealingRole { _ in
                    try await elsewhere.store.withLedgerSealingRole { _ in 9 }
                }
                #expect(both == .some(9))
            }
        }
    }

    @Test("key rotation: checkpoints by the old and the new key all verify with both keys", arguments: Backend.allCases)
    func keyRotation(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let old = LedgerSigningKey.generate()
            let new = LedgerSigningKey.generate()
            _ = try await LedgerFixtures.population(db.store, count: 5)
            try await Sealing.sealAll(db.store, key: old)
            _ = try await LedgerFixtures.population(db.store, count: 5)
            try await Sealing.sealAll(db.store, key: new)
            let keys = try await db.store.ledgerKeys().map(\.key)
            #expect(Set(keys) == [old.publicKey, new.publicKey])
            let both = try await LedgerVerifier.run(db.store, keys: [old.publicKey, new.publicKey])
            #expect(both.ok, "\(both.findings)")
            #expect(both.audit.latestVerified?.keyID == new.keyID)
            let onlyNew = try await LedgerVerifier.run(db.store, keys: [new.publicKey])
            #expect(onlyNew.audit.failures.allSatisfy { $0.kind == .signature })
            #expect(!onlyNew.ok)
        }
    }

    @Test("events that commit late are sealed in a later batch, never skipped")
    func lateCommits() async throws {
        try await LedgerDB.with(.postgres) { db in
            let key = LedgerSigningKey.generate()
            let store = try #require(db.store as? PostgresActionStore)
            _ = try await LedgerFixtures.population(db.store, count: 3)
            let sealer = LedgerSealer(store: db.store, key: key, configuration: Sealing.fast, logger: Sealing.logger)
            let task = Task { try await sealer.run() }
            defer { task.cancel() }
            try await Sealing.waitUntilSealed(db.store)
            // A transaction takes a seq and holds it uncommitted while later seqs commit and are sealed.
            let late = try await store.client.withConnection { conn in
                try await conn.query("BEGIN", logger: LedgerDB.logger)
                let lateSeq = try await Self.insertEvent(conn, actor: "late")
                _ = try await LedgerFixtures.population(db.store, count: 2)
                try await Sealing.waitUntilSealed(db.store)
                #expect(
                    try await db.store.ledgerEntries(from: 0, limit: 10_000).allSatisfy { $0.record.seq != lateSeq }
                )
                try await conn.query("COMMIT", logger: LedgerDB.logger)
                return lateSeq
            }
            try await Sealing.waitUntilSealed(db.store)
            let entries = try await db.store.ledgerEntries(from: 0, limit: 10_000)
            let sealedLate = try #require(entries.first { $0.record.seq == late })
            // Later seqs were sealed before it: it got a later position instead of being skipped.
            #expect(entries.contains { $0.record.seq > late && $0.record.position < sealedLate.record.position })
            #expect(entries.map(\.record.position) == Array(0..<Int64(entries.count)))
            #expect(Set(entries.map(\.record.seq)).count == entries.count)
        }
    }

    @Test(
        "a transaction open across a change of holder: its two events of one action are sealed in chain order"
    )
    func takeoverKeepsChainOrder() async throws {
        try await LedgerDB.with(.postgres) { db in
            let key = LedgerSigningKey.generate()
            let store = try #require(db.store as? PostgresActionStore)
            _ = try await LedgerFixtures.population(db.store, count: 3)
            func sealer() -> Task<Void, any Error> {
                Task {
                    try await LedgerSealer(
                        store: db.store,
                        key: key,
                        configuration: Sealing.fast,
                        logger: Sealing.logger
                    )
                    .run()
                }
            }
            let first = sealer()
            try await Sealing.waitUntilSealed(db.store)
            let second = Mutex<Task<Void, any Error>?>(nil)
            defer { second.withLock { $0?.cancel() } }
            let (early, late) = try await store.client.withConnection { conn in
                try await conn.query("BEGIN", logger: LedgerDB.logger)
                let early = try await Self.insertEvent(conn, actor: "early")
                // Later seqs commit and are sealed: the first holder skips `early`.
                _ = try await LedgerFixtures.population(db.store, count: 2)
                try await Sealing.waitUntilSealed(db.store)
                first.cancel()
                _ = await first.result
                // The next holder takes over and finishes its first sweep while `early` is still open.
                let task = sealer()
                second.withLock { $0 = task }
                try await Task.sleep(for: .milliseconds(300))
                let late = try await Self.insertEvent(conn, actor: "late")
                try await conn.query("COMMIT", logger: LedgerDB.logger)
                return (early, late)
            }
            try await Sealing.waitUntilSealed(db.store, timeout: .seconds(10))
            let entries = try await db.store.ledgerEntries(from: 0, limit: 10_000)
            let earlyPosition = try #require(entries.first { $0.record.seq == early }?.record.position)
            let latePosition = try #require(entries.first { $0.record.seq == late }?.record.position)
            #expect(earlyPosition < latePosition)
            #expect(entries.map(\.record.position) == Array(0..<Int64(entries.count)))
        }
    }

    @Test("a sweep's batch merged with the usual one: the lowest seqs of both, and where the sweep goes on")
    func sweepMerge() {
        func candidates(_ seqs: [Int64]) -> [LedgerCandidate] {
            seqs.map {
                LedgerCandidate(
                    seq: $0,
                    eventID: UUID(),
                    actionID: UUID(),
                    eventType: "started",
                    actor: "a",
                    recordHash: "x",
                    request: nil,
                    createdAt: nil
                )
            }
        }
        // A hole (5) in the usual batch comes before the sweep's and the newer seqs.
        let mixed = SealerState.merge(candidates([5, 40, 41, 42]), swept: candidates([7, 9]), cursor: 0, limit: 4)
        #expect(mixed.batch.map(\.seq) == [5, 7, 9, 40])
        #expect(mixed.cursor == nil)
        // A full sweep batch only partly taken: the sweep goes on after the last seq taken.
        let partly = SealerState.merge(candidates([8, 40]), swept: candidates([3, 6, 9]), cursor: 2, limit: 3)
        #expect(partly.batch.map(\.seq) == [3, 6, 8])
        #expect(partly.cursor == 8)
        // A full sweep batch wholly taken: it goes on after its last seq.
        let whole = SealerState.merge(candidates([]), swept: candidates([3, 6]), cursor: 2, limit: 2)
        #expect(whole.batch.map(\.seq) == [3, 6])
        #expect(whole.cursor == 6)
        // The same seq from both reads is sealed once.
        let twice = SealerState.merge(candidates([6]), swept: candidates([6]), cursor: 0, limit: 5)
        #expect(twice.batch.map(\.seq) == [6])
        #expect(twice.cursor == nil)
        #expect(SealerState.merge([], swept: [], cursor: 4, limit: 3).cursor == nil)
    }
}
