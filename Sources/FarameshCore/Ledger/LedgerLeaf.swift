import Crypto
import Foundation

/// What one ledger position commits to: an event (by id, seq, action, actor and its per-action
/// `record_hash`, which covers type, time, meta and the previous event), and for a `created`
/// event the action's request (`RequestCommitment`).
///
/// Leaf bytes = canonical JSON `{"action_id","actor","event_id","event_type","position",
/// "record_hash"[,"request"],"seq","v":1}`; leaf hash = `MerkleTree.leafHash(bytes)`. The actor is
/// included because the per-action `record_hash` (the original's algorithm) does not cover it.
public struct LedgerLeaf: Sendable, Hashable {
    public static let version: Int64 = 1

    public var position: Int64
    public var seq: Int64
    public var eventID: UUID
    public var actionID: UUID
    public var eventType: String
    public var actor: String
    public var recordHash: String
    /// `RequestCommitment` of the action, only for its `created` event.
    public var requestCommitment: String?

    public init(
        position: Int64,
        seq: Int64,
        eventID: UUID,
        actionID: UUID,
        eventType: String,
        actor: String,
        recordHash: String,
        requestCommitment: String?
    ) {
        self.position = position
        self.seq = seq
        self.eventID = eventID
        self.actionID = actionID
        self.eventType = eventType
        self.actor = actor
        self.recordHash = recordHash
        self.requestCommitment = requestCommitment
    }

    /// The leaf of `event` at `position`; `request` is the action's request for a `created` event.
    public init(position: Int64, event: ActionEvent, request: ActionRequest?) {
        self.init(
            position: position,
            seq: event.seq,
            eventID: event.id,
            actionID: event.actionID,
            eventType: event.type.rawValue,
            actor: event.actor,
            recordHash: event.recordHash,
            requestCommitment: event.type == .created ? request.map { RequestCommitment.compute($0) } : nil
        )
    }

    public var canonicalBytes: [UInt8] {
        var out = CanonicalJSON.Buffer(capacity: 320)
        out.write("{\"action_id\":\"")
        EventChain.appendUUID(actionID, to: &out)
        out.write("\",\"actor\":")
        CanonicalJSON.encodeString(actor, into: &out)
        out.write(",\"event_id\":\"")
        EventChain.appendUUID(eventID, to: &out)
        out.write("\",\"event_type\":")
        CanonicalJSON.encodeString(eventType, into: &out)
        out.write(",\"position\":")
        out.write(String(position))
        out.write(",\"record_hash\":")
        CanonicalJSON.encodeString(recordHash, into: &out)
        if let requestCommitment {
            out.write(",\"request\":")
            CanonicalJSON.encodeString(requestCommitment, into: &out)
        }
        out.write(",\"seq\":")
        out.write(String(seq))
        out.write(",\"v\":1}")
        return Array(out.bytes)
    }

    public var hash: LedgerHash { MerkleTree.leafHash(canonicalBytes) }
}

/// A commitment to an action's request in which every `params` value is hashed on its own, so
/// an export can replace a value by its hash (redaction) and still be checked against the ledger:
/// `sha256hex(canonical({"agent_id", "context": H(context), "operation",
/// "params": {key: H(value)}, "tool"}))` with `H(v) = sha256hex(canonical(v))`.
public enum RequestCommitment {
    public static func compute(_ request: ActionRequest) -> String {
        var digests: [String: String] = [:]
        if case .object(let params) = request.params {
            for (key, value) in params { digests[key] = valueDigest(value) }
        }
        return compute(
            agentID: request.agentID,
            tool: request.tool,
            operation: request.operation,
            contextDigest: valueDigest(request.context),
            paramDigests: digests,
            paramsIsObject: request.params.objectValue != nil,
            params: request.params
        )
    }

    /// From per-key digests (some of them given by a redacted export).
    public static func compute(
        agentID: String,
        tool: String,
        operation: String,
        contextDigest: String,
        paramDigests: [String: String]
    ) -> String {
        compute(
            agentID: agentID,
            tool: tool,
            operation: operation,
            contextDigest: contextDigest,
            paramDigests: paramDigests,
            paramsIsObject: true,
            params: .null
        )
    }

    private static func compute(
        agentID: String,
        tool: String,
        operation: String,
        contextDigest: String,
        paramDigests: [String: String],
        paramsIsObject: Bool,
        params: JSONValue
    ) -> String {
        // Params are always an object; anything else is committed by its digest as a whole.
        let paramsValue: JSONValue =
            paramsIsObject
            ? .object(paramDigests.mapValues { .string($0) })
            : .string(valueDigest(params))
        let document: JSONValue = .object([
            "agent_id": .string(agentID),
            "context": .string(contextDigest),
            "operation": .string(operation),
            "params": paramsValue,
            "tool": .string(tool),
        ])
        return SHA256Hex.hash(CanonicalJSON.bytes(document))
    }

    /// `sha256hex(canonical(value))`: the digest a redacted value is replaced by.
    public static func valueDigest(_ value: JSONValue) -> String {
        SHA256Hex.hash(CanonicalJSON.bytes(value))
    }
}

/// The running global chain over ledger positions: `chain_p = SHA-256(0x02 ‖ chain_{p-1} ‖
/// leaf_p)` with `chain_{-1}` = 32 zero bytes. Redundant with the Merkle root, but it lets a
/// reader check the ledger row by row (each stored chain hash must follow from the previous).
public enum LedgerChain {
    public static let genesis = LedgerHash.zero

    public static func next(_ previous: LedgerHash, leaf: LedgerHash) -> LedgerHash {
        var hasher = SHA256()
        var prefix: UInt8 = 0x02
        withUnsafeBytes(of: &prefix) { hasher.update(bufferPointer: $0) }
        previous.update(&hasher)
        leaf.update(&hasher)
        return LedgerHash(digest: hasher.finalize())
    }
}
