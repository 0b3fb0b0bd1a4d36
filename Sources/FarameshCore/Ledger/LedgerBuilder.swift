import Foundation

/// A committed event waiting to be sealed: what its leaf needs, nothing more.
public struct LedgerCandidate: Sendable, Hashable {
    public var seq: Int64
    public var eventID: UUID
    public var actionID: UUID
    public var eventType: String
    public var actor: String
    public var recordHash: String
    /// The action's request, for a `created` event.
    public var request: ActionRequest?
    /// When the event was recorded (for the sealing-lag figure; not sealed).
    public var createdAt: Date?

    public init(
        seq: Int64,
        eventID: UUID,
        actionID: UUID,
        eventType: String,
        actor: String,
        recordHash: String,
        request: ActionRequest?,
        createdAt: Date? = nil
    ) {
        self.seq = seq
        self.eventID = eventID
        self.actionID = actionID
        self.eventType = eventType
        self.actor = actor
        self.recordHash = recordHash
        self.request = request
        self.createdAt = createdAt
    }

    public init(event: ActionEvent, request: ActionRequest?) {
        self.init(
            seq: event.seq,
            eventID: event.id,
            actionID: event.actionID,
            eventType: event.type.rawValue,
            actor: event.actor,
            recordHash: event.recordHash,
            request: event.type == .created ? request : nil,
            createdAt: event.createdAt
        )
    }
}

/// Extends the ledger: assigns the next position, computes the leaf, the chain hash and the
/// Merkle subtrees the position completes. The sealer's arithmetic, without I/O.
public struct LedgerBuilder: Sendable {
    public private(set) var frontier: MerkleFrontier
    public private(set) var chainHash: LedgerHash

    public init(frontier: MerkleFrontier = MerkleFrontier(), chainHash: LedgerHash = LedgerChain.genesis) {
        self.frontier = frontier
        self.chainHash = chainHash
    }

    public var size: Int64 { frontier.size }
    public var root: LedgerHash { frontier.root }

    public mutating func append(_ candidate: LedgerCandidate, sealedAt: Date) -> LedgerRecord {
        let position = frontier.size
        let commitment =
            candidate.eventType == ActionEventType.created.rawValue
            ? candidate.request.map { RequestCommitment.compute($0) } : nil
        let leaf = LedgerLeaf(
            position: position,
            seq: candidate.seq,
            eventID: candidate.eventID,
            actionID: candidate.actionID,
            eventType: candidate.eventType,
            actor: candidate.actor,
            recordHash: candidate.recordHash,
            requestCommitment: commitment
        ).hash
        let nodes = frontier.append(leaf)
        chainHash = LedgerChain.next(chainHash, leaf: leaf)
        return LedgerRecord(
            position: position,
            seq: candidate.seq,
            eventID: candidate.eventID,
            actionID: candidate.actionID,
            eventType: candidate.eventType,
            actor: candidate.actor,
            recordHash: candidate.recordHash,
            requestCommitment: commitment,
            leafHash: leaf,
            chainHash: chainHash,
            nodes: nodes,
            sealedAt: WireTimestamp.date(microseconds: WireTimestamp.microseconds(sealedAt))
        )
    }

    /// Signs the current state.
    public func checkpoint(key: LedgerSigningKey, at: Date) throws -> LedgerCheckpoint {
        try key.checkpoint(treeSize: size, rootHash: root, chainHash: chainHash, signedAt: at)
    }
}
