import FarameshCore
import Foundation
import Testing

/// An in-memory ledger (actions, events, sealed rows, signed checkpoints) and what the pure
/// auditor and the bundle verifier say about it, intact and tampered.
@Suite("Ledger audit (pure)")
struct LedgerAuditTests {
    struct World {
        var actions: [UUID: Action] = [:]
        /// By seq.
        var events: [Int64: ActionEvent] = [:]
        var records: [LedgerRecord] = []
        var checkpoints: [LedgerCheckpoint] = []
        var nextSeq: Int64 = 1
        let key = LedgerSigningKey.generate()
        var builder = LedgerBuilder()

        mutating func addAction(
            params: JSONValue = .object(["cmd": .string("ls"), "token": .string("s3cret")]),
            transitions: [ActionEventType] = []
        ) -> UUID {
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_800_000_000 + Double(nextSeq))
            let request = ActionRequest(agentID: "agent-1", tool: "shell", operation: "run", params: params)
            let requestHash = RequestHash.compute(request)
            var created = EventChain.makeEvent(
                actionID: id,
                type: .created,
                meta: .object([:]),
                actor: "agent-1",
                at: at,
                prevHash: nil
            )
            created.seq = nextSeq
            nextSeq += 1
            var decided = EventChain.makeEvent(
                actionID: id,
                type: .decisionMade,
                meta: .object(["request_hash": .string(requestHash)]),
                actor: "agent-1",
                at: at,
                prevHash: created.recordHash
            )
            decided.seq = nextSeq
            nextSeq += 1
            events[created.seq] = created
            events[decided.seq] = decided
            var last = decided
            for type in transitions {
                var next = EventChain.makeEvent(
                    actionID: id,
                    type: type,
                    meta: .object(["by": .string("alice")]),
                    actor: "alice",
                    at: at,
                    prevHash: last.recordHash
                )
                next.seq = nextSeq
                nextSeq += 1
                events[next.seq] = next
                last = next
            }
            actions[id] = Action(
                id: id,
                request: request,
                status: .allowed,
                decision: .allow,
                outcome: .execute,
                reason: "ok",
                reasonCode: .policyAllow,
                riskLevel: .low,
                requestHash: requestHash,
                runtimeVersion: "test",
                provenanceID: "p",
                createdAt: at,
                updatedAt: at,
                lastEventHash: last.recordHash
            )
            return id
        }

        /// Seals every unsealed event in seq order, signing a checkpoint every `every` positions.
        mutating func seal(every: Int64 = 4, signAtEnd: Bool = true) throws {
            let sealed = Set(records.map(\.seq))
            for seq in events.keys.sorted() where !sealed.contains(seq) {
                guard let event = events[seq] else { continue }
                let candidate = LedgerCandidate(event: event, request: actions[event.actionID]?.request)
                records.append(builder.append(candidate, sealedAt: Date()))
                if builder.size % every == 0 { checkpoints.append(try builder.checkpoint(key: key, at: Date())) }
            }
            if signAtEnd, checkpoints.last?.treeSize != builder.size {
                checkpoints.append(try builder.checkpoint(key: key, at: Date()))
            }
        }

        func audit(keys: [LedgerPublicKey]? = nil) -> LedgerAuditor.Report {
            var auditor = LedgerAuditor(checkpoints: checkpoints, trustedKeys: keys ?? [key.publicKey], now: Date())
            let byID = Dictionary(uniqueKeysWithValues: events.values.map { ($0.id, $0) })
            for record in records.sorted(by: { $0.position < $1.position }) {
                let event = byID[record.eventID]
                let request = event?.type == .created ? event.flatMap { actions[$0.actionID]?.request } : nil
                auditor.add(record, event: event, request: request)
            }
            let sealed = Set(records.map(\.eventID))
            for event in events.values.sorted(by: { $0.seq < $1.seq }) where !sealed.contains(event.id) {
                auditor.addUnsealed(event)
            }
            for action in actions.values { auditor.check(action: action) }
            return auditor.finish()
        }

