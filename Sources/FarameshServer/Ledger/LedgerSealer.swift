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
///    sealed seq, plus "holes" (seqs it skipped because their transaction had not committed
///    yet); at takeover and every `fullSweepInterval` it reads all unsealed events instead, so
///    an event that commits arbitrarily late is sealed in a later batch and never skipped;
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
        var sealer = SealerState(state: state, now: ContinuousClock.now)
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
            let candidates: [LedgerCandidate]
            if let cursor = sweepCursor {
                candidates = try await session.unsealedCandidates(afterSeq: cursor, limit: limit)
                if candidates.count < limit {
                    sweepCursor = nil
                    nextSweep = started + configuration.fullSweepInterval
                } else {
                    sweepCursor = candidates.last?.seq ?? cursor
                }
            } else {
                candidates = try await session.candidates(
                    afterSeq: sealer.maxSeq,
                    holes: sealer.holeSeqs(limit: 500),
                    limit: limit
                )
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

    init(state: LedgerSealState, now: ContinuousClock.Instant) {
        builder = LedgerBuilder(frontier: state.frontier, chainHash: state.chainHash)
        maxSeq = state.maxSealedSeq
        lastCheckpointSize = state.latestCheckpoint?.treeSize ?? 0
        lastCheckpointAt = lastCheckpointSize < state.frontier.size ? nil : now
    }

    func holeSeqs(limit: Int) -> [Int64] {
        Array(holes.keys.sorted().prefix(limit))
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
