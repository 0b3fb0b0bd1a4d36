import Synchronization

/// A stop request for one run, set from any task and read by the run's supervising thread.
package final class RunCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    package init() {}

    package func cancel() { flag.store(true, ordering: .releasing) }

    package var isCancelled: Bool { flag.load(ordering: .acquiring) }
}
