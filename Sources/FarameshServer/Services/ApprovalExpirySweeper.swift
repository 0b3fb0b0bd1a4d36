import FarameshCore
import FarameshStore
import Logging
public import ServiceLifecycle

/// Expires pending approvals whose deadline passed (never approves anything), and refreshes the
/// pending-approvals gauge. Safe with several replicas: the store skips rows others have locked.
public struct ApprovalExpirySweeper: Service {
    static let batchSize = 500

    let store: any ActionStore
    let interval: Duration
    let callTimeout: Duration
    let metrics: ServerMetrics
    let logger: Logger

    public init(store: any ActionStore, interval: Duration, callTimeout: Duration, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        self.interval = interval
        self.callTimeout = callTimeout
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            // First pass after one interval: at start-up the migrations may still be running.
            try await Task.sleep(for: self.interval)
            while !Task.isCancelled {
                let full = await self.sweepOnce()
                if !full { try await Task.sleep(for: self.interval) }
            }
        }
    }

    /// One pass. Returns true when a full batch was expired (more may be due: go again at once).
    @discardableResult
    func sweepOnce() async -> Bool {
        let store = self.store
        var full = false
        do {
            let expired = try await Deadline.run(self.callTimeout) {
                try await store.expireDue(now: WireTimestamp.now(), limit: Self.batchSize)
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
            self.logger.warning("Approval expiry sweep failed; will retry", metadata: ["error.type": "\(type(of: error))"])
        }
        return full
    }
}
