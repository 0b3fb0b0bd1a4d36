import FarameshCore
import FarameshStore
import Foundation
import Logging
import ServiceLifecycle

/// Seals every committed event into the global ledger and signs checkpoints.
///
/// Every replica runs one; only the one holding the store's sealing role works (PostgreSQL:
/// advisory lock on a dedicated session), the others retry every `roleRetryInterval`, so a
/// replica that dies is replaced within about that long. The holder, in a loop:
///
/// 1. reads committed events that are not in the ledger, in seq order: those above the highest
///    sealed seq, plus "holes" (seqs skipped because their transaction had not committed yet;
///    a new holder counts every unsealed seq in the top `SealerState.takeoverWindow` of the
///    ledger as one). At takeover and every `fullSweepInterval` a sweep also reads all unsealed
///    events below the highest sealed seq, merged into the same batches, so an event that
///    commits arbitrarily late is sealed in a later batch and never skipped. A batch is always
///    the lowest unsealed seqs there are, which keeps each action's events in chain order;
/// 2. assigns them the next positions, computes leaves, chain hashes and Merkle nodes;
/// 3. when `checkpointEvery` events or `checkpointInterval` have passed, signs a checkpoint;
/// 4. writes rows and checkpoint in one transaction that re-checks the role and the ledger size.
///
/// A failure (database down, role lost, conflict) ends the role; the loop starts over from the
/// committed state, so a batch is either written whole or not at all: no gaps, no duplicates.
/// On graceful shutdown the holder seals what is left and signs a final checkpoint.
package struct LedgerSealer: Service {
    let store: any LedgerStore
    let key: LedgerSigningKey
    let configuration: LedgerConfiguration
    let metrics: LedgerMetrics?
    /// When set, sealing starts once the migrations are known to be current.
    let readiness: Readiness?
    let logger: Logger
    /// Seqs skipped this long ago are given up on (rolled back); the full sweep still finds them.
    static let holeLifetime: Duration = .seconds(600)

    package init(
        store: any LedgerStore,
        key: LedgerSigningKey,
        configuration: LedgerConfiguration,
        metrics: ServerMetrics? = nil,
        readiness: Readiness? = nil,
        logger: Logger
    ) {
        self.store = store
        self.key = key
        self.configuration = configuration
        self.metrics = metrics.map(LedgerMetrics.init)
        self.readiness = readiness
        self.logger = logger
    }

    package func run() async throws {
        while let readiness, !readiness.migrationsKnownCurrent {
            guard !Task.isShuttingDownGracefully else { return }
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let held: Void? = try await store.withLedgerSealingRole { session in
                    try await self.seal(session)
                }
                if held == nil { await pause(configuration.roleRetryInterval) }
            } catch is CancellationError {
                return
            } catch {
                metrics?.recordFailure()
                metrics?.setActive(false)
                logger.warning("ledger sealing failed; retrying", metadata: ["error": "\(String(describing: error))"])
                await pause(configuration.roleRetryInterval)
            }
        }
    }

    /// Sleeps, waking early on graceful shutdown.
    private func pause(_ duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    /// The holder's loop; returns after the final checkpoint on graceful shutdown.
    func seal(_ session: any LedgerSealingSession) async throws {
        metrics?.setActive(true)
        defer { metrics?.setActive(false) }
        let state = try await session.state()
        try await session.registerKey(key.publicKey, at: Date())
        logger.info(
            "holding the ledger sealing role",
            metadata: [
                "size": "\(state.frontier.size)", "key_id": "\(key.keyID)",
            ]
        )
        let recent = try await session.sealedSeqs(afterSeq: max(0, state.maxSealedSeq - SealerState.takeoverWindow))
        var sealer = SealerState(state: state, sealedRecently: recent, now: ContinuousClock.now)
        let clock = ContinuousClock()
        var nextSweep = clock.now
        /// While a sweep runs: the seq it has read up to (a sweep is a cursor, so reading a
        /// large backlog stays linear).
        var sweepCursor: Int64?
        while !Task.isCancelled {
            let shuttingDown = Task.isShuttingDownGracefully
            let started = clock.now
            let room = configuration.checkpointEvery - Int(sealer.builder.size - sealer.lastCheckpointSize)
            let limit = max(1, min(configuration.batchSize, room))
            if sweepCursor == nil && started >= nextSweep { sweepCursor = 0 }
            var candidates = try await session.candidates(
                afterSeq: sealer.maxSeq,
                holes: sealer.holeSeqs(),
                limit: limit
            )
            if let cursor = sweepCursor {
                // The sweep only reads below the newest sealed seq and its batch is merged with the
                // usual one, so that a batch is always the lowest unsealed seqs there are: an
                // action's events reach the ledger in their chain order. It reads second, so its
                // snapshot holds every earlier event of what the first read saw.
                let swept = try await session.unsealedCandidates(
                    afterSeq: cursor,
                    throughSeq: sealer.maxSeq,
                    limit: limit
                )
                let progress = SealerState.merge(candidates, swept: swept, cursor: cursor, limit: limit)
                candidates = progress.batch
                sweepCursor = progress.cursor
                if progress.cursor == nil { nextSweep = started + configuration.fullSweepInterval }
            }

            let sealedAt = Date()
            var next = sealer
            let rows = candidates.map { next.builder.append($0, sealedAt: sealedAt) }
            let size = next.builder.size
            let due =
                size > next.lastCheckpointSize
                && (size - next.lastCheckpointSize >= Int64(configuration.checkpointEvery)
                    || next.lastCheckpointAt.map { started - $0 >= configuration.checkpointInterval } ?? true
                    || (shuttingDown && candidates.count < limit))
            let checkpoint = due ? try next.builder.checkpoint(key: key, at: sealedAt) : nil
            if !rows.isEmpty || checkpoint != nil {
                try await session.append(rows, checkpoint: checkpoint, expectedSize: sealer.builder.size)
            }
            next.noteSealed(candidates, now: started)
            if let checkpoint {
                next.lastCheckpointSize = checkpoint.treeSize
                next.lastCheckpointAt = started
            }
            sealer = next
            if !rows.isEmpty || checkpoint != nil {
                let lags = candidates.compactMap { candidate in
                    candidate.createdAt.map {
                        Duration.microseconds(
                            max(0, WireTimestamp.microseconds(sealedAt) - WireTimestamp.microseconds($0))
                        )
                    }
                }
                metrics?.recordBatch(
                    events: rows.count,
                    checkpoint: checkpoint != nil,
                    size: size,
                    duration: clock.now - started,
                    lags: lags
                )
            }
            if shuttingDown && candidates.count < limit && !due {
                logger.info("ledger sealed up to shutdown", metadata: ["size": "\(size)"])
                return
            }
            if candidates.count < limit {
                let soon = min(configuration.busyPollInterval ?? configuration.pollInterval, configuration.pollInterval)
                await pause(candidates.isEmpty ? configuration.pollInterval : soon)
            }
        }
    }
}