        func event(of action: UUID, _ type: ActionEventType) -> ActionEvent? {
            events.values.first { $0.actionID == action && $0.type == type }
        }
    }

    static func world() throws -> (World, [UUID]) {
        var world = World()
        var ids: [UUID] = []
        for i in 0..<5 { ids.append(world.addAction(transitions: i % 2 == 0 ? [.started, .succeeded] : [])) }
        try world.seal()
        return (world, ids)
    }

    @Test func anIntactLedgerVerifies() throws {
        let (world, _) = try Self.world()
        let report = world.audit()
        #expect(report.ok, "\(report.findings)")
        #expect(report.positions == 16 && report.events == 16 && report.actions == 5)
        #expect(report.checkpointsVerified == world.checkpoints.count)
        #expect(report.latestVerified?.treeSize == 16)
        #expect(report.unsignedTail == 0)
    }

    @Test func ed25519MatchesRFC8032() throws {
        // RFC 8032 §7.1 TEST 1 (empty message) and TEST 2.
        let key1 = try LedgerPublicKey(text: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let sig1 =
            try #require(LedgerHash(hex: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155")).bytes
            + (try #require(LedgerHash(hex: "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")).bytes)
        #expect(key1.isValidSignature(sig1, for: []))
        #expect(!key1.isValidSignature(sig1, for: [0]))
        let signer = try LedgerSigningKey(text: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        #expect(signer.publicKey == key1)
        #expect(signer.keyID == String(SHA256Hex.hash(key1.rawRepresentation).prefix(16)))
        // Base64 forms round-trip.
        #expect(try LedgerSigningKey(text: signer.base64).publicKey == key1)
        #expect(try LedgerPublicKey(text: key1.base64) == key1)
        #expect(throws: LedgerKeyError.invalidPrivateKey) { try LedgerSigningKey(text: "not a key") }
        #expect(throws: LedgerKeyError.invalidPublicKey) { try LedgerPublicKey(text: "AAAA") }
    }

    @Test func checkpointsAreSignedOverTheirContents() throws {
        let key = LedgerSigningKey.generate()
        let checkpoint = try key.checkpoint(
            treeSize: 3,
            rootHash: MerkleTree.emptyRoot,
            chainHash: .zero,
            signedAt: Date()
        )
        #expect(key.publicKey.verifies(checkpoint))
        var moved = checkpoint
        moved.treeSize = 4
        #expect(!key.publicKey.verifies(moved))
        var rooted = checkpoint
        rooted.rootHash = .zero
        #expect(!key.publicKey.verifies(rooted))
        let other = LedgerSigningKey.generate()
        #expect(!other.publicKey.verifies(checkpoint))
    }

    /// An action submitted (or changed) while verify-log scans: its row is read after its events
    /// were, so it looks like "no events" or a chain ending elsewhere. Re-reading it clears that;
    /// a real deletion or a timeline that really disagrees stays a failure.
    @Test func writesRacingTheScanAreRecheckedNotReported() throws {
        var (world, ids) = try Self.world()
        let late = world.addAction()  // committed after the event scan
        let lateEvents = world.events.values.filter { $0.actionID == late }.sorted { $0.seq < $1.seq }
        for event in lateEvents { world.events[event.seq] = nil }
        var auditor = LedgerAuditor(checkpoints: world.checkpoints, trustedKeys: [world.key.publicKey], now: Date())
        let byID = Dictionary(uniqueKeysWithValues: world.events.values.map { ($0.id, $0) })
        for record in world.records {
            auditor.add(
                record,
                event: byID[record.eventID],
                request: world.actions[byID[record.eventID]?.actionID ?? UUID()]?.request
            )
        }
        for action in world.actions.values { auditor.check(action: action) }
        #expect(auditor.actionsToRecheck == [late])

        // Re-read now: the whole timeline is there and ends at the row.
        var raced = auditor
        raced.recheck(action: try #require(world.actions[late]), events: lateEvents)
        let clean = raced.finish()
        #expect(clean.ok, "\(clean.findings)")

        // Re-read now: still nothing (the events really were deleted).
        var deleted = auditor
        deleted.recheck(action: try #require(world.actions[late]), events: [])
        #expect(Self.failures(deleted.finish(), .deleted).map(\.actionID) == [late])

        // A re-read timeline that does not end at the row keeps the finding.
        var truncated = auditor
        truncated.recheck(action: try #require(world.actions[late]), events: Array(lateEvents.dropLast()))
        #expect(!truncated.finish().ok)
        _ = ids
    }

    static func failures(_ report: LedgerAuditor.Report, _ kind: LedgerFinding.Kind) -> [LedgerFinding] {
        report.failures.filter { $0.kind == kind }
    }

    @Test func editedMetaIsPinpointed() throws {
        var (world, ids) = try Self.world()
        var event = try #require(world.event(of: ids[2], .started))
        event.meta = .object(["by": .string("mallory")])
        world.events[event.seq] = event
        let report = world.audit()
        let edited = Self.failures(report, .edited)
        #expect(edited.count == 1)
        #expect(edited.first?.eventID == event.id && edited.first?.actionID == ids[2] && edited.first?.seq == event.seq)
        #expect(edited.first?.position == world.records.first { $0.eventID == event.id }?.position)
        #expect(report.failures.count == 1, "\(report.failures)")
    }

    @Test func aDeletedEventAndADeletedActionArePinpointed() throws {
        var (world, ids) = try Self.world()
        let gone = try #require(world.event(of: ids[0], .succeeded))
        world.events[gone.seq] = nil
        var report = world.audit()
        let deleted = Self.failures(report, .deleted)
        #expect(deleted.map(\.eventID) == [gone.id])
        #expect(deleted.first?.position == world.records.first { $0.eventID == gone.id }?.position)
        // Reported once, where it happened (not again as a broken link to the action row).
        #expect(report.failures.count == 1, "\(report.failures)")
        // The whole action, row and events.
        let (fresh, freshIDs) = try Self.world()
        world = fresh
        let target = freshIDs[3]
        let targetEvents = world.events.values.filter { $0.actionID == target }
        for event in targetEvents { world.events[event.seq] = nil }
        world.actions[target] = nil
        report = world.audit()
        let positions = Set(world.records.filter { $0.actionID == target }.map(\.position))
        let rowFindings = Self.failures(report, .deleted).filter { $0.position != nil }
        #expect(Set(rowFindings.compactMap(\.position)) == positions)
        #expect(
            Self.failures(report, .deleted).contains {
                $0.actionID == target && $0.position == nil && $0.detail.contains("action was deleted")
            }
        )
        #expect(report.failures.allSatisfy { $0.actionID == target }, "\(report.failures)")
    }

    @Test func insertedReorderedAndRehashedEventsArePinpointed() throws {
        // A forged event appended to a sealed action, chained correctly, never sealed.
        var (world, ids) = try Self.world()
        var action = try #require(world.actions[ids[1]])
        var forged = EventChain.makeEvent(
            actionID: action.id,
            type: .approved,
            meta: .object([:]),
            actor: "mallory",
            at: Date(timeIntervalSince1970: 1_700_000_000),
            prevHash: action.lastEventHash
        )
        forged.seq = world.nextSeq
        world.events[forged.seq] = forged
        action.lastEventHash = forged.recordHash
        world.actions[action.id] = action
        var report = world.audit()
        #expect(Self.failures(report, .unsealed).map(\.eventID) == [forged.id])
        #expect(report.failures.count == 1, "\(report.failures)")

        // Two events swap their seqs.
        (world, ids) = try Self.world()
        let a = try #require(world.event(of: ids[0], .started))
        let b = try #require(world.event(of: ids[0], .succeeded))
        var a2 = a
        var b2 = b
        a2.seq = b.seq
        b2.seq = a.seq
        world.events[a2.seq] = a2
        world.events[b2.seq] = b2
        report = world.audit()
        #expect(Set(Self.failures(report, .reordered).map(\.eventID)) == [a.id, b.id])

        // A whole action chain rewritten and re-hashed consistently, action row updated.
        (world, ids) = try Self.world()
        let target = ids[4]
        var previous: String?
        for event in world.events.values.filter({ $0.actionID == target }).sorted(by: { $0.seq < $1.seq }) {
            var rewritten = event
            if rewritten.type == .succeeded { rewritten.meta = .object(["by": .string("mallory")]) }
            rewritten.prevHash = previous
            rewritten.recordHash = EventChain.recordHash(
                eventID: event.id,
                actionID: event.actionID,
                type: event.type,
                createdAt: event.createdAt,
                meta: rewritten.meta,
                prevHash: previous
            )
            previous = rewritten.recordHash
            world.events[event.seq] = rewritten
        }
        world.actions[target]?.lastEventHash = previous
        report = world.audit()
        let rehashed = Self.failures(report, .rehashed)
        #expect(rehashed.first?.actionID == target)
        #expect(rehashed.first?.eventID == world.event(of: target, .succeeded)?.id)
        #expect(report.failures.allSatisfy { $0.kind == .rehashed }, "\(report.failures)")
    }

    @Test func changedParamsAndRewrittenLedgerRowsAreCaught() throws {
        var (world, ids) = try Self.world()
        world.actions[ids[2]]?.request.params = .object(["cmd": .string("rm -rf /")])
        var report = world.audit()
        #expect(Self.failures(report, .edited).contains { $0.actionID == ids[2] && $0.position != nil })

        // A ledger row rewritten with a consistent leaf and chain hash: only the signed root shows it.
        (world, ids) = try Self.world()
        var rebuilt = LedgerBuilder()
        var rows: [LedgerRecord] = []
        let swapped = world.records.enumerated().map { index, record -> LedgerRecord in
            index == 5 ? world.records[6] : index == 6 ? world.records[5] : record
        }
        for record in swapped {
            guard let event = world.events[record.seq] else { continue }
            rows.append(
                rebuilt.append(
                    LedgerCandidate(event: event, request: world.actions[event.actionID]?.request),
                    sealedAt: record.sealedAt
                )
            )
        }
        world.records = rows
        report = world.audit()
        let checkpoint = Self.failures(report, .checkpoint)
        #expect(checkpoint.first?.treeSize == 8)
        #expect(checkpoint.first?.detail.contains("positions 4..<8") == true)

        // Ledger rows deleted at the end, with their events: the last checkpoint is beyond the end.
        (world, ids) = try Self.world()
        let tail = world.records.suffix(2)
        world.records.removeLast(2)
        for record in tail { world.events[record.seq] = nil }
        report = world.audit()
        #expect(Self.failures(report, .checkpoint).contains { $0.detail.contains("truncated") })

        // A checkpoint signed by a key the reader does not trust.
        (world, _) = try Self.world()
        report = world.audit(keys: [LedgerSigningKey.generate().publicKey])
        #expect(Self.failures(report, .signature).count == world.checkpoints.count)
        // Key rotation: checkpoints by the old and the new key, both trusted.
        (world, _) = try Self.world()
        let newKey = LedgerSigningKey.generate()
        _ = world.addAction()
        let sealedBefore = world.builder.size
        try world.seal(every: 1000, signAtEnd: false)
        world.checkpoints.append(try world.builder.checkpoint(key: newKey, at: Date()))
        #expect(world.builder.size > sealedBefore)
        report = world.audit(keys: [world.key.publicKey, newKey.publicKey])
        #expect(report.ok, "\(report.failures)")
        #expect(report.latestVerified?.keyID == newKey.keyID)
    }

    // MARK: bundles

    static func bundle(_ world: World, from: Int64, redact: Set<String> = []) throws -> [String] {
        let to = world.builder.size
        let anchor = try #require(world.checkpoints.last { $0.treeSize == to })
        var lines: [JSONValue] = []
        let prev = from == 0 ? LedgerChain.genesis : world.records[Int(from) - 1].chainHash
        lines.append(
            AuditBundle.header(
                from: from,
                to: to,
                prevChainHash: prev,
                redactedParams: redact.sorted(),
                exportedAt: Date()
            )
        )
        lines.append(AuditBundle.key(world.key.publicKey))
        lines.append(AuditBundle.checkpoint(anchor, role: "anchor"))
        let leaves = world.records.map(\.leafHash)
        let ranges = try #require(MerkleTree.rangeProofRanges(from: from, to: to, size: to))
        lines.append(
            AuditBundle.proof(
                "range",
                from: from,
                to: to,
                hashes: ranges.map { MerkleTree.root(leaves[Int($0.lowerBound)..<Int($0.upperBound)]) }
            )
        )
        if let base = world.checkpoints.last(where: { $0.treeSize <= from && $0.treeSize > 0 }) {
            lines.append(AuditBundle.checkpoint(base, role: "base"))
            lines.append(
                AuditBundle.proof(
                    "consistency",
                    from: base.treeSize,
                    to: to,
                    hashes: try #require(MerkleTree.consistencyProof(from: base.treeSize, leaves: leaves))
                )
            )
        }
        let range = world.records[Int(from)...]
        var actionCount: Int64 = 0
        for record in range {
            if let event = world.events[record.seq], event.type == .created, let action = world.actions[event.actionID]
            {
                lines.append(AuditBundle.action(action, redacting: redact))
                actionCount += 1
            }
        }
        for record in range {
            if let event = world.events[record.seq] { lines.append(AuditBundle.entry(record, event: event)) }
        }
        lines.append(AuditBundle.end(entries: Int64(range.count), actions: actionCount))
        return lines.map(AuditBundle.line)
    }

    static func verify(_ lines: [String], keys: [LedgerPublicKey]) throws -> AuditBundleVerifier.Report {
        var verifier = AuditBundleVerifier(trustedKeys: keys)
        for line in lines { try verifier.add(line: Array(line.utf8)) }
        return verifier.finish()
    }

    @Test func bundlesVerifyOfflineWithRedaction() throws {
        let (world, _) = try Self.world()
        for from in [Int64(0), 4, 5] {
            let lines = try Self.bundle(world, from: from)
            let report = try Self.verify(lines, keys: [world.key.publicKey])
            #expect(report.ok, "from \(from): \(report.failures)")
            #expect(report.entries == 16 - from)
        }
        let redacted = try Self.bundle(world, from: 0, redact: ["token"])
        #expect(!redacted.joined().contains("s3cret"))
        let report = try Self.verify(redacted, keys: [world.key.publicKey])
        #expect(report.ok, "\(report.failures)")
        #expect(report.redactedParams == ["token"])
        // Without the right key nothing is trusted.
        #expect(!(try Self.verify(redacted, keys: [LedgerSigningKey.generate().publicKey])).ok)
    }

    @Test func tamperedBundlesFail() throws {
        let (world, ids) = try Self.world()
        let lines = try Self.bundle(world, from: 2, redact: ["token"])
        // A redacted digest replaced: the request commitment breaks at the created event.
        let swappedDigest = lines.map {
            $0.contains("\"redacted_sha256\"") && $0.contains(ids[2].uuidString.lowercased())
                ? $0.replacingOccurrences(
                    of: RequestCommitment.valueDigest(.string("s3cret")),
                    with: String(repeating: "0", count: 64)
                ) : $0
        }
        var report = try Self.verify(swappedDigest, keys: [world.key.publicKey])
        #expect(report.failures.contains { $0.kind == .edited && $0.actionID == ids[2] })
        // An event's meta changed in the bundle.
        let edited = lines.map { $0.replacingOccurrences(of: "\"by\":\"alice\"", with: "\"by\":\"eve\"") }
        report = try Self.verify(edited, keys: [world.key.publicKey])
        #expect(report.failures.contains { $0.kind == .edited && $0.position != nil })
        // An entry dropped: the bundle cannot be read past the gap.
        let dropped = lines.enumerated().filter { index, line in
            !(line.contains("\"position\":9,") && line.contains("\"entry\""))
        }.map(\.1)
        #expect(throws: AuditBundleError.self) { try Self.verify(dropped, keys: [world.key.publicKey]) }
        // The anchor's root changed (and so its signature).
        let anchorRoot = world.checkpoints.last?.rootHash.hex ?? ""
        let rerooted = lines.map { $0.replacingOccurrences(of: anchorRoot, with: String(repeating: "1", count: 64)) }
        report = try Self.verify(rerooted, keys: [world.key.publicKey])
        #expect(report.failures.contains { $0.kind == .signature })
    }
}
