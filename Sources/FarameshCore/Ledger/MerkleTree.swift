import Crypto

/// A complete, aligned subtree of the ledger's Merkle tree: the leaves
/// `index·2^level ..< (index+1)·2^level`. Level 0 is a single leaf.
public struct MerkleNode: Sendable, Hashable, CustomStringConvertible {
    public var level: Int
    public var index: Int64

    public init(level: Int, index: Int64) {
        self.level = level
        self.index = index
    }

    /// The leaf positions the subtree covers.
    public var range: Range<Int64> { (index << level)..<((index + 1) << level) }

    /// The position of the subtree's last leaf: the ledger row that completed it (and stores it).
    public var lastLeaf: Int64 { ((index + 1) << level) - 1 }

    /// The hashes of `nodes` as the ledger stores them, from the rows (by position) that
    /// completed them: a leaf is its row's leaf hash, a higher node the row's node of that level.
    /// Nodes whose row is missing or too short are left out.
    public static func stored(
        _ nodes: some Sequence<MerkleNode>,
        rows: [Int64: (leaf: LedgerHash, nodes: [LedgerHash])]
    ) -> [MerkleNode: LedgerHash] {
        var out: [MerkleNode: LedgerHash] = [:]
        for node in nodes {
            guard let row = rows[node.lastLeaf] else { continue }
            if node.level == 0 {
                out[node] = row.leaf
            } else if node.level - 1 < row.nodes.count {
                out[node] = row.nodes[node.level - 1]
            }
        }
        return out
    }

    public var description: String { "node(level \(level), index \(index))" }
}

/// The Merkle tree hash of RFC 6962 / RFC 9162 §2.1 over the ledger's leaves, with inclusion and
/// consistency proofs as Certificate Transparency defines them, so any CT tooling can check them.
///
/// leaf = SHA-256(0x00 ‖ leaf bytes), node = SHA-256(0x01 ‖ left ‖ right), the empty tree is
/// SHA-256(""), and a tree of n > 1 leaves splits at the largest power of two below n.
///
/// Proofs are first described as leaf ranges (`Range<Int64>`): each range is one subtree of the
/// tree, `[j·2^t, min((j+1)·2^t, n))`. A store answers them from the complete subtrees it keeps
/// (`nodes(covering:)`), without reading every leaf.
public enum MerkleTree {
    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot = LedgerHash.sha256([])

    // MARK: hashing

