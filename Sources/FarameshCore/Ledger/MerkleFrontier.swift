/// The compact state of a growing Merkle tree: the hashes of the complete subtrees of the
/// binary decomposition of its size (at most 63), largest first. Enough to append leaves and to
/// compute the root, without keeping the leaves.
public struct MerkleFrontier: Sendable, Hashable {
    public private(set) var size: Int64
    /// Hashes of `MerkleTree.frontierNodes(size:)`, in that order.
    public private(set) var hashes: [LedgerHash]

    public init() {
        self.size = 0
        self.hashes = []
    }

    /// Nil when the number of hashes does not match `size` (one per set bit).
    public init?(size: Int64, hashes: [LedgerHash]) {
        guard size >= 0, size.nonzeroBitCount == hashes.count else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// Appends one leaf hash. Returns the subtrees of level ≥ 1 it completed, lowest first; the
    /// ledger row of this leaf stores them so that proofs never need to re-read all leaves.
    @discardableResult
    public mutating func append(_ leaf: LedgerHash) -> [LedgerHash] {
        var completed: [LedgerHash] = []
        var hash = leaf
        var bits = size
        while bits & 1 == 1 {
            // `hashes` can only run out if `size` and `hashes` disagree, which init prevents.
            guard let left = hashes.popLast() else { break }
            hash = MerkleTree.nodeHash(left, hash)
            completed.append(hash)
            bits >>= 1
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    /// The tree hash of the leaves appended so far.
    public var root: LedgerHash { MerkleTree.fold(hashes) }

    /// The nodes a ledger row at `position` completes: levels 1 … (number of trailing one bits
    /// of `position`). The row stores their hashes in this order.
    public static func completedNodes(at position: Int64) -> [MerkleNode] {
        var out: [MerkleNode] = []
        var level = 1
        while level < 63 && (position + 1) % (Int64(1) << level) == 0 {
            out.append(MerkleNode(level: level, index: (position + 1) >> level - 1))
            level += 1
        }
        return out
    }
}
