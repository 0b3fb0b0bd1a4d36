import FarameshCore
import Foundation

/// Storage of the tamper-evident audit ledger (`ledger`, `ledger_checkpoints`, `ledger_keys`).
///
/// Only the sealer writes, through a `LedgerSealingSession` it gets while it holds the sealing
/// role (exactly one process at a time). Everything else reads. Private keys never reach the
/// database; `ledger_keys` holds public keys only.
package protocol LedgerStore: Sendable {
    /// Runs `body` while this process holds the sealing role, or returns nil at once when
    /// another process holds it. The role ends when `body` returns or throws (or the process or
    /// its database session dies), so another replica can take over within its retry interval.
    func withLedgerSealingRole<T: Sendable>(
        _ body: @escaping @Sendable (any LedgerSealingSession) async throws -> T
    ) async throws -> T?

    /// The number of sealed positions and the newest checkpoint.
    func ledgerHead() async throws -> LedgerHead
    /// Ledger rows with `position >= from`, ascending, each with the event it seals and (for a
    /// `created` event) the action's request as they are stored now.
    func ledgerEntries(from position: Int64, limit: Int) async throws -> [LedgerEntry]
    /// The ledger rows of one action, ascending.
    func ledgerEntries(actionID: UUID) async throws -> [LedgerEntry]
    /// The ledger row sealing `eventID`.
    func ledgerEntry(eventID: UUID) async throws -> LedgerEntry?
    /// Hashes of complete subtrees (level 0: leaf hashes), for proofs. Missing nodes are absent.
    func ledgerNodes(_ nodes: Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash]
    /// Checkpoints with `tree_size >= from`, ascending.
    func ledgerCheckpoints(from treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint]
    /// Checkpoints with `tree_size <= upTo`, newest first.
    func ledgerCheckpoints(upTo treeSize: Int64, limit: Int) async throws -> [LedgerCheckpoint]
    func ledgerKeys() async throws -> [LedgerKeyRecord]
    /// Committed events that no ledger row seals, ascending seq (a full anti-join).
    func unsealedEvents(limit: Int) async throws -> [ActionEvent]
    /// The first position sealed at or after `date`; nil when none is.
    func ledgerPosition(sealedAtOrAfter date: Date) async throws -> Int64?
}

/// What the sealer may do while it holds the role.
package protocol LedgerSealingSession: Sendable {
    /// The committed ledger: its frontier and chain hash, newest checkpoint, highest sealed seq.
    func state() async throws -> LedgerSealState
    /// Committed events not in the ledger with `seq > afterSeq`, plus those whose seq is in
    /// `holes` (seqs skipped earlier because their transaction had not committed yet),
    /// ascending seq, at most `limit`.
    func candidates(afterSeq: Int64, holes: [Int64], limit: Int) async throws -> [LedgerCandidate]
    /// Committed events not in the ledger with `afterSeq < seq <= throughSeq`, ascending seq:
    /// the sealer sweeps with this from 0 at takeover and now and then, so that no event is
    /// ever skipped however late it commits.
    func unsealedCandidates(afterSeq: Int64, throughSeq: Int64, limit: Int) async throws -> [LedgerCandidate]
    /// The seqs the ledger seals that are above `afterSeq`, ascending: a new holder reads the
    /// top of the ledger with this to find the seqs its predecessor may have skipped.
    func sealedSeqs(afterSeq: Int64) async throws -> [Int64]
    /// Appends `rows` (positions `expectedSize…`) and `checkpoint` in one transaction. Throws
    /// `LedgerStoreError.conflict` when the ledger does not have `expectedSize` positions or the
    /// role was lost; nothing is written then.
    func append(_ rows: [LedgerRecord], checkpoint: LedgerCheckpoint?, expectedSize: Int64) async throws
    /// Records a public key (idempotent).
    func registerKey(_ key: LedgerPublicKey, at date: Date) async throws
}

