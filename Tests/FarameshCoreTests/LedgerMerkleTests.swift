import FarameshCore
import Foundation
import Testing

/// RFC 6962 Merkle maths against the Certificate Transparency reference vectors, plus
/// exhaustive properties for every tree size up to 64.
@Suite("Ledger Merkle tree (RFC 6962)")
struct LedgerMerkleTests {
    /// The CT "sample" leaves and the root of every prefix (transparency-dev/merkle testonly).
    static let entries: [[UInt8]] = [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ]
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
    static var leaves: [LedgerHash] { entries.map(MerkleTree.leafHash) }

    static func h(_ hex: String) -> LedgerHash {
        LedgerHash(hex: hex) ?? .zero
    }

    @Test func rootsMatchTheReferenceForEverySize() {
        for n in 0...8 {
            #expect(MerkleTree.root(Self.leaves.prefix(n)).hex == Self.roots[n], "size \(n)")
            var frontier = MerkleFrontier()
            for leaf in Self.leaves.prefix(n) { frontier.append(leaf) }
            #expect(frontier.root.hex == Self.roots[n], "frontier size \(n)")
        }
        #expect(MerkleTree.emptyRoot.hex == Self.roots[0])
    }

    @Test func inclusionProofsMatchTheReference() throws {
        let vectors: [(Int64, Int64, [String])] = [
            (
                0, 8,
                [
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]
            ),
            (
                5, 8,
                [
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]
            ),
            (0, 1, []),
        ]
        for (index, size, expected) in vectors {
            let leaves = Array(Self.leaves.prefix(Int(size)))
            let proof = try #require(MerkleTree.inclusionProof(index: index, leaves: leaves))
            #expect(proof.map(\.hex) == expected, "leaf \(index) of \(size)")
            #expect(
                MerkleTree.verifyInclusion(
                    leaf: leaves[Int(index)],
                    index: index,
                    size: size,
                    proof: proof,
                    root: Self.h(Self.roots[Int(size)])
                )
            )
        }
    }

    @Test func consistencyProofsMatchTheReference() throws {
        let vectors: [(Int64, Int64, [String])] = [
            (
                2, 8,
                [
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ]
            ),
            (
                6, 8,
                [
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ]
            ),
            (
                2, 5,
                [
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ]
            ),
            (1, 1, []),
        ]
        for (from, to, expected) in vectors {
            let leaves = Array(Self.leaves.prefix(Int(to)))
            let proof = try #require(MerkleTree.consistencyProof(from: from, leaves: leaves))
            #expect(proof.map(\.hex) == expected, "\(from) -> \(to)")
            #expect(
                MerkleTree.verifyConsistency(
                    from: from,
                    to: to,
                    fromRoot: Self.h(Self.roots[Int(from)]),
                    toRoot: Self.h(Self.roots[Int(to)]),
                    proof: proof
                )
            )
        }
        // The degenerate cases of RFC 9162.
        let root8 = Self.h(Self.roots[8])
        #expect(MerkleTree.verifyConsistency(from: 0, to: 8, fromRoot: MerkleTree.emptyRoot, toRoot: root8, proof: []))
        #expect(
            !MerkleTree.verifyConsistency(from: 0, to: 8, fromRoot: Self.h(Self.roots[1]), toRoot: root8, proof: [])
        )
        #expect(
            !MerkleTree.verifyConsistency(from: 6, to: 8, fromRoot: Self.h(Self.roots[6]), toRoot: root8, proof: [])
        )
        #expect(
            !MerkleTree.verifyConsistency(from: 8, to: 6, fromRoot: root8, toRoot: Self.h(Self.roots[6]), proof: [])
        )
    }

    static let many: [LedgerHash] = (0..<64).map {
        MerkleTree.leafHash([UInt8(truncatingIfNeeded: $0), 0x5A, UInt8($0 / 7)])
    }

    static func flipped(_ hash: LedgerHash) -> LedgerHash {
        var bytes = hash.bytes
        bytes[7] ^= 0x01
        return LedgerHash(bytes: bytes) ?? .zero
    }

    @Test func everyInclusionProofUpTo64VerifiesAndNoTamperedOneDoes() throws {
        for n in 1...64 {
            let tree = Array(Self.many.prefix(n))
            let root = MerkleTree.root(tree)
            for i in 0..<n {
                let proof = try #require(MerkleTree.inclusionProof(index: Int64(i), leaves: tree))
                #expect(
                    MerkleTree.verifyInclusion(leaf: tree[i], index: Int64(i), size: Int64(n), proof: proof, root: root)
                )
                #expect(
                    !MerkleTree.verifyInclusion(
                        leaf: Self.flipped(tree[i]),
                        index: Int64(i),
                        size: Int64(n),
                        proof: proof,
                        root: root
                    )
                )
                if n > 1 {
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leaf: tree[i],
                            index: Int64((i + 1) % n),
                            size: Int64(n),
                            proof: proof,
                            root: root
                        )
                    )
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leaf: tree[i],
                            index: Int64(i),
                            size: Int64(n),
                            proof: proof.dropLast(),
                            root: root
                        )
                    )
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leaf: tree[i],
                            index: Int64(i),
                            size: Int64(n),
                            proof: proof + [root],
                            root: root
                        )
                    )
                    var bad = proof
                    bad[bad.count - 1] = Self.flipped(bad[bad.count - 1])
                    #expect(
                        !MerkleTree.verifyInclusion(
                            leaf: tree[i],
                            index: Int64(i),
                            size: Int64(n),
                            proof: bad,
                            root: root
                        )
                    )
                }
            }
        }
    }

    @Test func everyConsistencyProofUpTo64VerifiesAndNoTamperedOneDoes() throws {
        let roots = (0...64).map { MerkleTree.root(Self.many.prefix($0)) }
        for n in 1...64 {
            let tree = Array(Self.many.prefix(n))
            for m in 0...n {
                let proof = try #require(MerkleTree.consistencyProof(from: Int64(m), leaves: tree))
                #expect(
                    MerkleTree.verifyConsistency(
                        from: Int64(m),
                        to: Int64(n),
                        fromRoot: roots[m],
                        toRoot: roots[n],
                        proof: proof
                    ),
                    "\(m) -> \(n)"
                )
                guard m > 0, m < n else { continue }
                #expect(
                    !MerkleTree.verifyConsistency(
                        from: Int64(m),
                        to: Int64(n),
                        fromRoot: Self.flipped(roots[m]),
                        toRoot: roots[n],
                        proof: proof
                    )
                )
                #expect(
                    !MerkleTree.verifyConsistency(
                        from: Int64(m),
                        to: Int64(n),
                        fromRoot: roots[m],
                        toRoot: Self.flipped(roots[n]),
                        proof: proof
                    )
                )
                var bad = proof
                bad[0] = Self.flipped(bad[0])
                #expect(
                    !MerkleTree.verifyConsistency(
                        from: Int64(m),
                        to: Int64(n),
                        fromRoot: roots[m],
                        toRoot: roots[n],
                        proof: bad
                    )
                )
                #expect(
                    !MerkleTree.verifyConsistency(
                        from: Int64(m),
                        to: Int64(n),
                        fromRoot: roots[m],
                        toRoot: roots[n],
                        proof: proof.dropLast()
                    )
                )
            }
        }
    }

    @Test func rangeProofsGiveTheRootForEveryRange() throws {
        for n in 1...33 {
            let tree = Array(Self.many.prefix(n))
            let root = MerkleTree.root(tree)
            for from in 0..<n {
                for to in (from + 1)...n {
                    let ranges = try #require(
                        MerkleTree.rangeProofRanges(from: Int64(from), to: Int64(to), size: Int64(n))
                    )
                    let proof = ranges.map { MerkleTree.root(tree[Int($0.lowerBound)..<Int($0.upperBound)]) }
                    let slice = Array(tree[from..<to])
                    #expect(
                        MerkleTree.root(rangeLeaves: slice, from: Int64(from), size: Int64(n), proof: proof) == root
                    )
                    var changed = slice
                    changed[0] = Self.flipped(changed[0])
                    #expect(
                        MerkleTree.root(rangeLeaves: changed, from: Int64(from), size: Int64(n), proof: proof) != root
                    )
                    #expect(
                        MerkleTree.root(rangeLeaves: slice, from: Int64(from), size: Int64(n), proof: proof + [root])
                            == nil
                    )
                }
            }
        }
    }

    @Test func storedNodesServeProofs() throws {
        // What the sealer stores per position, and a proof assembled only from those nodes.
        var frontier = MerkleFrontier()
        var known: [MerkleNode: LedgerHash] = [:]
        for (position, leaf) in Self.many.enumerated() {
            known[MerkleNode(level: 0, index: Int64(position))] = leaf
            let completed = frontier.append(leaf)
            let nodes = MerkleFrontier.completedNodes(at: Int64(position))
            #expect(nodes.count == completed.count)
            for (node, hash) in zip(nodes, completed) {
                #expect(node.lastLeaf == Int64(position))
                known[node] = hash
                #expect(hash == MerkleTree.root(Self.many[Int(node.range.lowerBound)..<Int(node.range.upperBound)]))
            }
            let size = Int64(position + 1)
            let frontierNodes = MerkleTree.frontierNodes(size: size)
            let rebuilt = try #require(MerkleFrontier(size: size, hashes: frontierNodes.compactMap { known[$0] }))
            #expect(rebuilt == frontier)
            for index in [0, position / 2, position] {
                let ranges = try #require(MerkleTree.inclusionProofRanges(index: Int64(index), size: size))
                let proof = try ranges.map { try #require(MerkleTree.hash(of: $0, nodes: known)) }
                #expect(
                    MerkleTree.verifyInclusion(
                        leaf: Self.many[index],
                        index: Int64(index),
                        size: size,
                        proof: proof,
                        root: frontier.root
                    )
                )
            }
        }
    }

    @Test func hashTextRoundTrips() throws {
        let hash = MerkleTree.leafHash([1, 2, 3])
        #expect(LedgerHash(hex: hash.hex) == hash)
        #expect(LedgerHash(hex: hash.hex.uppercased()) == hash)
        #expect(LedgerHash(hex: String(hash.hex.dropLast())) == nil)
        #expect(LedgerHash(hex: "g" + hash.hex.dropFirst()) == nil)
        #expect(LedgerHash(bytes: hash.bytes) == hash)
        let record = LedgerRecord(
            position: 0,
            seq: 1,
            eventID: UUID(),
            actionID: UUID(),
            eventType: "created",
            actor: "a",
            recordHash: "x",
            requestCommitment: nil,
            leafHash: hash,
            chainHash: hash,
            nodes: [hash, .zero],
            sealedAt: Date()
        )
        #expect(LedgerRecord.nodes(hex: record.nodesHex) == [hash, .zero])
        #expect(LedgerRecord.nodes(hex: "") == [])
        #expect(LedgerRecord.nodes(hex: "abc") == nil)
    }
}
