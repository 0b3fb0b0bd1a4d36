import Synchronization

/// The gate every backend call passes, shared so that both stores have the same timeout and
/// shutdown semantics: refused once the store is shut down, run under a hard deadline
/// (`Deadline`), counted in flight until it really ends, and every failure turned into a
/// `StoreError` (or `CancellationError` when the caller was cancelled).
package final class StoreCallGate: Sendable {
    private let closed = Atomic<Bool>(false)
    private let inFlight = Atomic<Int>(0)

    package init() {}

    /// Refuses every later call.
    package func close() { closed.store(true, ordering: .sequentiallyConsistent) }

    /// Calls currently running (they may outlive a missed deadline).
    package var operationsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// Runs `operation` within `limit`; failures go through `mapError` (start it with
    /// `StoreCallGate.commonMapping`).
    package func run<T: Sendable>(
        limit: Duration,
        abandon: Deadline.Abandon? = nil,
        mapError: (any Error) -> any Error,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard !closed.load(ordering: .sequentiallyConsistent) else {
            throw StoreError.unavailable("the store is shut down")
        }
        do {
            // Counted until the operation really ends (it may outlive a missed deadline).
            return try await Deadline.run(limit, abandon: abandon) { [self] in
                inFlight.wrappingAdd(1, ordering: .relaxed)
                defer { inFlight.wrappingSubtract(1, ordering: .relaxed) }
                return try await operation()
            }
        } catch {
            throw mapError(error)
        }
    }

    /// The backend-independent half of error mapping: store errors and cancellation pass
    /// through, a missed deadline becomes `.unavailable` (after `onTimeout`, for the log). nil:
    /// a driver error, for the backend to map.
    package static func commonMapping(_ error: any Error, onTimeout: (Duration) -> Void) -> (any Error)? {
        switch error {
        case let error as StoreError:
            return error
        case is CancellationError:
            return error
        case let exceeded as Deadline.Exceeded:
            onTimeout(exceeded.limit)
            return StoreError.unavailable("the database did not answer within \(describe(exceeded.limit))")
        default:
            return nil
        }
    }

    /// "5 s" or "250 ms".
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
