import Foundation

/// Why a bundle cannot be read at all (as opposed to what is wrong with its contents).
public struct AuditBundleError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// Checks an `AuditBundle` line by line, with no database: every event's record hash and
/// per-action links, every leaf (recomputed from the event and, for `created` events, the
/// possibly redacted request), the global chain from `prev_chain_hash` to the anchor's chain
/// hash, the anchor's Merkle root from the exported leaves and the range proof, the anchor's
/// (and base's) signature with a trusted key, and the consistency proof from base to anchor.
public struct AuditBundleVerifier: Sendable {
    public struct Report: Sendable {
        public var findings: [LedgerFinding] = []
        public var from: Int64 = 0
        public var to: Int64 = 0
        public var entries: Int64 = 0
        public var actions = 0
        public var redactedParams: [String] = []
        public var anchor: LedgerCheckpoint?
        public var base: LedgerCheckpoint?
        public var failures: [LedgerFinding] { findings.filter { !$0.isWarning } }
        public var ok: Bool { failures.isEmpty && anchor != nil }
    }

    private struct Header {
        var from: Int64
        var to: Int64
        var prevChain: LedgerHash
    }

    private struct ActionInfo {
        var commitment: String
        var requestHash: String
        var createdSeen = false
    }

    private let trustedKeys: [String: LedgerPublicKey]
    private let trustBundleKeys: Bool
    private var bundleKeys: [String: LedgerPublicKey] = [:]
    private var header: Header?
    private var lineNumber = 0
    private var rangeProof: [LedgerHash]?
    private var consistencyProof: [LedgerHash]?
    private var actions: [UUID: ActionInfo] = [:]
    private var leaves: [LedgerHash] = []
    private var chain = LedgerHash.zero
    private var nextPosition: Int64 = 0
    private var tracker = ActionChainTracker(partial: true)
    private var ended = false
    private var report = Report()

    /// - Parameters:
    ///   - trustedKeys: the keys the reader trusts (from the operator, not from the bundle).
    ///   - trustBundleKeys: also accept the keys the bundle carries (proves integrity, not origin).
    public init(trustedKeys: [LedgerPublicKey], trustBundleKeys: Bool = false) {
        var keys: [String: LedgerPublicKey] = [:]
        for key in trustedKeys { keys[key.keyID] = key }
        self.trustedKeys = keys
        self.trustBundleKeys = trustBundleKeys
    }

