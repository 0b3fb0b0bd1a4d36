import Foundation

/// The self-contained export of a ledger range (`faramesh audit export`): JSON lines, each the
/// canonical JSON of one object with a `type`, in this order:
///
/// 1. `bundle`: format, version, `from`/`to` (positions `from ..< to`), `prev_chain_hash` (the
///    chain hash before `from`), `redacted_params`, `exported_at`;
/// 2. `key` lines: the public keys that signed the checkpoints below;
/// 3. `checkpoint` lines: the `anchor` (tree size `to`) and, when there is one, the `base`
///    checkpoint at or before `from`;
/// 4. `proof` lines: `range` (subtree hashes that, with the exported leaves, give the anchor's
///    root) and `consistency` (base → anchor);
/// 5. `entry` lines: one per position, with the full event; the entry of a `created` event is
///    preceded by an `action` line with the action's request, params possibly redacted (a
///    redacted value is replaced by `{"redacted_sha256": sha256hex(canonical(value))}` and its key
///    listed in `redacted_params`: the request commitment in the leaf stays checkable);
/// 6. `end`: the number of entries and actions.
///
/// `AuditBundleVerifier` checks it with nothing but the trusted public key.
public enum AuditBundle {
    public static let format = "faramesh-audit-bundle"
    public static let version: Int64 = 1

    public static func line(_ value: JSONValue) -> String { CanonicalJSON.string(value) }

    public static func header(
        from: Int64,
        to: Int64,
        prevChainHash: LedgerHash,
        redactedParams: [String],
        exportedAt: Date
    ) -> JSONValue {
        .object([
            "type": .string("bundle"), "format": .string(format), "version": .int(version),
            "from": .int(from), "to": .int(to), "prev_chain_hash": .string(prevChainHash.hex),
            "redacted_params": .array(redactedParams.sorted().map(JSONValue.string)),
            "exported_at": .string(WireTimestamp.format(exportedAt)),
        ])
    }

    public static func key(_ key: LedgerPublicKey) -> JSONValue {
        .object([
            "type": .string("key"), "key_id": .string(key.keyID), "algorithm": .string("ed25519"),
            "public_key": .string(key.base64),
        ])
    }

    public static func checkpoint(_ checkpoint: LedgerCheckpoint, role: String) -> JSONValue {
        var object = checkpointJSON(checkpoint).objectValue ?? [:]
        object["type"] = .string("checkpoint")
        object["role"] = .string(role)
        return .object(object)
    }

    /// A checkpoint as the API and bundles write it.
    public static func checkpointJSON(_ checkpoint: LedgerCheckpoint) -> JSONValue {
        .object([
            "tree_size": .int(checkpoint.treeSize), "root_hash": .string(checkpoint.rootHash.hex),
            "chain_hash": .string(checkpoint.chainHash.hex),
            "signed_at": .string(WireTimestamp.format(checkpoint.signedAt)),
            "key_id": .string(checkpoint.keyID), "signature": .string(checkpoint.signatureBase64),
        ])
    }

    public static func proof(_ kind: String, from: Int64, to: Int64, hashes: [LedgerHash]) -> JSONValue {
        .object([
            "type": .string("proof"), "proof": .string(kind), "from": .int(from), "to": .int(to),
            "hashes": .array(hashes.map { .string($0.hex) }),
        ])
    }

    public static func action(_ action: Action, redacting keys: Set<String>) -> JSONValue {
        self.action(id: action.id, request: action.request, requestHash: action.requestHash, redacting: keys)
    }

    public static func action(
        id: UUID,
        request: ActionRequest,
        requestHash: String,
        redacting keys: Set<String>
    ) -> JSONValue {
        var params = request.params
        var redacted: [String] = []
        if case .object(var members) = params {
            for key in keys.sorted() {
                if let value = members[key] {
                    members[key] = .object(["redacted_sha256": .string(RequestCommitment.valueDigest(value))])
                    redacted.append(key)
                }
            }
            params = .object(members)
        }
        return .object([
            "type": .string("action"), "id": .string(id.uuidString.lowercased()),
            "agent_id": .string(request.agentID), "tool": .string(request.tool),
            "operation": .string(request.operation), "params": params, "context": request.context,
            "redacted_params": .array(redacted.map(JSONValue.string)), "request_hash": .string(requestHash),
        ])
    }

    public static func entry(_ record: LedgerRecord, event: ActionEvent) -> JSONValue {
        .object([
            "type": .string("entry"), "position": .int(record.position), "seq": .int(record.seq),
            "leaf_hash": .string(record.leafHash.hex), "chain_hash": .string(record.chainHash.hex),
            "sealed_at": .string(WireTimestamp.format(record.sealedAt)),
            "event": eventJSON(event),
        ])
    }

    public static func eventJSON(_ event: ActionEvent) -> JSONValue {
        .object([
            "id": .string(event.id.uuidString.lowercased()),
            "action_id": .string(event.actionID.uuidString.lowercased()),
            "event_type": .string(event.type.rawValue), "created_at": .string(WireTimestamp.format(event.createdAt)),
            "meta": event.meta, "actor": .string(event.actor),
            "prev_hash": event.prevHash.map(JSONValue.string) ?? .null, "record_hash": .string(event.recordHash),
            "seq": .int(event.seq),
        ])
    }

    public static func end(entries: Int64, actions: Int64) -> JSONValue {
        .object(["type": .string("end"), "entries": .int(entries), "actions": .int(actions)])
    }
}
