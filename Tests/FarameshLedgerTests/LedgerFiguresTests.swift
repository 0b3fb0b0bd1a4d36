import FarameshCore
import FarameshLedgerVerifier
import FarameshServer
import FarameshStore
import Foundation
import Synchronization
import Testing

@testable import faramesh

/// Sealing and verification figures. Small by default (a CI smoke run that still checks the
/// result verifies); set `FARAMESH_LEDGER_FIGURES_EVENTS` (e.g. 1000000),
/// `FARAMESH_LEDGER_FIGURES_RATE` (submits/s, default 2000), `FARAMESH_LEDGER_FIGURES_SECONDS`
/// and `FARAMESH_LEDGER_FIGURES_WRITERS` (concurrent submitters, default 16) for the real figures, preferably with `swift test -c release --filter LedgerFigures`.
@Suite("Ledger figures", .serialized)
struct LedgerFiguresTests {
    static func setting(_ name: String, _ fallback: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
    }

    static func rate(_ count: Int, _ duration: Duration) -> Int {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    @Test("sealing lag behind commits at a fixed submit rate", arguments: Backend.allCases)
    func lagAtRate(_ backend: Backend) async throws {
        let rate = Self.setting("FARAMESH_LEDGER_FIGURES_RATE", 2000)
        let seconds = Self.setting("FARAMESH_LEDGER_FIGURES_SECONDS", 3)
        let writers = Self.setting("FARAMESH_LEDGER_FIGURES_WRITERS", 16)
        try await LedgerDB.with(backend, poolSize: writers + 2) { db in
            let key = LedgerSigningKey.generate()
            let submitted = Counter()
            let sealer = LedgerSealer(
                store: db.store,
                key: key,
                configuration: LedgerConfiguration(),
                logger: Sealing.logger
            )
            let sealing = Task { try await sealer.run() }
            defer { sealing.cancel() }
            let clock = ContinuousClock()
            let start = clock.now
            let end = start + .seconds(seconds)
            // Open loop: writer w submits its k-th action at start + (k·writers + w)/rate.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        var k = 0
                        while true {
                            let due = start + .microseconds(Int64((k * writers + w) * 1_000_000 / rate))
                            guard due < end else { return }
                            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                            _ = try await LedgerFixtures.submit(db.store, agent: "agent-\(w)")
                            submitted.increment()
                            k += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = clock.now - start
            try await Sealing.waitUntilSealed(db.store, timeout: .seconds(120))
            let drained = clock.now - start
            var lags: [Double] = []
            var position: Int64 = 0
            while true {
                let page = try await db.store.ledgerEntries(from: position, limit: 5000)
                for entry in page {
                    if let event = entry.event { lags.append(entry.record.sealedAt.timeIntervalSince(event.createdAt)) }
                }
                guard page.count == 5000, let last = page.last else { break }
                position = last.record.position + 1
            }
            lags.sort()
            let count = submitted.value
            print(
                """
                LEDGER FIGURES [\(backend.rawValue)] target \(rate) submits/s for \(seconds) s: achieved \(Self.rate(count, elapsed)) submits/s \
                (\(count * 2) events), all sealed and signed \(drained - elapsed) after the last submit; seal lag behind commit: \
                p50 \(Int(Self.percentile(lags, 0.5) * 1000)) ms, p99 \(Int(Self.percentile(lags, 0.99) * 1000)) ms, \
                max \(Int((lags.last ?? 0) * 1000)) ms
                """
            )
            #expect(lags.count == count * 2)
            let report = try await LedgerVerifier.run(db.store, keys: [key.publicKey])
            #expect(report.ok, "\(report.findings.prefix(3))")
        }
    }

    @Test("sealing a backlog, verify-log, audit export and audit verify speed", arguments: Backend.allCases)
    func throughput(_ backend: Backend) async throws {
        let events = Self.setting("FARAMESH_LEDGER_FIGURES_EVENTS", 20_000)
        try await LedgerDB.with(backend) { db in
            let clock = ContinuousClock()
            var started = clock.now
            try await BulkLoader.load(db, actions: events / 2)
            let loaded = clock.now - started

            let key = LedgerSigningKey.generate()
            started = clock.now
            try await Sealing.sealAll(
                db.store,
                key: key,
                configuration: LedgerConfiguration(pollInterval: .milliseconds(20)),
                timeout: .seconds(3600)
            )
            let sealed = clock.now - started

            started = clock.now
            let report = try await LedgerVerifier(store: db.store, options: .init(pinnedKeys: [key.publicKey]))
                .verifyLedger()
            let verified = clock.now - started
            #expect(report.ok, "\(report.findings.prefix(3))")
            #expect(report.audit.positions == Int64(events))

            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "faramesh-figures-\(UUID().uuidString).jsonl"
            ).path
            defer { try? FileManager.default.removeItem(atPath: path) }
            started = clock.now
            let sink = try BundleSink(path: path)
            _ = try await AuditExporter(store: db.store, redacted: ["token"]).export(from: nil, to: nil, into: sink)
            try sink.close()
            let exported = clock.now - started
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0

            started = clock.now
            var verifier = AuditBundleVerifier(trustedKeys: [key.publicKey])
            try LineReader.forEachLine(path: path) { line throws(AuditBundleError) in try verifier.add(line: line) }
            let bundle = verifier.finish()
            let bundleVerified = clock.now - started
            #expect(bundle.ok, "\(bundle.failures.prefix(3))")
            #expect(bundle.entries == Int64(events))

            print(
                """
                LEDGER FIGURES [\(backend.rawValue)] \(events) events (loaded in \(loaded)): \
                sealing \(Self.rate(events, sealed)) events/s; verify-log \(Self.rate(events, verified)) events/s (\(verified)); \
                audit export \(Self.rate(events, exported)) events/s (\(bytes / 1_048_576) MiB); \
                audit verify \(Self.rate(events, bundleVerified)) events/s (\(bundleVerified))
                """
            )
        }
    }
}

/// A counter shared with writer tasks.
final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)
    func increment() { atomic.add(1, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}

/// Writes actions with valid chains straight into the tables, many per statement (setting up
/// large ledgers quickly; the sealer and verifiers then treat them like any others).
enum BulkLoader {
    static func load(_ db: LedgerDB, actions: Int, perStatement: Int = 500) async throws {
        var remaining = actions
        let base = Date().addingTimeInterval(-3600)
        var n = 0
        while remaining > 0 {
            let count = min(perStatement, remaining)
            var actionRows: [String] = []
            var eventRows: [String] = []
            for _ in 0..<count {
                n += 1
                let id = UUID()
                let at = base.addingTimeInterval(Double(n) / 1000)
                let request = ActionRequest(
                    agentID: "agent-\(n % 50)",
                    tool: "http",
                    operation: "post",
                    params: .object([
                        "url": .string("https://api.example.com/items/\(n)"),
                        "amount": .int(Int64(n)), "token": .string("t-\(n)"),
                    ])
                )
                let requestHash = RequestHash.compute(request)
                let created = EventChain.makeEvent(
                    actionID: id,
                    type: .created,
                    meta: .object(["decision": .string("allow")]),
                    actor: request.agentID,
                    at: at,
                    prevHash: nil
                )
                let decided = EventChain.makeEvent(
                    actionID: id,
                    type: .decisionMade,
                    meta: .object(["decision": .string("allow"), "request_hash": .string(requestHash)]),
                    actor: request.agentID,
                    at: at,
                    prevHash: created.recordHash
                )
                let ts = db.timestamp(created.createdAt)
                let q = LedgerDB.quote
                actionRows.append(
                    """
                    (\(q(id.uuidString.lowercased())), \(q(request.agentID)), 'http', 'post', \(q(StoredJSON.string(request.params))), '{}', \
                    'allowed', 'allow', 'EXECUTE', 'ok', 'POLICY_ALLOW', 'low', \(q(requestHash)), 'bulk', 'prov', \(ts), \(ts), 1, \
                    \(q(decided.recordHash)))
                    """
                )
                for event in [created, decided] {
                    eventRows.append(
                        """
                        (\(q(event.id.uuidString.lowercased())), \(q(id.uuidString.lowercased())), \(q(event.type.rawValue)), \
                        \(q(StoredJSON.string(event.meta))), \(q(event.actor)), \(ts), \(event.prevHash.map(q) ?? "NULL"), \(q(event.recordHash)))
                        """
                    )
                }
            }
            try await db.execute(
                """
                INSERT INTO actions (id, agent_id, tool, operation, params_json, context_json, status, decision, outcome, reason,
                    reason_code, risk_level, request_hash, runtime_version, provenance_id, created_at, updated_at, version, last_event_hash)
                VALUES \(actionRows.joined(separator: ",\n"))
                """
            )
            try await db.execute(
                """
                INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
                VALUES \(eventRows.joined(separator: ",\n"))
                """
            )
            remaining -= count
        }
    }
}
