import Foundation

/// Verifies a ledger, row by row in position order, against the events and actions it seals and
/// against the signed checkpoints. Pure: the caller streams rows (with the event and, for a
/// `created` event, the action request as the database has them now), then the unsealed events,
/// then the action rows, and calls `finish`.
///
/// What it proves: every position is present once and in order; each stored leaf hash equals the
/// leaf recomputed from the current event and request; each chain hash follows from the previous
/// one; at every checkpoint the Merkle root and chain hash recomputed from the leaves equal the
/// signed ones and the signature verifies with a trusted key; every per-action chain holds and
/// ends where its action row says; every event is sealed. Every finding names its position,
/// seq, event and action.
public struct LedgerAuditor: Sendable {
    /// Where a verification starts: genesis, or a verified checkpoint (incremental checks).
    public struct Start: Sendable {
        public var frontier: MerkleFrontier
        public var chainHash: LedgerHash

        public static let genesis = Start(frontier: MerkleFrontier(), chainHash: LedgerChain.genesis)

        public init(frontier: MerkleFrontier, chainHash: LedgerHash) {
            self.frontier = frontier
            self.chainHash = chainHash
        }
    }

    public struct Report: Sendable {
        public var findings: [LedgerFinding] = []
        /// Ledger positions checked.
        public var positions: Int64 = 0
        /// Events checked (sealed and unsealed).
        public var events = 0
        public var actions = 0
        /// Checkpoints whose root, chain hash and signature matched.
        public var checkpointsVerified = 0
        /// The newest checkpoint that matched, if every check up to it passed.
        public var latestVerified: LedgerCheckpoint?
        /// Ledger size after the scan.
        public var size: Int64 = 0
        /// Positions after the newest checkpoint (sealed but not signed yet).
        public var unsignedTail: Int64 = 0
        public var unsealed = 0

        public var failures: [LedgerFinding] { findings.filter { !$0.isWarning } }
        public var warnings: [LedgerFinding] { findings.filter(\.isWarning) }
        public var ok: Bool { failures.isEmpty }

        public init() {}
    }

    private let checkpoints: [Int64: LedgerCheckpoint]
    private let sortedSizes: [Int64]
    private let trustedKeys: [String: LedgerPublicKey]
    private let expectedRoots: [Int64: LedgerHash]
    private let now: Date
    private let grace: TimeInterval

    private var frontier: MerkleFrontier
    /// Chain recomputed from the start, never re-synchronised: compared with checkpoints.
    private var chain: LedgerHash
    /// Chain re-synchronised to the stored value after a mismatch, so one bad row is one finding.
    private var localChain: LedgerHash
    private var nextPosition: Int64
    private var merkleIntact = true
    private var lastVerifiedSize: Int64
    private var seenSeqs = Set<Int64>()
    private var tracker: ActionChainTracker
    private var missingByAction: [UUID: [Int64]] = [:]
    private var seenActionRows = Set<UUID>()
    /// Row-level findings that a write racing the scan can also cause (the action row read after
    /// its events, or updated in between). They count only if `recheck` does not clear them.
    private var raceSuspects: [UUID: [LedgerFinding]] = [:]
    private var rootMismatches = 0
    /// When the rows right after each checkpoint (and the first row) were sealed: the start of
    /// an unsigned tail.
    private var sealedAtByPosition: [Int64: Date] = [:]
    private var report = Report()

    /// - Parameters:
    ///   - checkpoints: the signed checkpoints (any order).
    ///   - trustedKeys: keys whose signatures count; a checkpoint by any other key is a failure.
    ///   - start: genesis, or the verified state at a checkpoint (then per-action chains are
    ///     checked from the first event seen of each action).
    ///   - expectedRoots: roots remembered from an earlier verification, by tree size.
    ///   - now, unsealedGrace: events committed, and rows sealed, less than `unsealedGrace`
    ///     seconds before `now` may still be unsealed or unsigned (a warning, not a failure).
    public init(
        checkpoints: [LedgerCheckpoint],
        trustedKeys: [LedgerPublicKey],
        start: Start = .genesis,
        expectedRoots: [Int64: LedgerHash] = [:],
        now: Date,
        unsealedGrace: TimeInterval = 60
    ) {
        var byKey: [String: LedgerPublicKey] = [:]
        for key in trustedKeys { byKey[key.keyID] = key }
        var bySize: [Int64: LedgerCheckpoint] = [:]
        for checkpoint in checkpoints where checkpoint.treeSize > start.frontier.size {
            bySize[checkpoint.treeSize] = checkpoint
        }
        self.checkpoints = bySize
        self.sortedSizes = bySize.keys.sorted()
        self.trustedKeys = byKey
        self.expectedRoots = expectedRoots
        self.now = now
        self.grace = unsealedGrace
        self.frontier = start.frontier
        self.chain = start.chainHash
        self.localChain = start.chainHash
        self.nextPosition = start.frontier.size
        self.lastVerifiedSize = start.frontier.size
        self.tracker = ActionChainTracker(partial: start.frontier.size > 0)
    }

