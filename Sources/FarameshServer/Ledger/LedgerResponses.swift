import FarameshAPI
import FarameshCore
import Foundation

/// A signed checkpoint on the wire: `{"tree_size","root_hash","chain_hash","signed_at","key_id",
/// "signature"}` (hashes hex, signature base64 Ed25519 over `LedgerCheckpoint.signedBytes`).
package struct LedgerCheckpointBody: Sendable, Hashable, JSONWritable {
    package var checkpoint: LedgerCheckpoint

    package init(_ checkpoint: LedgerCheckpoint) { self.checkpoint = checkpoint }

    package init(json: JSONValue) throws(WireValidationError) {
        guard let object = json.objectValue else {
            throw WireValidationError(field: "checkpoint", message: "must be an object")
        }
        do {
            self.checkpoint = try AuditBundleVerifier.checkpoint(object)
        } catch {
            throw WireValidationError(field: "checkpoint", message: error.message)
        }
    }

    package var json: JSONValue { AuditBundle.checkpointJSON(checkpoint) }

    package func write(to w: inout JSONWriter) { w.value(json) }
}

/// `GET /v1/ledger/checkpoints`: the ledger's size, its newest checkpoint and a page of
/// checkpoints (newest first), or the one asked for.
package struct LedgerCheckpointsResponse: Sendable, Hashable, JSONWritable {
    /// Sealed positions (the newest may not be signed yet).
    package var size: Int64
    package var latest: LedgerCheckpoint?
    package var checkpoints: [LedgerCheckpoint]

    package init(size: Int64, latest: LedgerCheckpoint?, checkpoints: [LedgerCheckpoint]) {
        self.size = size
        self.latest = latest
        self.checkpoints = checkpoints
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.size = try r.int("size")
        self.latest = try r.raw("latest").flatMap { value throws(WireValidationError) in
            value == .null ? nil : try LedgerCheckpointBody(json: value).checkpoint
        }
        var list: [LedgerCheckpoint] = []
        for item in try r.array("checkpoints") { list.append(try LedgerCheckpointBody(json: item).checkpoint) }
        self.checkpoints = list
    }

    package func write(to w: inout JSONWriter) {
        w.value(
            .object([
                "size": .int(size),
                "latest": latest.map(AuditBundle.checkpointJSON) ?? .null,
                "checkpoints": .array(checkpoints.map(AuditBundle.checkpointJSON)),
            ])
        )
    }
}

/// `GET /v1/ledger/proof/{event}`: the event's leaf, its audit path and the signed checkpoint it
/// leads to. Check with `MerkleTree.verifyInclusion(leaf: LedgerLeaf(...).hash, index: position,
/// size: checkpoint.treeSize, proof: auditPath, root: checkpoint.rootHash)` and the signature.
package struct LedgerInclusionProofResponse: Sendable, Hashable, JSONWritable {
    package var leaf: LedgerLeaf
    package var leafHash: LedgerHash
    package var auditPath: [LedgerHash]
    package var checkpoint: LedgerCheckpoint

    package init(leaf: LedgerLeaf, leafHash: LedgerHash, auditPath: [LedgerHash], checkpoint: LedgerCheckpoint) {
        self.leaf = leaf
        self.leafHash = leafHash
        self.auditPath = auditPath
        self.checkpoint = checkpoint
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        let l = try FieldReader(try r.object("leaf"), path: "leaf")
        guard let eventID = UUID(uuidString: try l.string("event_id")),
            let actionID = UUID(uuidString: try l.string("action_id"))
        else {
            throw WireValidationError(field: "leaf", message: "ids must be uuids")
        }
        self.leaf = LedgerLeaf(
            position: try l.int("position"),
            seq: try l.int("seq"),
            eventID: eventID,
            actionID: actionID,
            eventType: try l.string("event_type"),
            actor: try l.string("actor"),
            recordHash: try l.string("record_hash"),
            requestCommitment: try l.optionalString("request")
        )
        guard let leafHash = LedgerHash(hex: try r.string("leaf_hash")) else {
            throw WireValidationError(field: "leaf_hash", message: "must be 64 hex digits")
        }
        self.leafHash = leafHash
        var path: [LedgerHash] = []
        for item in try r.array("audit_path") {
            guard let h = item.stringValue.flatMap({ LedgerHash(hex: $0) }) else {
                throw WireValidationError(field: "audit_path", message: "must hold 64-hex-digit hashes")
            }
            path.append(h)
        }
        self.auditPath = path
        self.checkpoint = try LedgerCheckpointBody(json: try r.object("checkpoint")).checkpoint
    }

    package func write(to w: inout JSONWriter) {
        w.value(
            .object([
                "leaf": .object([
                    "position": .int(leaf.position), "seq": .int(leaf.seq),
                    "event_id": .string(leaf.eventID.uuidString.lowercased()),
                    "action_id": .string(leaf.actionID.uuidString.lowercased()),
                    "event_type": .string(leaf.eventType), "actor": .string(leaf.actor),
                    "record_hash": .string(leaf.recordHash),
                    "request": leaf.requestCommitment.map(JSONValue.string) ?? .null,
                ]),
                "leaf_hash": .string(leafHash.hex),
                "tree_size": .int(checkpoint.treeSize),
                "root_hash": .string(checkpoint.rootHash.hex),
                "audit_path": .array(auditPath.map { .string($0.hex) }),
                "checkpoint": AuditBundle.checkpointJSON(checkpoint),
            ])
        )
    }

    /// True when the leaf, the audit path and the checkpoint fit together (the signature is
    /// checked separately, with a trusted key).
    package var verifies: Bool {
        leaf.hash == leafHash
            && MerkleTree.verifyInclusion(
                leaf: leafHash,
                index: leaf.position,
                size: checkpoint.treeSize,
                proof: auditPath,
                root: checkpoint.rootHash
            )
    }
}

