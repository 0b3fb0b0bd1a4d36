import FarameshCore
import FarameshLedgerVerifier
import FarameshServer
import FarameshStore
import Foundation
import Testing

@testable import faramesh

/// `faramesh audit export` / `audit verify` and incremental `verify-log`, on both backends.
@Suite("Ledger export and incremental verification", .serialized)
struct LedgerExportTests {
    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("faramesh-\(UUID().uuidString)-\(name)").path
    }

    static func export(
        _ store: any ActionStore,
        from: String? = nil,
        to: String? = nil,
        redact: Set<String> = []
    ) async throws -> [String] {
        let path = temporaryFile("bundle.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try BundleSink(path: path)
        _ = try await AuditExporter(store: store, redacted: redact).export(from: from, to: to, into: sink)
        try sink.close()
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func verify(_ lines: [String], keys: [LedgerPublicKey]) throws -> AuditBundleVerifier.Report {
        var verifier = AuditBundleVerifier(trustedKeys: keys)
        for line in lines { try verifier.add(line: Array(line.utf8)) }
        return verifier.finish()
    }

    @Test("a bundle verifies offline, whole, from the middle, redacted", arguments: Backend.allCases)
    func bundles(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let key = LedgerSigningKey.generate()
            _ = try await LedgerFixtures.population(db.store, count: 12)
            try await Sealing.sealAll(db.store, key: key)
            let size = try await db.store.ledgerHead().size

            let whole = try await Self.export(db.store)
            var report = try Self.verify(whole, keys: [key.publicKey])
            #expect(report.ok, "\(report.failures)")
            #expect(
                report.from == 0 && report.to == size && report.entries == size && report.actions == 12,
                "from \(report.from) to \(report.to) entries \(report.entries) actions \(report.actions) size \(size)"
            )
            #expect(whole.joined().contains("sk-live-123"))

            // From the middle: the range is anchored to a checkpoint, the base checkpoint proven a prefix.
            let middle = try await Self.export(db.store, from: "20", to: "21", redact: ["api_key"])
            report = try Self.verify(middle, keys: [key.publicKey])
            #expect(report.ok, "\(report.failures)")
            #expect(report.from == 20 && report.to == 32 && report.base?.treeSize == 16)
            #expect(!middle.joined().contains("sk-live-123"))
            #expect(report.redactedParams == ["api_key"])

            // By time: everything sealed up to now.
            let byTime = try await Self.export(
                db.store,
                from: "2000-01-01",
                to: WireTimestamp.format(Date().addingTimeInterval(60))
            )
            #expect(try Self.verify(byTime, keys: [key.publicKey]).ok)

            // Tampering with the bundle on its way.
            let forged = middle.map { $0.replacingOccurrences(of: "\"exit_code\":0", with: "\"exit_code\":1") }
            #expect(forged != middle)
            report = try Self.verify(forged, keys: [key.publicKey])
            #expect(report.failures.contains { $0.kind == .edited && $0.position != nil })
            #expect(!(try Self.verify(middle, keys: [LedgerSigningKey.generate().publicKey])).ok)
            let truncated = Array(middle.dropLast(3))
            #expect(!(try Self.verify(truncated, keys: [key.publicKey])).ok)

            // Exporting a tampered database yields a bundle that does not verify.
            let victim = try #require(try await db.store.ledgerEntries(from: 25, limit: 1).first?.event)
            try await db.exec(
                "UPDATE action_events SET actor = 'mallory' WHERE id = '\(victim.id.uuidString.lowercased())'"
            )
            report = try Self.verify(try await Self.export(db.store, from: "20"), keys: [key.publicKey])
            #expect(report.failures.contains { $0.kind == .edited && $0.eventID == victim.id && $0.position == 25 })
        }
    }

    @Test("incremental verification proves the new checkpoint extends the remembered one", arguments: Backend.allCases)
    func incremental(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let key = LedgerSigningKey.generate()
            let keys = [key.publicKey]
            _ = try await LedgerFixtures.population(db.store, count: 6)
            try await Sealing.sealAll(db.store, key: key)
            let first = try await LedgerVerifier.run(db.store, keys: keys)
            #expect(first.ok)
            let state = VerifiedCheckpoint(checkpoint: try #require(first.latestVerified), verifiedAt: Date())
            let path = Self.temporaryFile("state.json")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try state.save(to: path)
            #expect(try VerifiedCheckpoint.load(path) == state)

            _ = try await LedgerFixtures.population(db.store, count: 6)
            try await Sealing.sealAll(db.store, key: key)
            let next = try await LedgerVerifier.run(db.store, keys: keys, since: state.treeSize, remembered: state)
            #expect(next.ok, "\(next.findings)")
            #expect(next.audit.positions == (try await db.store.ledgerHead().size) - state.treeSize)
            #expect(next.notes.contains { $0.contains("consistency proof \(state.treeSize) →") })
            #expect(next.audit.latestVerified.map { $0.treeSize > state.treeSize } == true)
            // A full run that remembers the old root checks it too.
            #expect(try await LedgerVerifier.run(db.store, keys: keys, remembered: state).ok)

            // Rewriting stored history below the remembered checkpoint is caught without re-reading it.
            let frontierRow = state.treeSize - 1
            try await db.exec(
                "UPDATE ledger SET nodes = '\(String(repeating: "ab", count: 32 * 4))' WHERE position = \(frontierRow)"
            )
            let rewritten = try await LedgerVerifier.run(db.store, keys: keys, since: state.treeSize, remembered: state)
            #expect(!rewritten.ok)
            #expect(rewritten.audit.failures.contains { $0.kind == .checkpoint && $0.treeSize == state.treeSize })
            // A different remembered root (history replaced wholesale) fails the full run as well.
            var other = state
            other.rootHash = LedgerHash.zero
            let replaced = try await LedgerVerifier.run(db.store, keys: keys, remembered: other)
            #expect(replaced.audit.failures.contains { $0.detail.contains("remembered") })
        }
    }
}