package struct LedgerSealState: Sendable {
    package var frontier: MerkleFrontier
    package var chainHash: LedgerHash
    package var latestCheckpoint: LedgerCheckpoint?
    /// 0 for an empty ledger.
    package var maxSealedSeq: Int64

    package init(
        frontier: MerkleFrontier,
        chainHash: LedgerHash,
        latestCheckpoint: LedgerCheckpoint?,
        maxSealedSeq: Int64
    ) {
        self.frontier = frontier
        self.chainHash = chainHash
        self.latestCheckpoint = latestCheckpoint
        self.maxSealedSeq = maxSealedSeq
    }

    /// Assembles the state from what a backend reads: the ledger's size; for a non-empty ledger
    /// the chain hash at its last position (passed in) and the highest sealed seq (`last`); the stored Merkle
    /// nodes among `nodes` (the frontier's); and the newest checkpoint. Throws
    /// `.unavailable` when stored nodes are missing.
    package static func read(
        size: Int64,
        last: (_ position: Int64) async throws -> (chainHash: LedgerHash, maxSealedSeq: Int64),
        nodes: (Set<MerkleNode>) async throws -> [MerkleNode: LedgerHash],
        latestCheckpoint: () async throws -> LedgerCheckpoint?
    ) async throws -> LedgerSealState {
        let (chain, maxSeq) = size > 0 ? try await last(size - 1) : (LedgerChain.genesis, 0)
        let frontierNodes = MerkleTree.frontierNodes(size: size)
        let known = try await nodes(Set(frontierNodes))
        guard let frontier = MerkleFrontier(size: size, hashes: frontierNodes.compactMap { known[$0] }) else {
            throw StoreError.unavailable(
                "unreadable ledger data: the stored Merkle nodes of the ledger's last positions are incomplete"
            )
        }
        return LedgerSealState(
            frontier: frontier,
            chainHash: chain,
            latestCheckpoint: try await latestCheckpoint(),
            maxSealedSeq: maxSeq
        )
    }
}

/// A ledger row with the event it seals and the request of a `created` event's action, as the
/// database holds them now (nil when gone).
package struct LedgerEntry: Sendable {
    package var record: LedgerRecord
    package var event: ActionEvent?
    package var request: ActionRequest?

    package init(record: LedgerRecord, event: ActionEvent?, request: ActionRequest?) {
        self.record = record
        self.event = event
        self.request = request
    }
}

package struct LedgerHead: Sendable {
    package var size: Int64
    package var latestCheckpoint: LedgerCheckpoint?

    package init(size: Int64, latestCheckpoint: LedgerCheckpoint?) {
        self.size = size
        self.latestCheckpoint = latestCheckpoint
    }
}

package struct LedgerKeyRecord: Sendable, Hashable {
    package var key: LedgerPublicKey
    package var firstUsedAt: Date

    package init(key: LedgerPublicKey, firstUsedAt: Date) {
        self.key = key
        self.firstUsedAt = firstUsedAt
    }
}

/// Ledger-specific store failures.
package enum LedgerStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another sealer extended the ledger, or this one lost its role: reload and retry.
    case conflict(String)

    package var description: String {
        switch self {
        case .conflict(let reason): return "ledger conflict: \(reason)"
        }
    }
}

extension LedgerStore {
    /// The checkpoint with exactly `treeSize` positions.
    package func ledgerCheckpoint(treeSize: Int64) async throws -> LedgerCheckpoint? {
        try await ledgerCheckpoints(from: treeSize, limit: 1).first { $0.treeSize == treeSize }
    }

    /// The smallest checkpoint that covers `position`.
    package func ledgerCheckpoint(covering position: Int64) async throws -> LedgerCheckpoint? {
        try await ledgerCheckpoints(from: position + 1, limit: 1).first
    }

    /// The hash of the first `size` positions' tree, from stored nodes (nil when nodes are missing).
    package func ledgerRoot(size: Int64) async throws -> LedgerHash? {
        guard size > 0 else { return MerkleTree.emptyRoot }
        let nodes = MerkleTree.frontierNodes(size: size)
        let known = try await ledgerNodes(Set(nodes))
        return MerkleTree.hash(of: 0..<size, nodes: known)
    }

    /// Hashes of the given tree ranges (proof elements) from stored nodes.
    package func ledgerRangeHashes(_ ranges: [Range<Int64>]) async throws -> [LedgerHash]? {
        var wanted = Set<MerkleNode>()
        for range in ranges {
            guard let parts = MerkleTree.nodes(covering: range) else { return nil }
            wanted.formUnion(parts)
        }
        let known = try await ledgerNodes(wanted)
        var out: [LedgerHash] = []
        for range in ranges {
            guard let hash = MerkleTree.hash(of: range, nodes: known) else { return nil }
            out.append(hash)
        }
        return out
    }

    /// The frontier of the first `size` positions, from stored nodes.
    package func ledgerFrontier(size: Int64) async throws -> MerkleFrontier? {
        let nodes = MerkleTree.frontierNodes(size: size)
        let known = try await ledgerNodes(Set(nodes))
        let hashes = nodes.compactMap { known[$0] }
        guard hashes.count == nodes.count else { return nil }
        return MerkleFrontier(size: size, hashes: hashes)
    }
}