    /// Reads the next line (empty lines are ignored).
    public mutating func add(line bytes: some Collection<UInt8>) throws(AuditBundleError) {
        lineNumber += 1
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return }
        guard !ended else { throw AuditBundleError(line: lineNumber, "content after the end line") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw AuditBundleError(line: lineNumber, "not JSON: \(error)")
        }
        guard let object = value.objectValue, let type = object["type"]?.stringValue else {
            throw AuditBundleError(line: lineNumber, "not an object with a type")
        }
        if type != "bundle" && header == nil {
            throw AuditBundleError(line: lineNumber, "the first line must be the bundle header")
        }
        switch type {
        case "bundle": try readHeader(object)
        case "key": try readKey(object)
        case "checkpoint": try readCheckpoint(object)
        case "proof": try readProof(object)
        case "action": try readAction(object)
        case "entry": try readEntry(object)
        case "end":
            ended = true
            guard try int(object, "entries") == report.entries else {
                throw AuditBundleError(
                    line: lineNumber,
                    "the end line's entry count does not match the entries read (bundle truncated?)"
                )
            }
        default:
            throw AuditBundleError(line: lineNumber, "unknown line type '\(type)'")
        }
    }

    // MARK: lines

    private mutating func readHeader(_ o: [String: JSONValue]) throws(AuditBundleError) {
        guard header == nil else { throw AuditBundleError(line: lineNumber, "a second bundle header") }
        guard o["format"]?.stringValue == AuditBundle.format else {
            throw AuditBundleError(line: lineNumber, "not a \(AuditBundle.format)")
        }
        guard try int(o, "version") == AuditBundle.version else {
            throw AuditBundleError(line: lineNumber, "unsupported bundle version")
        }
        let from = try int(o, "from")
        let to = try int(o, "to")
        guard from >= 0, to > from else {
            throw AuditBundleError(line: lineNumber, "the range from..<to is empty or negative")
        }
        header = Header(from: from, to: to, prevChain: try hash(o, "prev_chain_hash"))
        chain = header?.prevChain ?? .zero
        nextPosition = from
        report.from = from
        report.to = to
        report.redactedParams = Self.strings(o["redacted_params"])
    }

    private mutating func readKey(_ o: [String: JSONValue]) throws(AuditBundleError) {
        guard let text = o["public_key"]?.stringValue, let key = try? LedgerPublicKey(text: text) else {
            throw AuditBundleError(line: lineNumber, "a key line without a valid Ed25519 public key")
        }
        if let id = o["key_id"]?.stringValue, id != key.keyID {
            report.findings.append(
                LedgerFinding(.signature, detail: "key line says key id \(id) but the key's id is \(key.keyID)")
            )
        }
        bundleKeys[key.keyID] = key
    }

    private mutating func readCheckpoint(_ o: [String: JSONValue]) throws(AuditBundleError) {
        let checkpoint = try Self.checkpoint(o, line: lineNumber)
        switch o["role"]?.stringValue {
        case "anchor": report.anchor = checkpoint
        case "base": report.base = checkpoint
        default: throw AuditBundleError(line: lineNumber, "a checkpoint line needs role anchor or base")
        }
    }

    /// Reads a checkpoint object as the API and bundles write it.
    public static func checkpoint(_ o: [String: JSONValue], line: Int = 0) throws(AuditBundleError) -> LedgerCheckpoint
    {
        guard case .int(let size)? = o["tree_size"], size >= 0,
            let root = o["root_hash"]?.stringValue.flatMap({ LedgerHash(hex: $0) }),
            let chain = o["chain_hash"]?.stringValue.flatMap({ LedgerHash(hex: $0) }),
            let signedAt = o["signed_at"]?.stringValue.flatMap(WireTimestamp.parse),
            let keyID = o["key_id"]?.stringValue,
            let signature = o["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
        else {
            throw AuditBundleError(
                line: line,
                "a checkpoint needs tree_size, root_hash, chain_hash, signed_at, key_id and signature"
            )
        }
        return LedgerCheckpoint(
            treeSize: size,
            rootHash: root,
            chainHash: chain,
            signedAt: signedAt,
            keyID: keyID,
            signature: Array(signature)
        )
    }

    private mutating func readProof(_ o: [String: JSONValue]) throws(AuditBundleError) {
        guard case .array(let items)? = o["hashes"] else {
            throw AuditBundleError(line: lineNumber, "a proof needs hashes")
        }
        var hashes: [LedgerHash] = []
        for item in items {
            guard let h = item.stringValue.flatMap({ LedgerHash(hex: $0) }) else {
                throw AuditBundleError(line: lineNumber, "a proof hash is not 64 hex digits")
            }
            hashes.append(h)
        }
        switch o["proof"]?.stringValue {
        case "range": rangeProof = hashes
        case "consistency": consistencyProof = hashes
        default: throw AuditBundleError(line: lineNumber, "unknown proof kind")
        }
    }

    private mutating func readAction(_ o: [String: JSONValue]) throws(AuditBundleError) {
        guard let id = o["id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let agent = o["agent_id"]?.stringValue, let tool = o["tool"]?.stringValue,
            let operation = o["operation"]?.stringValue, let params = o["params"]?.objectValue,
            let context = o["context"], let requestHash = o["request_hash"]?.stringValue
        else {
            throw AuditBundleError(
                line: lineNumber,
                "an action line needs id, agent_id, tool, operation, params, context and request_hash"
            )
        }
        let redacted = Set(Self.strings(o["redacted_params"]))
        var digests: [String: String] = [:]
        for (key, value) in params {
            if redacted.contains(key) {
                guard let digest = value["redacted_sha256"]?.stringValue, digest.count == 64 else {
                    throw AuditBundleError(line: lineNumber, "redacted param '\(key)' has no redacted_sha256")
                }
                digests[key] = digest
            } else {
                digests[key] = RequestCommitment.valueDigest(value)
            }
        }
        let commitment = RequestCommitment.compute(
            agentID: agent,
            tool: tool,
            operation: operation,
            contextDigest: RequestCommitment.valueDigest(context),
            paramDigests: digests
        )
        if redacted.isEmpty {
            let request = ActionRequest(
                agentID: agent,
                tool: tool,
                operation: operation,
                params: .object(params),
                context: context
            )
            if RequestHash.compute(request) != requestHash {
                report.findings.append(
                    LedgerFinding(.edited, actionID: id, detail: "the action's request does not match its request_hash")
                )
            }
        }
        actions[id] = ActionInfo(commitment: commitment, requestHash: requestHash)
        report.actions += 1
    }

    private mutating func readEntry(_ o: [String: JSONValue]) throws(AuditBundleError) {
        let position = try int(o, "position")
        let leafHash = try hash(o, "leaf_hash")
        let chainHash = try hash(o, "chain_hash")
        guard let e = o["event"]?.objectValue, let event = Self.event(e) else {
            throw AuditBundleError(line: lineNumber, "an entry needs a complete event")
        }
        let sealedSeq = try int(o, "seq")
        guard position == nextPosition else {
            throw AuditBundleError(
                line: lineNumber,
                "expected position \(nextPosition), found \(position) (entries missing or out of order)"
            )
        }
        nextPosition += 1
        report.entries += 1
        func finding(_ kind: LedgerFinding.Kind, _ detail: String) {
            report.findings.append(
                LedgerFinding(
                    kind,
                    position: position,
                    seq: event.seq,
                    eventID: event.id,
                    actionID: event.actionID,
                    detail: detail
                )
            )
        }
        if sealedSeq != event.seq {
            finding(.reordered, "the entry's seq \(sealedSeq) differs from its event's seq \(event.seq)")
        }
        report.findings.append(contentsOf: tracker.add(event, position: position))

        var commitment: String?
        if event.type == .created {
            if var info = actions[event.actionID] {
                commitment = info.commitment
                info.createdSeen = true
                actions[event.actionID] = info
            } else {
                finding(.deleted, "the created event's action line is missing from the bundle")
            }
        }
        if event.type == .decisionMade, let info = actions[event.actionID],
            let sealed = event.meta["request_hash"]?.stringValue, sealed != info.requestHash
        {
            finding(.edited, "the action line's request_hash differs from the one its decision_made event recorded")
        }
        let leaf = LedgerLeaf(
            position: position,
            seq: event.seq,
            eventID: event.id,
            actionID: event.actionID,
            eventType: event.type.rawValue,
            actor: event.actor,
            recordHash: event.recordHash,
            requestCommitment: commitment
        ).hash
        if leaf != leafHash {
            finding(
                .edited,
                "the leaf recomputed from the event (and its action's request) differs from the exported leaf_hash"
            )
        }
        leaves.append(leaf)
        chain = LedgerChain.next(chain, leaf: leaf)
        if chain != chainHash {
            finding(.chain, "the chain hash recomputed from the previous position differs from the exported chain_hash")
            chain = chainHash
        }
    }

    // MARK: result

    public mutating func finish() -> Report {
        guard let header else {
            report.findings.append(LedgerFinding(.deleted, detail: "the bundle is empty"))
            return report
        }
        if !ended { report.findings.append(LedgerFinding(.deleted, detail: "the bundle has no end line (truncated)")) }
        if nextPosition != header.to {
            report.findings.append(
                LedgerFinding(
                    .deleted,
                    position: nextPosition,
                    detail:
                        "the bundle declares positions \(header.from)..<\(header.to) but its entries end at \(nextPosition)"
                )
            )
        }
        for (id, info) in actions where !info.createdSeen {
            report.findings.append(
                LedgerFinding(.inserted, actionID: id, detail: "an action line without its created event in the bundle")
            )
        }
        guard let anchor = report.anchor else {
            report.findings.append(LedgerFinding(.checkpoint, detail: "the bundle has no anchor checkpoint"))
            return report
        }
        checkSignature(anchor)
        if anchor.treeSize != header.to {
            report.findings.append(
                LedgerFinding(
                    .checkpoint,
                    treeSize: anchor.treeSize,
                    detail: "the anchor checkpoint's tree size is not the bundle's end position \(header.to)"
                )
            )
        } else if nextPosition == header.to {
            let proof = rangeProof ?? []
            if let root = MerkleTree.root(rangeLeaves: leaves, from: header.from, size: anchor.treeSize, proof: proof) {
                if root != anchor.rootHash {
                    report.findings.append(
                        LedgerFinding(
                            .checkpoint,
                            treeSize: anchor.treeSize,
                            detail:
                                "the Merkle root from the exported entries and the range proof differs from the signed root"
                        )
                    )
                }
            } else {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: anchor.treeSize,
                        detail: "the range proof has the wrong number of hashes"
                    )
                )
            }
            if chain != anchor.chainHash {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: anchor.treeSize,
                        detail:
                            "the chain hash after the last entry differs from the signed chain hash (prev_chain_hash or entries altered)"
                    )
                )
            }
        }
        if let base = report.base {
            checkSignature(base)
            if base.treeSize > header.from {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: base.treeSize,
                        detail: "the base checkpoint lies inside the exported range"
                    )
                )
            } else if !MerkleTree.verifyConsistency(
                from: base.treeSize,
                to: anchor.treeSize,
                fromRoot: base.rootHash,
                toRoot: anchor.rootHash,
                proof: consistencyProof ?? []
            ) {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: base.treeSize,
                        detail: "the consistency proof does not show that the base checkpoint is a prefix of the anchor"
                    )
                )
            } else if base.treeSize == header.from && base.chainHash != header.prevChain {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: base.treeSize,
                        detail: "prev_chain_hash differs from the base checkpoint's chain hash"
                    )
                )
            }
        }
        return report
    }

    private mutating func checkSignature(_ checkpoint: LedgerCheckpoint) {
        let key = trustedKeys[checkpoint.keyID] ?? (trustBundleKeys ? bundleKeys[checkpoint.keyID] : nil)
        guard let key else {
            report.findings.append(
                LedgerFinding(
                    .signature,
                    treeSize: checkpoint.treeSize,
                    detail: "signed with key \(checkpoint.keyID), which is not among the trusted public keys"
                )
            )
            return
        }
        if !key.verifies(checkpoint) {
            report.findings.append(
                LedgerFinding(
                    .signature,
                    treeSize: checkpoint.treeSize,
                    detail: "the checkpoint signature does not verify (checkpoint altered)"
                )
            )
        }
    }

    // MARK: parsing

    private static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap(\.stringValue)
    }

    static func event(_ o: [String: JSONValue]) -> ActionEvent? {
        guard let id = o["id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let actionID = o["action_id"]?.stringValue.flatMap(UUID.init(uuidString:)),
            let type = o["event_type"]?.stringValue.flatMap(ActionEventType.init(rawValue:)),
            let createdAt = o["created_at"]?.stringValue.flatMap(WireTimestamp.parse),
            let meta = o["meta"], let actor = o["actor"]?.stringValue,
            let recordHash = o["record_hash"]?.stringValue, case .int(let seq)? = o["seq"]
        else { return nil }
        let prevHash: String?
        switch o["prev_hash"] {
        case .string(let s)?: prevHash = s
        case .null?, nil: prevHash = nil
        default: return nil
        }
        return ActionEvent(
            id: id,
            actionID: actionID,
            type: type,
            meta: meta,
            actor: actor,
            createdAt: createdAt,
            prevHash: prevHash,
            recordHash: recordHash,
            seq: seq
        )
    }

    private func int(_ o: [String: JSONValue], _ key: String) throws(AuditBundleError) -> Int64 {
        guard case .int(let value)? = o[key] else {
            throw AuditBundleError(line: lineNumber, "\(key) must be an integer")
        }
        return value
    }

    private func hash(_ o: [String: JSONValue], _ key: String) throws(AuditBundleError) -> LedgerHash {
        guard let h = o[key]?.stringValue.flatMap({ LedgerHash(hex: $0) }) else {
            throw AuditBundleError(line: lineNumber, "\(key) must be 64 hex digits")
        }
        return h
    }
}