    /// Actions that had events in the checked rows (for incremental checks of their rows).
    public var touchedActions: Set<UUID> { Set(tracker.states.keys) }

    // MARK: ledger rows

    /// Checks the next ledger row; `event` is the event it seals as stored now (nil when gone),
    /// `request` the action's request for a `created` event.
    public mutating func add(_ row: LedgerRecord, event: ActionEvent?, request: ActionRequest?) {
        report.positions += 1
        func finding(_ kind: LedgerFinding.Kind, _ detail: String) {
            report.findings.append(
                LedgerFinding(
                    kind,
                    position: row.position,
                    seq: row.seq,
                    eventID: row.eventID,
                    actionID: row.actionID,
                    detail: detail
                )
            )
        }

        if row.position != nextPosition {
            if row.position > nextPosition {
                let missing = row.position - nextPosition
                report.findings.append(
                    LedgerFinding(
                        .deleted,
                        position: nextPosition,
                        detail:
                            "ledger position\(missing == 1 ? "" : "s") \(nextPosition)..<\(row.position) \(missing == 1 ? "is" : "are") missing (ledger rows deleted)"
                    )
                )
            } else {
                finding(
                    .inserted,
                    "position \(row.position) appears again after \(nextPosition - 1) (ledger rows inserted or reordered)"
                )
            }
            merkleIntact = false
        }
        nextPosition = row.position + 1
        if report.positions == 1 || checkpoints[row.position] != nil {
            sealedAtByPosition[row.position] = row.sealedAt
        }

        if row.leaf.hash != row.leafHash {
            finding(.edited, "the ledger row's fields no longer match its leaf hash (ledger row edited)")
        }
        if !seenSeqs.insert(row.seq).inserted {
            finding(.inserted, "seq \(row.seq) is sealed at more than one position (ledger row duplicated)")
        }

        if let event {
            report.events += 1
            var explained = false
            if event.seq != row.seq {
                finding(
                    .reordered,
                    "the event was sealed at seq \(row.seq) but is now at seq \(event.seq) (events moved or reordered)"
                )
                explained = true
            }
            if event.actionID != row.actionID {
                finding(
                    .reordered,
                    "the event was sealed for action \(row.actionID.uuidString.lowercased()) but now belongs to \(event.actionID.uuidString.lowercased())"
                )
                explained = true
            }
            let chainFindings = tracker.add(event, position: row.position)
            if chainFindings.contains(where: { $0.kind == .edited }) { explained = true }
            report.findings.append(contentsOf: chainFindings)
            if !explained && event.recordHash != row.recordHash {
                finding(
                    .rehashed,
                    "the event's record_hash differs from the sealed one: its contents were changed and the action's chain re-hashed after sealing"
                )
                explained = true
            }
            let leaf = LedgerLeaf(position: row.position, event: event, request: request)
            if !explained && leaf.requestCommitment != row.requestCommitment {
                finding(
                    .edited,
                    "the action's request (agent, tool, operation, params or context) was changed after sealing"
                )
                explained = true
            }
            if !explained && event.actor != row.actor {
                finding(
                    .edited,
                    "the event's actor was changed after sealing (sealed as '\(row.actor)', now '\(event.actor)')"
                )
                explained = true
            }
            if leaf.hash != row.leafHash && !explained {
                finding(.edited, "the leaf recomputed from the event differs from the sealed leaf")
            }
        } else {
            finding(.deleted, "the sealed event is missing from action_events (deleted)")
            tracker.markMissing(actionID: row.actionID)
            missingByAction[row.actionID, default: []].append(row.position)
        }

        let expectedChain = LedgerChain.next(localChain, leaf: row.leafHash)
        if expectedChain != row.chainHash {
            finding(
                .chain,
                "the stored chain_hash does not follow from the previous position (ledger rows edited, inserted or removed)"
            )
        }
        localChain = row.chainHash
        chain = LedgerChain.next(chain, leaf: row.leafHash)

        if merkleIntact {
            let completed = frontier.append(row.leafHash)
            if completed != row.nodes {
                finding(
                    .chain,
                    "the stored Merkle subtree hashes of this position are wrong (proofs served from them would fail)"
                )
            }
            let size = frontier.size
            if let remembered = expectedRoots[size], remembered != frontier.root {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: size,
                        detail:
                            "the root of the first \(size) positions differs from the one remembered at the last verification (history rewritten)"
                    )
                )
            }
            if let checkpoint = checkpoints[size] { check(checkpoint) }
        }
    }

    private mutating func check(_ checkpoint: LedgerCheckpoint) {
        let size = checkpoint.treeSize
        var ok = true
        if let key = trustedKeys[checkpoint.keyID] {
            if !key.verifies(checkpoint) {
                ok = false
                report.findings.append(
                    LedgerFinding(
                        .signature,
                        treeSize: size,
                        detail:
                            "the signature does not verify with key \(checkpoint.keyID) (the checkpoint was altered)"
                    )
                )
            }
        } else {
            ok = false
            report.findings.append(
                LedgerFinding(
                    .signature,
                    treeSize: size,
                    detail: "signed with key \(checkpoint.keyID), which is not a trusted key"
                )
            )
        }
        if frontier.root != checkpoint.rootHash || chain != checkpoint.chainHash {
            ok = false
            rootMismatches += 1
            if rootMismatches == 1 {
                let what = frontier.root != checkpoint.rootHash ? "Merkle root" : "chain hash"
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: size,
                        detail:
                            "the \(what) of positions 0..<\(size) differs from the signed checkpoint: positions \(lastVerifiedSize)..<\(size) were changed, inserted, removed or re-hashed"
                    )
                )
            }
        }
        if ok && rootMismatches == 0 && report.failures.isEmpty {
            report.latestVerified = checkpoint
        }
        if ok {
            report.checkpointsVerified += 1
            lastVerifiedSize = size
        }
    }

    // MARK: unsealed events and action rows

    /// An event that no ledger row seals, in seq order, after all ledger rows.
    public mutating func addUnsealed(_ event: ActionEvent) {
        report.events += 1
        report.unsealed += 1
        report.findings.append(contentsOf: tracker.add(event))
        let recent = event.createdAt >= now.addingTimeInterval(-grace)
        report.findings.append(
            LedgerFinding(
                .unsealed,
                seq: event.seq,
                eventID: event.id,
                actionID: event.actionID,
                detail: recent
                    ? "not sealed yet (committed less than \(Int(grace)) s ago)"
                    : "the event is not in the ledger although it is older than \(Int(grace)) s (inserted directly into the database, or the sealer is not running)",
                isWarning: recent
            )
        )
    }

    /// An action row, after all events. Its chain must end at `lastEventHash`, and its request
    /// must match its request_hash and the one its sealed `decision_made` event recorded.
    public mutating func check(action: Action) {
        report.actions += 1
        seenActionRows.insert(action.id)
        func finding(_ kind: LedgerFinding.Kind, _ detail: String) {
            report.findings.append(LedgerFinding(kind, actionID: action.id, detail: detail))
        }
        func suspect(_ kind: LedgerFinding.Kind, _ detail: String) {
            raceSuspects[action.id, default: []].append(LedgerFinding(kind, actionID: action.id, detail: detail))
        }
        guard let state = tracker.state(action.id) else {
            if !tracker.partial { suspect(.deleted, "the action has no events (its events were deleted)") }
            return
        }
        if missingByAction[action.id] == nil, state.lastHash != action.lastEventHash {
            suspect(
                .chain,
                "the newest event's record_hash does not match the action row's last_event_hash (events deleted at the end, or appended)"
            )
        }
        if RequestHash.compute(action.request) != action.requestHash {
            finding(
                .edited,
                "the action row's agent, tool, operation, params or context no longer match its request_hash"
            )
        } else if let sealed = state.requestHash, sealed != action.requestHash {
            finding(.edited, "the action row's request_hash differs from the one recorded in its decision_made event")
        }
    }

    /// Actions whose row disagreed with the events scanned before it. An action submitted or
    /// changed while the scan ran looks like that too, so the caller re-reads each one (its row
    /// and its whole timeline, now) and passes them to `recheck`.
    public var actionsToRecheck: [UUID] { raceSuspects.keys.sorted { $0.uuidString < $1.uuidString } }

    /// Clears the suspected findings of `action` when its timeline, read after the scan, is an
    /// intact chain that starts with `created` and ends at the row's `last_event_hash`: the
    /// disagreement was a concurrent write. Otherwise they stand. Ledger findings are not touched.
    public mutating func recheck(action: Action, events: [ActionEvent]) {
        guard raceSuspects[action.id] != nil else { return }
        if Self.consistent(action: action, events: events) { raceSuspects[action.id] = nil }
    }

    static func consistent(action: Action, events: [ActionEvent]) -> Bool {
        guard let first = events.first, first.type == .created,
            events.allSatisfy({ $0.actionID == action.id }),
            case .valid = EventChain.verify(events)
        else { return false }
        return events.last?.recordHash == action.lastEventHash
    }

    /// Actions with sealed events whose row is gone entirely.
    private mutating func reportMissingActions() {
        for (actionID, state) in tracker.states where !seenActionRows.contains(actionID) {
            let positions = missingByAction[actionID] ?? []
            let detail: String
            if positions.count == state.count {
                detail =
                    "the action was deleted: its row and all \(positions.count) sealed event(s) are gone (positions \(positions.map(String.init).joined(separator: ", ")))"
            } else {
                detail = "the action row is missing although \(state.count - positions.count) of its events remain"
            }
            report.findings.append(LedgerFinding(.deleted, actionID: actionID, detail: detail))
        }
    }

    // MARK: result

    /// Ends the check. `ledgerSize` is the size the store reports (rows past the last one
    /// read, if any, were not checked).
    public mutating func finish() -> Report {
        for id in actionsToRecheck { report.findings.append(contentsOf: raceSuspects[id] ?? []) }
        raceSuspects = [:]
        let size = nextPosition
        report.size = size
        for treeSize in sortedSizes where treeSize > size {
            report.findings.append(
                LedgerFinding(
                    .checkpoint,
                    treeSize: treeSize,
                    detail:
                        "the checkpoint covers \(treeSize) positions but the ledger ends at \(size): positions \(size)..<\(treeSize) were deleted (truncated)"
                )
            )
            break
        }
        if !merkleIntact {
            let unchecked = sortedSizes.filter { $0 <= size && $0 > lastVerifiedSize }
            if !unchecked.isEmpty {
                report.findings.append(
                    LedgerFinding(
                        .checkpoint,
                        treeSize: unchecked[0],
                        detail:
                            "\(unchecked.count) checkpoint(s) from tree size \(unchecked[0]) on cannot be matched because ledger positions are missing or out of order"
                    )
                )
            }
        }
        if rootMismatches > 1 {
            report.findings.append(
                LedgerFinding(
                    .checkpoint,
                    detail:
                        "\(rootMismatches - 1) later checkpoint(s) do not match either (a consequence of the first mismatch)"
                )
            )
        }
        let newestSigned = sortedSizes.last(where: { $0 <= size }) ?? 0
        let tailStart = max(newestSigned, lastVerifiedSize)
        report.unsignedTail = max(0, size - tailStart)
        if report.unsignedTail > 0, let sealedAt = sealedAtByPosition[tailStart] {
            let stale = sealedAt < now.addingTimeInterval(-grace)
            report.findings.append(
                LedgerFinding(
                    .checkpoint,
                    position: size - report.unsignedTail,
                    detail: stale
                        ? "positions \(size - report.unsignedTail)..<\(size) were sealed more than \(Int(grace)) s ago but no signed checkpoint covers them (checkpoints deleted?)"
                        : "positions \(size - report.unsignedTail)..<\(size) are sealed but not signed yet (the next checkpoint will cover them)",
                    isWarning: !stale
                )
            )
        }
        reportMissingActions()
        return report
    }
}
