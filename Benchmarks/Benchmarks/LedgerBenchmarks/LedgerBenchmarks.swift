import Benchmark
import FarameshCore
import Foundation

/// Ledger maths: leaf hashing and sealing per event, proofs and their verification, checkpoint
/// signing, and the auditor's per-event cost (what bounds `verify-log` besides reading rows).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    let actionID = UUID()
    let request = ActionRequest(agentID: "billing-agent-7", tool: "http", operation: "post",
                                params: .object(["url": .string("https://api.example.com/v2/invoices"), "amount": .int(129_900),
                                                 "headers": .object(["Accept": .string("application/json")])]))
    let created = EventChain.makeEvent(actionID: actionID, type: .created, meta: .object(["decision": .string("allow")]),
                                       actor: "billing-agent-7", at: Date(), prevHash: nil)
    var decided = EventChain.makeEvent(actionID: actionID, type: .decisionMade,
                                       meta: .object(["request_hash": .string(RequestHash.compute(request)),
                                                      "reason": .string("rule allow-http")]),
                                       actor: "billing-agent-7", at: Date(), prevHash: created.recordHash)
    decided.seq = 2
    let candidate = LedgerCandidate(event: decided, request: request)

    // A ledger of 1 M leaves for proofs (leaf hashes only).
    let size = 1 << 20
    var builder = LedgerBuilder()
    var leaves: [LedgerHash] = []
    leaves.reserveCapacity(size)
    var known: [MerkleNode: LedgerHash] = [:]
    for i in 0..<size {
        var c = candidate
        c.seq = Int64(i + 1)
        let record = builder.append(c, sealedAt: Date(timeIntervalSince1970: 0))
        leaves.append(record.leafHash)
        for (node, hash) in zip(MerkleFrontier.completedNodes(at: Int64(i)), record.nodes) { known[node] = hash }
        known[MerkleNode(level: 0, index: Int64(i))] = record.leafHash
    }
    let root = builder.root
    let key = LedgerSigningKey.generate()
    let checkpoint: LedgerCheckpoint
    do {
        checkpoint = try builder.checkpoint(key: key, at: Date())
    } catch {
        print("signing failed: \(error)")
        return
    }
    let index = Int64(size / 3)
    let inclusionRanges = MerkleTree.inclusionProofRanges(index: index, size: Int64(size)) ?? []
    let inclusion = inclusionRanges.compactMap { MerkleTree.hash(of: $0, nodes: known) }
    let consistencyRanges = MerkleTree.consistencyProofRanges(from: Int64(size / 3), to: Int64(size)) ?? []
    let consistency = consistencyRanges.compactMap { MerkleTree.hash(of: $0, nodes: known) }
    let oldRoot = MerkleTree.root(leaves[0 ..< size / 3])

    Benchmark("Seal one event (leaf + request commitment + chain + frontier)") { benchmark in
        var b = LedgerBuilder()
        for i in benchmark.scaledIterations {
            var c = candidate
            c.seq = Int64(i)
            blackHole(b.append(c, sealedAt: Date(timeIntervalSince1970: 0)))
        }
    }

    Benchmark("Leaf hash of one event") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(LedgerLeaf(position: 42, event: decided, request: nil).hash)
        }
    }

    Benchmark("Inclusion proof from stored nodes (1 M leaves)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(inclusionRanges.compactMap { MerkleTree.hash(of: $0, nodes: known) })
        }
    }

    Benchmark("Verify inclusion proof (1 M leaves)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MerkleTree.verifyInclusion(leaf: leaves[Int(index)], index: index, size: Int64(size), proof: inclusion, root: root))
        }
    }

    Benchmark("Verify consistency proof (1/3 M -> 1 M)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MerkleTree.verifyConsistency(from: Int64(size / 3), to: Int64(size), fromRoot: oldRoot, toRoot: root,
                                                   proof: consistency))
        }
    }

    Benchmark("Sign a checkpoint (Ed25519)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try builder.checkpoint(key: key, at: Date()))
        }
    }

    Benchmark("Verify a checkpoint signature (Ed25519)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(key.publicKey.verifies(checkpoint))
        }
    }

    Benchmark("Merkle root of 1 M leaves", configuration: .init(maxDuration: .seconds(5), maxIterations: 20)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(MerkleTree.root(leaves))
        }
    }

    Benchmark("Auditor: check 4096 sealed events (record hash, leaf, chain, frontier)") { benchmark in
        var records: [LedgerRecord] = []
        var sealing = LedgerBuilder()
        var events: [ActionEvent] = []
        var previous: String?
        let count = 4096
        for i in 0..<count {
            var event = EventChain.makeEvent(actionID: actionID, type: i == 0 ? .created : .started,
                                             meta: .object(["n": .int(Int64(i))]), actor: "a", at: Date(), prevHash: previous)
            event.seq = Int64(i + 1)
            previous = event.recordHash
            events.append(event)
            records.append(sealing.append(LedgerCandidate(event: event, request: request), sealedAt: Date()))
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var auditor = LedgerAuditor(checkpoints: [], trustedKeys: [key.publicKey], now: Date())
            for (record, event) in zip(records, events) { auditor.add(record, event: event, request: request) }
            blackHole(auditor.finish())
        }
    }
}