    public static func leafHash(_ data: UnsafeRawBufferPointer) -> LedgerHash {
        var hasher = SHA256()
        var prefix: UInt8 = 0x00
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: data)
        return LedgerHash(digest: hasher.finalize())
    }

    public static func leafHash(_ data: [UInt8]) -> LedgerHash {
        data.withUnsafeBytes { leafHash($0) }
    }

    public static func nodeHash(_ left: LedgerHash, _ right: LedgerHash) -> LedgerHash {
        var hasher = SHA256()
        var prefix: UInt8 = 0x01
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        left.update(&hasher)
        right.update(&hasher)
        return LedgerHash(digest: hasher.finalize())
    }

    /// The tree hash of `leaves` (already leaf-hashed), level by level: pairing neighbours and
    /// carrying a lonely last node up gives exactly RFC 6962's split-at-a-power-of-two tree.
    public static func root(_ leaves: some Collection<LedgerHash>) -> LedgerHash {
        var level = Array(leaves)
        guard !level.isEmpty else { return emptyRoot }
        while level.count > 1 {
            var next = 0
            var i = 0
            while i + 1 < level.count {
                level[next] = nodeHash(level[i], level[i + 1])
                next += 1
                i += 2
            }
            if i < level.count {
                level[next] = level[i]
                next += 1
            }
            level.removeLast(level.count - next)
        }
        return level[0]
    }

    /// The largest power of two strictly below `n` (n ≥ 2).
    static func split(_ n: Int64) -> Int64 {
        var k: Int64 = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    // MARK: proof shapes

    /// The subtrees whose hashes make the audit path of leaf `index` in a tree of `size`
    /// leaves, nearest the leaf first (RFC 6962 §2.1.1 `PATH`). Nil when `index` is not in the tree.
    public static func inclusionProofRanges(index: Int64, size: Int64) -> [Range<Int64>]? {
        guard index >= 0, index < size else { return nil }
        var out: [Range<Int64>] = []
        var start: Int64 = 0
        var n = size
        var m = index
        // Walk down from the root, then reverse: the path lists the deepest sibling first.
        while n > 1 {
            let k = split(n)
            if m < k {
                out.append((start + k)..<(start + n))
                n = k
            } else {
                out.append(start..<(start + k))
                start += k
                m -= k
                n -= k
            }
        }
        return out.reversed()
    }

    /// The subtrees whose hashes prove that the tree of `from` leaves is a prefix of the tree of
    /// `to` leaves (RFC 6962 §2.1.2 `PROOF`). Empty when `from` is 0 or equals `to`; nil when
    /// the sizes are out of order.
    public static func consistencyProofRanges(from: Int64, to: Int64) -> [Range<Int64>]? {
        guard from >= 0, from <= to else { return nil }
        guard from > 0, from < to else { return [] }
        var out: [Range<Int64>] = []
        var start: Int64 = 0
        var n = to
        var m = from
        var complete = true
        while m != n {
            let k = split(n)
            if m <= k {
                out.append((start + k)..<(start + n))
                n = k
            } else {
                out.append(start..<(start + k))
                start += k
                m -= k
                n -= k
                complete = false
            }
        }
        if !complete { out.append(start..<(start + n)) }
        return out.reversed()
    }

    /// The subtrees left and right of the leaves `from ..< to` that, with those leaves,
    /// give the root of a tree of `size` leaves; left to right. Nil for an empty or
    /// out-of-tree range.
    public static func rangeProofRanges(from: Int64, to: Int64, size: Int64) -> [Range<Int64>]? {
        guard from >= 0, from < to, to <= size else { return nil }
        var out: [Range<Int64>] = []
        func walk(_ r: Range<Int64>) {
            if r.upperBound <= from || r.lowerBound >= to {
                out.append(r)
                return
            }
            // Wholly inside the range: its leaves are given, nothing to prove.
            if r.lowerBound >= from && r.upperBound <= to { return }
            let k = split(Int64(r.count))
            walk(r.lowerBound..<r.lowerBound + k)
            walk(r.lowerBound + k..<r.upperBound)
        }
        walk(0..<size)
        return out
    }

    /// The complete subtrees that make up the tree range `range`, largest (leftmost) first:
    /// the binary decomposition of its size starting at its aligned start. Nil when `range` is
    /// not a subtree of any tree (its start is not aligned to its size's next power of two).
    public static func nodes(covering range: Range<Int64>) -> [MerkleNode]? {
        guard range.lowerBound >= 0 else { return nil }
        var out: [MerkleNode] = []
        var cursor = range.lowerBound
        var remaining = Int64(range.count)
        var level = 62
        while remaining > 0 && level >= 0 {
            let size = Int64(1) << level
            if remaining & size != 0 {
                guard cursor % size == 0 else { return nil }
                out.append(MerkleNode(level: level, index: cursor >> level))
                cursor += size
                remaining -= size
            }
            level -= 1
        }
        return out
    }

    /// The complete subtrees of a tree of `size` leaves that are not yet closed off by later
    /// leaves: the compact state from which the tree can be extended (`MerkleFrontier`).
    public static func frontierNodes(size: Int64) -> [MerkleNode] {
        nodes(covering: 0..<max(0, size)) ?? []
    }

    /// The hash of the tree range `range` from the hashes of its complete subtrees.
    public static func hash(of range: Range<Int64>, nodes known: [MerkleNode: LedgerHash]) -> LedgerHash? {
        guard let parts = nodes(covering: range), !parts.isEmpty else { return range.isEmpty ? emptyRoot : nil }
        var hashes: [LedgerHash] = []
        hashes.reserveCapacity(parts.count)
        for node in parts {
            guard let h = known[node] else { return nil }
            hashes.append(h)
        }
        return fold(hashes)
    }

    /// Folds subtree hashes (largest first) into the hash of the range they cover, right to left.
    static func fold(_ hashes: [LedgerHash]) -> LedgerHash {
        guard var result = hashes.last else { return emptyRoot }
        for h in hashes.dropLast().reversed() { result = nodeHash(h, result) }
        return result
    }

    // MARK: in-memory proofs

    /// The audit path of leaf `index` among `leaves` (leaf hashes).
    public static func inclusionProof(index: Int64, leaves: [LedgerHash]) -> [LedgerHash]? {
        guard let ranges = inclusionProofRanges(index: index, size: Int64(leaves.count)) else { return nil }
        return ranges.map { root(leaves[Int($0.lowerBound)..<Int($0.upperBound)]) }
    }

    /// The consistency proof from the first `from` of `leaves` to all of them.
    public static func consistencyProof(from: Int64, leaves: [LedgerHash]) -> [LedgerHash]? {
        guard let ranges = consistencyProofRanges(from: from, to: Int64(leaves.count)) else { return nil }
        return ranges.map { root(leaves[Int($0.lowerBound)..<Int($0.upperBound)]) }
    }

    // MARK: verification (RFC 9162 §2.1.3.2 and §2.1.4.2)

    /// True when `proof` is the audit path of `leaf` at `index` in the tree of `size` leaves
    /// whose root is `root`.
    public static func verifyInclusion(
        leaf: LedgerHash,
        index: Int64,
        size: Int64,
        proof: [LedgerHash],
        root: LedgerHash
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = UInt64(index)
        var sn = UInt64(size - 1)
        var r = leaf
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// True when `proof` shows that the tree of `from` leaves with root `fromRoot` is a prefix
    /// of the tree of `to` leaves with root `toRoot`.
    public static func verifyConsistency(
        from: Int64,
        to: Int64,
        fromRoot: LedgerHash,
        toRoot: LedgerHash,
        proof: [LedgerHash]
    ) -> Bool {
        guard from >= 0, from <= to else { return false }
        if from == to { return proof.isEmpty && fromRoot == toRoot }
        if from == 0 { return proof.isEmpty && fromRoot == emptyRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if from & (from - 1) == 0 { path.insert(fromRoot, at: 0) }
        var fn = UInt64(from - 1)
        var sn = UInt64(to - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == fromRoot && sr == toRoot
    }

    /// The root of a tree of `size` leaves from the leaves `from ..< from + leaves.count` and the
    /// subtree hashes of `rangeProofRanges` (in that order). Nil when the proof has the wrong
    /// number of hashes.
    public static func root(
        rangeLeaves leaves: [LedgerHash],
        from: Int64,
        size: Int64,
        proof: [LedgerHash]
    ) -> LedgerHash? {
        let to = from + Int64(leaves.count)
        guard from >= 0, from < to, to <= size else { return nil }
        var proofIndex = 0
        func walk(_ r: Range<Int64>) -> LedgerHash? {
            if r.upperBound <= from || r.lowerBound >= to {
                guard proofIndex < proof.count else { return nil }
                defer { proofIndex += 1 }
                return proof[proofIndex]
            }
            if r.lowerBound >= from && r.upperBound <= to {
                return root(leaves[Int(r.lowerBound - from)..<Int(r.upperBound - from)])
            }
            let k = split(Int64(r.count))
            guard let left = walk(r.lowerBound..<r.lowerBound + k),
                let right = walk(r.lowerBound + k..<r.upperBound)
            else { return nil }
            return nodeHash(left, right)
        }
        guard let result = walk(0..<size), proofIndex == proof.count else { return nil }
        return result
    }
}
