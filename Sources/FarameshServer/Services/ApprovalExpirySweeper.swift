import FarameshCore
import FarameshStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Expires pending approvals whose deadline passed (never approves anything), refreshes the
/// pending-approvals gauge, and about once an hour purges idempotency keys older than the
/// retention (24 h). Safe with several replicas: the store skips rows others have locked.
package struct ApprovalExpirySweeper: Service {
    static let batchSize = 500
    /// Idempotency keys are kept at least this long.
    static let idempotencyRetention: Duration = .seconds(24 * 3600)
    static let purgeInterval: Duration = .seconds(3600)

    let store: any ActionStore
    let interval: Duration
    let callTimeout: Duration
    let metrics: ServerMetrics
    /// Decides what is due (an approval expires at or after its deadline by this clock).
    let clock: any WallClock
    let logger: Logger

    package init(
        store: any ActionStore,
        interval: Duration,
        callTimeout: Duration,
        metrics: ServerMetrics,
        clock: any WallClock = SystemClock(),
        logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.callTimeout = callTimeout
        self.metrics = metrics
        self.logger = logger
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // First pass after one interval: at start-up the migrations may still be running.
            try await Task.sleep(for: self.interval)
            let clock = ContinuousClock()
            var nextPurge = clock.now
            while !Task.isCancelled {
                if clock.now >= nextPurge {
                    await self.purgeIdempotencyKeys()
                    nextPurge = clock.now.advanced(by: Self.purgeInterval)
                }
                let full = await self.sweepOnce()
                if !full { try await Task.sleep(for: self.interval) }
            }
        }
    }

    /// Deletes idempotency keys past the retention; failures are retried on the next pass.
    func purgeIdempotencyKeys() async {
        let store = self.store
        let cutoff = self.clock.now().addingTimeInterval(-Double(Self.idempotencyRetention.components.seconds))
        do {
            let purged = try await Deadline.run(self.callTimeout) {
                try await store.purgeIdempotencyKeys(olderThan: cutoff)
            }
            if purged > 0 { self.logger.info("Purged idempotency keys", metadata: ["count": "\(purged)"]) }
        } catch {
            self.logger.warning(
                "Idempotency key purge failed; will retry",
                metadata: ["error.type": "\(type(of: error))"]
            )
        }
    }

    /// One pass. Returns true when a full batch was expired (more may be due: go again at once).
    @discardableResult
    func sweepOnce() async -> Bool {
        let store = self.store
        let now = self.clock.now()
        var full = false
        do {
            let expired = try await Deadline.run(self.callTimeout) {
                try await store.expireDue(now: now, limit: Self.batchSize)
            }
            self.metrics.recordExpired(count: expired.count)
            if !expired.isEmpty {
                self.logger.info("Expired pending approvals", metadata: ["count": "\(expired.count)"])
            }
            full = expired.count >= Self.batchSize
            let pending = try await Deadline.run(self.callTimeout) { try await store.pendingApprovalCount() }
            self.metrics.pendingApprovals.set(Double(pending))
        } catch is CancellationError {
            return false
        } catch {
            self.logger.warning(
                "Approval expiry sweep failed; will retry",
                metadata: ["error.type": "\(type(of: error))"]
            )
        }
        return full
    }
}
