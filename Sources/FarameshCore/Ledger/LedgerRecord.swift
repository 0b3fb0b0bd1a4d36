import Foundation

/// One ledger row as stored: position `position` seals the event `eventID` (seq `seq`) of
/// `actionID`. The row repeats every field the leaf committed to (`leaf`), so a proof can be
/// served for a deleted event and a verifier can say *what* changed, not only *that* something
/// did; the authority is `leafHash` and, above it, the signed Merkle root.
public struct LedgerRecord: Sendable, Hashable {
    public var position: Int64
    public var seq: Int64
    public var eventID: UUID
    public var actionID: UUID
    public var eventType: String
    public var actor: String
    public var recordHash: String
    public var requestCommitment: String?
    public var leafHash: LedgerHash
    /// `LedgerChain` value after this position.
    public var chainHash: LedgerHash
    /// Hashes of the subtrees this position completed (`MerkleFrontier.completedNodes(at:)`),
    /// lowest level first; they serve proofs without reading every leaf.
    public var nodes: [LedgerHash]
    public var sealedAt: Date

    public init(
        position: Int64,
        seq: Int64,
        eventID: UUID,
        actionID: UUID,
        eventType: String,
        actor: String,
        recordHash: String,
        requestCommitment: String?,
        leafHash: LedgerHash,
        chainHash: LedgerHash,
        nodes: [LedgerHash],
        sealedAt: Date
    ) {
        self.position = position
        self.seq = seq
        self.eventID = eventID
        self.actionID = actionID
        self.eventType = eventType
        self.actor = actor
        self.recordHash = recordHash
        self.requestCommitment = requestCommitment
        self.leafHash = leafHash
        self.chainHash = chainHash
        self.nodes = nodes
        self.sealedAt = sealedAt
    }

    /// The leaf as this row describes it.
    public var leaf: LedgerLeaf {
        LedgerLeaf(
            position: position,
            seq: seq,
            eventID: eventID,
            actionID: actionID,
            eventType: eventType,
            actor: actor,
            recordHash: recordHash,
            requestCommitment: requestCommitment
        )
    }

    /// Concatenated hex of `nodes` (how the stores keep them).
    public var nodesHex: String { nodes.map(\.hex).joined() }

    /// Parses `nodesHex`; nil when it is not a whole number of hashes.
    public static func nodes(hex text: String) -> [LedgerHash]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 64 == 0 else { return nil }
        var out: [LedgerHash] = []
        out.reserveCapacity(utf8.count / 64)
        var i = 0
        while i < utf8.count {
            guard let h = LedgerHash(hex: String(decoding: utf8[i..<i + 64], as: UTF8.self)) else { return nil }
            out.append(h)
            i += 64
        }
        return out
    }
}

/// Something a ledger verification found, with where it is.
public struct LedgerFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An event's content, actor or its action's request was changed.
        case edited
        /// An event, an action or ledger rows are gone.
        case deleted
        /// An event or ledger row was added outside the sealer.
        case inserted
        /// An event was moved to another seq, position or action.
        case reordered
        /// A chain was rewritten and re-hashed consistently: only the sealed hashes show it.
        case rehashed
        /// A per-action or global chain link does not hold.
        case chain
        /// A signed checkpoint does not match the ledger (root, chain hash or size).
        case checkpoint
        /// A checkpoint signature is invalid or made with a key that is not trusted.
        case signature
        /// An event is not sealed yet (a warning while it is recent).
        case unsealed
    }

    public var kind: Kind
    public var position: Int64?
    public var seq: Int64?
    public var eventID: UUID?
    public var actionID: UUID?
    /// The checkpoint concerned (its tree size).
    public var treeSize: Int64?
    public var detail: String
    /// Warnings do not fail a verification.
    public var isWarning: Bool

    public init(
        _ kind: Kind,
        position: Int64? = nil,
        seq: Int64? = nil,
        eventID: UUID? = nil,
        actionID: UUID? = nil,
        treeSize: Int64? = nil,
        detail: String,
        isWarning: Bool = false
    ) {
        self.kind = kind
        self.position = position
        self.seq = seq
        self.eventID = eventID
        self.actionID = actionID
        self.treeSize = treeSize
        self.detail = detail
        self.isWarning = isWarning
    }

    /// "position 17, seq 23, event …, action …".
    public var location: String {
        var parts: [String] = []
        if let treeSize { parts.append("checkpoint \(treeSize)") }
        if let position { parts.append("position \(position)") }
        if let seq { parts.append("seq \(seq)") }
        if let eventID { parts.append("event \(eventID.uuidString.lowercased())") }
        if let actionID { parts.append("action \(actionID.uuidString.lowercased())") }
        return parts.joined(separator: ", ")
    }

    public var description: String {
        let place = location
        return place.isEmpty ? "\(kind.rawValue): \(detail)" : "\(kind.rawValue) (\(place)): \(detail)"
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "kind": .string(kind.rawValue), "reason": .string(detail),
            "warning": .bool(isWarning),
        ]
        if let position { o["position"] = .int(position) }
        if let seq { o["seq"] = .int(seq) }
        if let eventID { o["event_id"] = .string(eventID.uuidString.lowercased()) }
        if let actionID { o["action_id"] = .string(actionID.uuidString.lowercased()) }
        if let treeSize { o["tree_size"] = .int(treeSize) }
        return .object(o)
    }
}
