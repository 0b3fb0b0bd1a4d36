import Synchronization

/// Runs work with an upper bound on how long the caller waits.
///
/// The work runs in its own task and is cancelled at the deadline, but the caller does not wait
/// for it to notice: a database driver stuck in a connection attempt may ignore cancellation for
/// a minute, and requests must still answer 503 within the bound.
enum Deadline {
    struct Exceeded: Error, Sendable {}

    static func run<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation: continuation, limit: limit, work: work)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// Resumes the continuation exactly once: with the work's result or with `Exceeded`.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var finished: Result<T, any Error>?
            var tasks: [Task<Void, Never>] = []
        }

        private let state = Mutex(State())

        func start(continuation: CheckedContinuation<T, any Error>, limit: Duration,
                   work: @escaping @Sendable () async throws -> T) {
            let early: Result<T, any Error>? = self.state.withLock { state in
                if let finished = state.finished { return finished }
                state.continuation = continuation
                return nil
            }
            if let early {
                continuation.resume(with: early)
                return
            }
            let worker = Task {
                do { self.finish(.success(try await work())) } catch { self.finish(.failure(error)) }
            }
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                self.finish(.failure(Exceeded()))
            }
            let cancelNow = self.state.withLock { state in
                state.tasks = [worker, timer]
                return state.finished != nil
            }
            if cancelNow {
                worker.cancel()
                timer.cancel()
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks): (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) = self.state.withLock { state in
                guard state.finished == nil else { return (nil, []) }
                state.finished = result
                let c = state.continuation
                state.continuation = nil
                let t = state.tasks
                state.tasks = []
                return (c, t)
            }
            for task in tasks { task.cancel() }
            continuation?.resume(with: result)
        }
    }
}