/// `GET /v1/ledger/consistency?from=&to=`: the RFC 6962 consistency proof between two tree
/// sizes, with their roots and, where they exist, the signed checkpoints of exactly those sizes.
package struct LedgerConsistencyProofResponse: Sendable, Hashable, JSONWritable {
    package var from: Int64
    package var to: Int64
    package var fromRoot: LedgerHash
    package var toRoot: LedgerHash
    package var proof: [LedgerHash]
    package var fromCheckpoint: LedgerCheckpoint?
    package var toCheckpoint: LedgerCheckpoint?

    package init(
        from: Int64,
        to: Int64,
        fromRoot: LedgerHash,
        toRoot: LedgerHash,
        proof: [LedgerHash],
        fromCheckpoint: LedgerCheckpoint?,
        toCheckpoint: LedgerCheckpoint?
    ) {
        self.from = from
        self.to = to
        self.fromRoot = fromRoot
        self.toRoot = toRoot
        self.proof = proof
        self.fromCheckpoint = fromCheckpoint
        self.toCheckpoint = toCheckpoint
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.from = try r.int("from")
        self.to = try r.int("to")
        guard let fromRoot = LedgerHash(hex: try r.string("from_root")),
            let toRoot = LedgerHash(hex: try r.string("to_root"))
        else {
            throw WireValidationError(field: "from_root", message: "roots must be 64 hex digits")
        }
        self.fromRoot = fromRoot
        self.toRoot = toRoot
        var proof: [LedgerHash] = []
        for item in try r.array("proof") {
            guard let h = item.stringValue.flatMap({ LedgerHash(hex: $0) }) else {
                throw WireValidationError(field: "proof", message: "must hold 64-hex-digit hashes")
            }
            proof.append(h)
        }
        self.proof = proof
        self.fromCheckpoint = try Self.optionalCheckpoint(r.raw("from_checkpoint"))
        self.toCheckpoint = try Self.optionalCheckpoint(r.raw("to_checkpoint"))
    }

    private static func optionalCheckpoint(_ value: JSONValue?) throws(WireValidationError) -> LedgerCheckpoint? {
        guard let value, value != .null else { return nil }
        return try LedgerCheckpointBody(json: value).checkpoint
    }

    package func write(to w: inout JSONWriter) {
        w.value(
            .object([
                "from": .int(from), "to": .int(to),
                "from_root": .string(fromRoot.hex), "to_root": .string(toRoot.hex),
                "proof": .array(proof.map { .string($0.hex) }),
                "from_checkpoint": fromCheckpoint.map(AuditBundle.checkpointJSON) ?? .null,
                "to_checkpoint": toCheckpoint.map(AuditBundle.checkpointJSON) ?? .null,
            ])
        )
    }

    package var verifies: Bool {
        MerkleTree.verifyConsistency(from: from, to: to, fromRoot: fromRoot, toRoot: toRoot, proof: proof)
    }
}

/// `GET /v1/ledger/public-key`: the key this replica signs with, and every key that has signed
/// checkpoints (so checkpoints made before a rotation stay verifiable).
package struct LedgerPublicKeyResponse: Sendable, Hashable, JSONWritable {
    package struct Key: Sendable, Hashable {
        package var key: LedgerPublicKey
        package var firstUsedAt: Date?
        package init(key: LedgerPublicKey, firstUsedAt: Date?) {
            self.key = key
            self.firstUsedAt = firstUsedAt
        }
    }

    /// The replica's signing key (nil when it has none configured).
    package var current: LedgerPublicKey?
    package var keys: [Key]

    package init(current: LedgerPublicKey?, keys: [Key]) {
        self.current = current
        self.keys = keys
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        if let text = try r.optionalString("public_key") {
            do { self.current = try LedgerPublicKey(text: text) } catch {
                throw WireValidationError(field: "public_key", message: error.description)
            }
        } else {
            self.current = nil
        }
        var keys: [Key] = []
        for item in try r.array("keys") {
            let k = try FieldReader(item, path: "keys")
            let key: LedgerPublicKey
            do { key = try LedgerPublicKey(text: try k.string("public_key")) } catch let error as LedgerKeyError {
                throw WireValidationError(field: "keys.public_key", message: error.description)
            } catch let error as WireValidationError { throw error } catch {
                throw WireValidationError(field: "keys", message: "invalid key")
            }
            keys.append(Key(key: key, firstUsedAt: try k.optionalString("first_used_at").flatMap(WireTimestamp.parse)))
        }
        self.keys = keys
    }

    package func write(to w: inout JSONWriter) {
        w.value(
            .object([
                "algorithm": .string("ed25519"),
                "key_id": current.map { .string($0.keyID) } ?? .null,
                "public_key": current.map { .string($0.base64) } ?? .null,
                "keys": .array(
                    keys.map { key in
                        .object([
                            "key_id": .string(key.key.keyID), "algorithm": .string("ed25519"),
                            "public_key": .string(key.key.base64),
                            "first_used_at": key.firstUsedAt.map { .string(WireTimestamp.format($0)) } ?? .null,
                            "current": .bool(key.key == current),
                        ])
                    }
                ),
            ])
        )
    }
}
