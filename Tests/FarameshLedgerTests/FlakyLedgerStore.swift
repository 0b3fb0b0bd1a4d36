import FarameshCore
import FarameshStore
import Foundation
import Synchronization

/// A ledger store whose sealing sessions fail on demand in the middle of a batch: before the
/// batch's transaction commits (nothing written) or after (written, but the sealer is told it
/// failed, as when a replica dies between COMMIT and its next step).
final class FlakyLedgerStore: LedgerStore {
    enum Failure: Sendable { case beforeCommit, afterCommit }

    struct Injected: Error {}

    let base: any ActionStore
    private let pending = Mutex<Failure?>(nil)
    private let count = Atomic<Int>(0)

    init(_ base: any ActionStore) { self.base = base }

    func failNext(_ failure: Failure) { pending.withLock { $0 = failure } }
    var injected: Int { count.load(ordering: .relaxed) }

    fileprivate func take() -> Failure? {
        pending.withLock { value in
            defer { value = nil }
            return value
        }
    }

    fileprivate func record() { count.add(1, ordering: .relaxed) }

    func withLedgerSealingRole<T: Sendable>(
        _ body: @escaping @Sendable (any LedgerSealingSession) async throws -> T
    ) async throws -> T? {
        try await base.withLedgerSealingRole { session in try await body(FlakySession(base: session, store: self)) }
    }

    func ledgerHead() async throws -> LedgerHead { try await base.ledgerHead() }
    func ledgerEntries(from position: Int64, limit: Int) async throws -> [LedgerEntry] {
        try await base.ledgerEntries(from: position, limit: limit)
    }
    func ledgerEntries(actionID: UUID) async throws -> [LedgerEntry] {
        try await base.ledgerEntries(actionID: actionID)
    }
    func ledgerEntry(eventID: UUID) async throws -> LedgerEntry? { try await base.ledgerEntry(eventID: eventID) }
    func ledgerNodes(_ nodes: Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash] {
        try await base.ledgerNodes(nodes)
    }
    func ledgerCheckpoints(from treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        try await base.ledgerCheckpoints(from: treeSize, limit: limit)
    }
    func ledgerCheckpoints(upTo treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint] {
        try await base.ledgerCheckpoints(upTo: treeSize, limit: limit)
    }
    func ledgerKeys() async throws -> [LedgerKeyRecord] { try await base.ledgerKeys() }
    func unsealedEvents(limit: Int) async throws -> [ActionEvent] { try await base.unsealedEvents(limit: limit) }
    func ledgerPosition(sealedAtOrAfter date: Date) async throws -> Int64? {
        try await base.ledgerPosition(sealedAtOrAfter: date)
    }
}

private struct FlakySession: LedgerSealingSession {
    let base: any LedgerSealingSession
    let store: FlakyLedgerStore

    func state() async throws -> LedgerSealState { try await base.state() }
    func candidates(afterSeq: Int64, holes: [Int64], limit: Int) async throws -> [LedgerCandidate] {
        try await base.candidates(afterSeq: afterSeq, holes: holes, limit: limit)
    }
    func unsealedCandidates(afterSeq: Int64, throughSeq: Int64, limit: Int) async throws -> [LedgerCandidate] {
        try await base.unsealedCandidates(afterSeq: afterSeq, throughSeq: throughSeq, limit: limit)
    }
    func sealedSeqs(afterSeq: Int64) async throws -> [Int64] { try await base.sealedSeqs(afterSeq: afterSeq) }
    func registerKey(_ key: LedgerPublicKey, at date: Date) async throws { try await base.registerKey(key, at: date) }

    func append(_ rows: [LedgerRecord], checkpoint: LedgerCheckpoint?, expectedSize: Int64) async throws {
        guard !rows.isEmpty, let failure = store.take() else {
            try await base.append(rows, checkpoint: checkpoint, expectedSize: expectedSize)
            return
        }
        store.record()
        switch failure {
        case .beforeCommit:
            throw FlakyLedgerStore.Injected()
        case .afterCommit:
            try await base.append(rows, checkpoint: checkpoint, expectedSize: expectedSize)
            throw FlakyLedgerStore.Injected()
        }
    }
}
