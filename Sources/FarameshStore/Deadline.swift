import Synchronization

/// Runs an operation with a hard time limit that returns on time even when the operation
/// ignores cancellation.
///
/// A task-group timeout waits for all children before it returns, so a database call stuck in
/// a non-cancellable wait (a connect to a host that never answers, a query on a hung socket)
/// would hold it past the limit. Here the operation runs in its own task: on timeout the caller
/// gets `Deadline.Exceeded` at once, the operation is cancelled and left to finish on its own.
package enum Deadline {
    package struct Exceeded: Error, Sendable {
        package var limit: Duration
    }

    /// What may end the wait before the limit: `watch` is handed a function that ends it with
    /// `error` (at once, or later from any thread) and returns one that stops watching.
    package struct Abandon: Sendable {
        package var watch: @Sendable (_ end: @escaping @Sendable () -> Void) -> @Sendable () -> Void
        package var error: any Error

        package init(
            error: any Error,
            watch: @escaping @Sendable (_ end: @escaping @Sendable () -> Void) -> @Sendable () -> Void
        ) {
            self.watch = watch
            self.error = error
        }
    }

    package static func run<T: Sendable>(
        _ limit: Duration,
        abandon: Abandon? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        let work = Task {
            let result: Result<T, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            race.finish(result)
        }
        let watch = DeadlineWatchdog.shared.watch(until: ContinuousClock.now.advanced(by: limit)) {
            race.finish(.failure(Exceeded(limit: limit)))
            work.cancel()
        }
        defer { DeadlineWatchdog.shared.forget(watch) }
        let stopWatching = abandon.map { abandon in
            abandon.watch {
                race.finish(.failure(abandon.error))
                work.cancel()
            }
        }
        defer { stopWatching?() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.install(continuation)
            }
        } onCancel: {
            work.cancel()
            race.finish(.failure(CancellationError()))
        }
    }

    /// Delivers the first of (result, timeout, cancellation) to the waiting caller, exactly once.
    private final class Race<T: Sendable>: Sendable {
        private enum State {
            case waiting
            case installed(CheckedContinuation<T, any Error>)
            /// Finished before the continuation was installed (cancelled early).
            case early(Result<T, any Error>)
            case done
        }

        private let state = Mutex<State>(.waiting)

        func install(_ continuation: CheckedContinuation<T, any Error>) {
            let early: Result<T, any Error>? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .installed(continuation)
                    return nil
                case .early(let result):
                    state = .done
                    return result
                case .installed, .done:
                    return nil
                }
            }
            if let early { continuation.resume(with: early) }
        }

        func finish(_ result: Result<T, any Error>) {
            let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .early(result)
                    return nil
                case .installed(let continuation):
                    state = .done
                    return continuation
                case .early, .done:
                    return nil
                }
            }
            continuation?.resume(with: result)
        }
    }
}