/// What the holder knows between batches.
struct SealerState: Sendable {
    var builder: LedgerBuilder
    /// Highest seq sealed; newer events are read above it.
    var maxSeq: Int64
    /// Seqs below `maxSeq` not seen yet (their transaction may still commit), and since when.
    var holes: [Int64: ContinuousClock.Instant] = [:]
    var lastCheckpointSize: Int64
    /// Nil: a checkpoint is owed at once (an unsigned tail left by the previous holder).
    var lastCheckpointAt: ContinuousClock.Instant?

    /// How far below the highest sealed seq a new holder looks for seqs its predecessor skipped.
    static let takeoverWindow: Int64 = 10_000
    /// The most holes one batch asks for (the lowest ones).
    static let holesPerBatch = 10_000

    /// `sealedRecently`: the sealed seqs above `state.maxSealedSeq - takeoverWindow`. Every seq
    /// in that window that is not among them becomes a hole: the previous holder may have
    /// skipped it while its transaction was open, and sealing a later event of the same
    /// transaction first would put the action's events out of chain order.
    init(state: LedgerSealState, sealedRecently: [Int64], now: ContinuousClock.Instant) {
        builder = LedgerBuilder(frontier: state.frontier, chainHash: state.chainHash)
        maxSeq = state.maxSealedSeq
        lastCheckpointSize = state.latestCheckpoint?.treeSize ?? 0
        lastCheckpointAt = lastCheckpointSize < state.frontier.size ? nil : now
        let sealed = Set(sealedRecently)
        var seq = max(1, maxSeq - Self.takeoverWindow + 1)
        while seq < maxSeq {
            if !sealed.contains(seq) { holes[seq] = now }
            seq += 1
        }
    }

    func holeSeqs() -> [Int64] {
        Array(holes.keys.sorted().prefix(Self.holesPerBatch))
    }

    /// Merges a sweep's batch (`swept`, read after `cursor`) into the usual one: the lowest
    /// `limit` of both, and where the sweep goes on (nil: it is done).
    static func merge(
        _ usual: [LedgerCandidate],
        swept: [LedgerCandidate],
        cursor: Int64,
        limit: Int
    ) -> (batch: [LedgerCandidate], cursor: Int64?) {
        var bySeq: [Int64: LedgerCandidate] = [:]
        for candidate in usual + swept { bySeq[candidate.seq] = candidate }
        let batch = bySeq.values.sorted { $0.seq < $1.seq }.prefix(limit)
        guard let last = batch.last?.seq else { return (Array(batch), nil) }
        let sweptTaken = swept.allSatisfy { $0.seq <= last }
        if sweptTaken {
            return (Array(batch), swept.count < limit ? nil : swept.last.map(\.seq) ?? cursor)
        }
        return (Array(batch), last)
    }

    /// Records what was sealed: newer seqs raise `maxSeq`, and every seq skipped on the way
    /// becomes a hole to look for again.
    mutating func noteSealed(_ candidates: [LedgerCandidate], now: ContinuousClock.Instant) {
        let fresh = candidates.map(\.seq).filter { $0 > maxSeq }.sorted()
        for candidate in candidates { holes[candidate.seq] = nil }
        var expected = maxSeq + 1
        for seq in fresh {
            // Large gaps (a sequence jump after a crash, or many rolled-back inserts) are left
            // to the periodic full sweep instead of being tracked one by one.
            if seq - expected <= 10_000 {
                var missing = expected
                while missing < seq {
                    holes[missing] = now
                    missing += 1
                }
            }
            expected = seq + 1
        }
        if let newest = fresh.last { maxSeq = newest }
        holes = holes.filter { now - $0.value < LedgerSealer.holeLifetime }
    }
}
