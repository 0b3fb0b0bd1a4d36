import FarameshCore
import FarameshStore
import Foundation

/// Reads the ledger, events and actions page by page and feeds them to `LedgerAuditor`.
package struct LedgerVerifier: Sendable {
    /// The action to verify is not found, or its id is ambiguous (a usage error of `verify-log ACTION`).
    package struct LookupError: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    package struct Options: Sendable {
        package var pinnedKeys: [LedgerPublicKey] = []
        package var since: Int64?
        package var remembered: VerifiedCheckpoint?
        package var grace: TimeInterval = 60
        package var pageSize = 2000
        package var now = Date()

        package init(
            pinnedKeys: [LedgerPublicKey] = [],
            since: Int64? = nil,
            remembered: VerifiedCheckpoint? = nil,
            grace: TimeInterval = 60,
            pageSize: Int = 2000,
            now: Date = Date()
        ) {
            self.pinnedKeys = pinnedKeys
            self.since = since
            self.remembered = remembered
            self.grace = grace
            self.pageSize = pageSize
            self.now = now
        }
    }

    package struct Report: Sendable {
        package var audit = LedgerAuditor.Report()
        package var notes: [String] = []
        package var keysFromDatabase = false
        package var mode = "full"

        package init() {}

        package var findings: [LedgerFinding] { audit.findings }
        package var ok: Bool { audit.ok }
        package var latestVerified: LedgerCheckpoint? { audit.latestVerified }

        package var summary: String {
            let a = audit
            if !a.ok {
                return
                    "FAILED: \(a.failures.count) problem(s) in \(a.positions) position(s), \(a.events) event(s), \(a.actions) action(s)"
            }
            var text =
                "OK: \(a.positions) position(s), \(a.events) event(s), \(a.actions) action(s); every chain intact"
            if let latest = a.latestVerified {
                text +=
                    "; \(a.checkpointsVerified) checkpoint(s) verified up to tree size \(latest.treeSize) (key \(latest.keyID))"
            }
            if a.unsignedTail > 0 { text += "; \(a.unsignedTail) newest position(s) not signed yet" }
            if a.unsealed > 0 { text += "; \(a.unsealed) event(s) not sealed yet" }
            return text
        }

        package var json: JSONValue {
            var o: [String: JSONValue] = [:]
            o["ok"] = .bool(audit.ok)
            o["mode"] = .string(mode)
            o["actions"] = .int(Int64(audit.actions))
            o["events"] = .int(Int64(audit.events))
            o["positions"] = .int(audit.positions)
            o["ledger_size"] = .int(audit.size)
            o["checkpoints_verified"] = .int(Int64(audit.checkpointsVerified))
            o["latest_checkpoint"] = audit.latestVerified.map(AuditBundle.checkpointJSON) ?? .null
            o["unsigned_positions"] = .int(audit.unsignedTail)
            o["unsealed_events"] = .int(Int64(audit.unsealed))
            o["trusted_keys"] = .string(keysFromDatabase ? "database" : "pinned")
            o["failures"] = .array(audit.failures.map(\.json))
            o["warnings"] = .array(audit.warnings.map(\.json))
            o["notes"] = .array(notes.map(JSONValue.string))
            return .object(o)
        }
    }

    package let store: any ActionStore
    package let options: Options

    package init(store: any ActionStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    private func trustedKeys(_ report: inout Report) async throws -> [LedgerPublicKey] {
        if !options.pinnedKeys.isEmpty { return options.pinnedKeys }
        report.keysFromDatabase = true
        report.notes.append(
            "checkpoint signatures were checked with the public keys stored in the database; pass --public-key to pin them"
        )
        return try await store.ledgerKeys().map(\.key)
    }

    /// Every checkpoint (ascending).
    private func allCheckpoints(from size: Int64) async throws -> [LedgerCheckpoint] {
        var out: [LedgerCheckpoint] = []
        var next = size
        while true {
            let page = try await store.ledgerCheckpoints(from: next, limit: 5000)
            out += page
            guard page.count == 5000, let last = page.last else { return out }
            next = last.treeSize + 1
        }
    }

    // MARK: the whole ledger

    package func verifyLedger() async throws -> Report {
        var report = Report()
        let keys = try await trustedKeys(&report)
        var start = LedgerAuditor.Start.genesis
        var expected: [Int64: LedgerHash] = [:]
        if let remembered = options.remembered { expected[remembered.treeSize] = remembered.rootHash }
        if let since = options.since, since > 0 {
            report.mode = "since-checkpoint"
            guard let begin = try await incrementalStart(since, keys: keys, report: &report) else { return report }
            start = begin
        }
        var auditor = LedgerAuditor(
            checkpoints: try await allCheckpoints(from: start.frontier.size + 1),
            trustedKeys: keys,
            start: start,
            expectedRoots: expected,
            now: options.now,
            unsealedGrace: options.grace
        )
        var position = start.frontier.size
        while true {
            let page = try await store.ledgerEntries(from: position, limit: options.pageSize)
            for entry in page { auditor.add(entry.record, event: entry.event, request: entry.request) }
            guard page.count == options.pageSize, let last = page.last else { break }
            position = last.record.position + 1
        }
        let unsealedLimit = 100_000
        let unsealed = try await store.unsealedEvents(limit: unsealedLimit)
        for event in unsealed { auditor.addUnsealed(event) }
        if unsealed.count == unsealedLimit {
            report.notes.append("only the first \(unsealedLimit) unsealed events were checked")
        }
        if options.since == nil || options.since == 0 {
            var cursor: ActionCursor?
            repeat {
                let page = try await store.list(ActionQuery(limit: 1000, cursor: cursor))
                for action in page.actions { auditor.check(action: action) }
                cursor = page.nextCursor
            } while cursor != nil
        } else {
            // Incremental: the actions that had events in the new positions, each chain in full.
            for id in auditor.touchedActions.sorted(by: { $0.uuidString < $1.uuidString }) {
                guard let action = try await store.action(id: id) else { continue }
                auditor.check(action: action)
                let events = try await store.events(actionID: id)
                if let problem = Self.problem(action: action, events: events) {
                    report.audit.findings.append(LedgerFinding(.chain, actionID: id, detail: problem))
                }
            }
        }
        // Rows that disagreed with the scanned events may have been written during the scan.
        for id in auditor.actionsToRecheck {
            guard let action = try await store.action(id: id) else { continue }
            auditor.recheck(action: action, events: try await store.events(actionID: id))
        }
        let findings = report.audit.findings
        report.audit = auditor.finish()
        report.audit.findings = findings + report.audit.findings
        if let remembered = options.remembered, let latest = report.audit.latestVerified,
            latest.treeSize > remembered.treeSize,
            options.since == nil
        {
            report.notes.append(
                "the newest checkpoint (\(latest.treeSize)) extends the remembered one (\(remembered.treeSize))"
            )
        }
        return report
    }

    /// Authenticates the state at checkpoint `size` (its signature, the stored frontier against its
    /// root, the remembered root) and proves that the newest checkpoint extends it.
    private func incrementalStart(
        _ size: Int64,
        keys: [LedgerPublicKey],
        report: inout Report
    ) async throws -> LedgerAuditor.Start? {
        func fail(_ detail: String) -> LedgerAuditor.Start? {
            report.audit.findings.append(LedgerFinding(.checkpoint, treeSize: size, detail: detail))
            return nil
        }
        guard let checkpoint = try await store.ledgerCheckpoint(treeSize: size) else {
            return fail("no checkpoint has tree size \(size) (deleted?)")
        }
        guard let key = keys.first(where: { $0.keyID == checkpoint.keyID }), key.verifies(checkpoint) else {
            return fail("the checkpoint's signature does not verify with a trusted key")
        }
        if let remembered = options.remembered, remembered.treeSize == size, remembered.rootHash != checkpoint.rootHash
        {
            return fail("the checkpoint's root differs from the one verified earlier (history rewritten)")
        }
        guard let frontier = try await store.ledgerFrontier(size: size), frontier.root == checkpoint.rootHash else {
            return fail(
                "the stored Merkle nodes up to the checkpoint do not give its signed root (ledger rows changed)"
            )
        }
        if let latest = try await store.ledgerHead().latestCheckpoint, latest.treeSize > size {
            guard let ranges = MerkleTree.consistencyProofRanges(from: size, to: latest.treeSize),
                let proof = try await store.ledgerRangeHashes(ranges),
                MerkleTree.verifyConsistency(
                    from: size,
                    to: latest.treeSize,
                    fromRoot: checkpoint.rootHash,
                    toRoot: latest.rootHash,
                    proof: proof
                )
            else {
                report.audit.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: latest.treeSize,
                        detail:
                            "the newest checkpoint does not extend checkpoint \(size): no valid consistency proof (history rewritten)"
                    )
                )
                return nil
            }
            report.notes.append(
                "consistency proof \(size) → \(latest.treeSize) verified: the newest checkpoint extends checkpoint \(size)"
            )
        }
        return LedgerAuditor.Start(frontier: frontier, chainHash: checkpoint.chainHash)
    }

    // MARK: one action

    package func verifyAction(_ text: String) async throws -> Report {
        var report = Report()
        report.mode = "action"
        let keys = try await trustedKeys(&report)
        let action = try await resolve(text)
        let events = try await store.events(actionID: action.id)
        report.audit.actions = 1
        report.audit.events = events.count
        func finding(
            _ kind: LedgerFinding.Kind,
            position: Int64? = nil,
            event: UUID? = nil,
            _ detail: String,
            warning: Bool = false
        ) {
            report.audit.findings.append(
                LedgerFinding(
                    kind,
                    position: position,
                    eventID: event,
                    actionID: action.id,
                    detail: detail,
                    isWarning: warning
                )
            )
        }
        if let problem = Self.problem(action: action, events: events) { finding(.chain, problem) }
        let latest = try await store.ledgerHead().latestCheckpoint
        if let latest {
            if let key = keys.first(where: { $0.keyID == latest.keyID }), key.verifies(latest) {
                report.audit.latestVerified = latest
                report.audit.checkpointsVerified = 1
            } else {
                report.audit.findings.append(
                    LedgerFinding(
                        .signature,
                        treeSize: latest.treeSize,
                        detail: "the newest checkpoint's signature does not verify with a trusted key"
                    )
                )
            }
        }
        let entries = try await store.ledgerEntries(actionID: action.id)
        let sealed = Set(entries.map(\.record.eventID))
        for entry in entries {
            let record = entry.record
            report.audit.positions += 1
            guard let event = entry.event else {
                finding(
                    .deleted,
                    position: record.position,
                    event: record.eventID,
                    "the sealed event is missing from action_events (deleted)"
                )
                continue
            }
            let leaf = LedgerLeaf(position: record.position, event: event, request: entry.request)
            if leaf.hash != record.leafHash || record.leaf.hash != record.leafHash {
                finding(
                    event.recordHash != record.recordHash ? .rehashed : .edited,
                    position: record.position,
                    event: event.id,
                    "the event (or its action's request) differs from what was sealed"
                )
            }
            guard let latest, record.position < latest.treeSize else {
                finding(
                    .unsealed,
                    position: record.position,
                    event: event.id,
                    "sealed, but not covered by a signed checkpoint yet",
                    warning: true
                )
                continue
            }
            guard let ranges = MerkleTree.inclusionProofRanges(index: record.position, size: latest.treeSize),
                let proof = try await store.ledgerRangeHashes(ranges),
                MerkleTree.verifyInclusion(
                    leaf: record.leafHash,
                    index: record.position,
                    size: latest.treeSize,
                    proof: proof,
                    root: latest.rootHash
                )
            else {
                finding(
                    .checkpoint,
                    position: record.position,
                    event: event.id,
                    "the inclusion proof against checkpoint \(latest.treeSize) does not verify (ledger rows changed)"
                )
                continue
            }
        }
        for event in events where !sealed.contains(event.id) {
            let recent = event.createdAt >= options.now.addingTimeInterval(-options.grace)
            finding(
                .unsealed,
                event: event.id,
                recent ? "not sealed yet" : "the event is not in the ledger",
                warning: recent
            )
        }
        return report
    }

    private func resolve(_ text: String) async throws -> Action {
        let lowered = text.lowercased()
        if let id = UUID(uuidString: lowered), let action = try await store.action(id: id) { return action }
        guard lowered.count >= 8, lowered.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw LookupError("'\(text)' is not an action id or a prefix of at least 8 hex characters")
        }
        let matches = try await store.actions(idPrefix: lowered, limit: 10)
        switch matches.count {
        case 0: throw LookupError("no action matches '\(text)'")
        case 1: return matches[0]
        default:
            throw LookupError(
                "'\(text)' is ambiguous: " + matches.map { $0.id.uuidString.lowercased() }.joined(separator: ", ")
            )
        }
    }

    /// Nil when the chain is intact and ends where the action row says it ends.
    package static func problem(action: Action, events: [ActionEvent]) -> String? {
        guard !events.isEmpty else { return "the action has no events" }
        if case .broken(let index, let eventID, let reason) = EventChain.verify(events) {
            return "event #\(index) (\(eventID.uuidString.lowercased())): \(reason)"
        }
        if let other = events.first(where: { $0.actionID != action.id }) {
            return "event \(other.id.uuidString.lowercased()) belongs to another action"
        }
        guard events[0].type == .created else { return "the first event is \(events[0].type.rawValue), not created" }
        if events.last?.recordHash != action.lastEventHash {
            return "the newest event's record_hash does not match the action row (events deleted or appended)"
        }
        return nil
    }
}
