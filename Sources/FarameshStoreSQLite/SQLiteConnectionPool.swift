import SQLiteNIO
import Synchronization

/// Lends a fixed set of open connections, one task per connection at a time.
///
/// One task per connection is what makes a transaction safe: between `BEGIN IMMEDIATE` and
/// `COMMIT` no other task's statement can run on that connection (SQLite would make it part of
/// the open transaction). Waiters are served first come, first served; a waiter that is
/// cancelled leaves the queue. `close()` waits for every lent connection to come back and then
/// closes them all (SQLiteNIO asserts when a connection is deinitialised open).
///
/// Each connection comes with its `SQLiteThread`: the body runs with that thread as its
/// executor preference, so its statements and the code between them stay on one thread.
final class SQLiteConnectionPool: Sendable {
    /// The pool was closed: the store is shut down.
    struct Closed: Error, Sendable {}

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<SQLiteConnection, any Error>
    }

    private enum Phase { case open, closing, closed }

    private struct State {
        var idle: [SQLiteConnection]
        var lent = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var phase = Phase.open
        /// `close()` waiting for the lent connections to come back.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// Later `close()` calls waiting for the first one to finish.
        var closedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let connections: [SQLiteConnection]
    private let threads: [ObjectIdentifier: SQLiteThread]
    private let state: Mutex<State>

    var size: Int { connections.count }

    /// Connections, each opened on the thread pool of the thread it is paired with.
    init(_ connections: [(SQLiteConnection, SQLiteThread)]) {
        self.connections = connections.map(\.0)
        self.threads = Dictionary(uniqueKeysWithValues: connections.map { (ObjectIdentifier($0.0), $0.1) })
        self.state = Mutex(State(idle: self.connections.reversed()))
    }

    /// Runs `body` with a connection of its own, on the connection's thread.
    func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await withTaskExecutorPreference(threads[ObjectIdentifier(connection)]) {
                try await body(connection)
            }
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    private func lease() async throws -> SQLiteConnection {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<SQLiteConnection, any Error>) in
                let immediate: Result<SQLiteConnection, any Error>? = state.withLock { state in
                    guard state.phase == .open else { return .failure(Closed()) }
                    // Checked under the lock: a cancellation handler that ran before this point
                    // found no waiter to remove, but the flag is already set.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() {
                        state.lent += 1
                        return .success(connection)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<SQLiteConnection, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    private func release(_ connection: SQLiteConnection) {
        enum Next {
            case handOver(CheckedContinuation<SQLiteConnection, any Error>)
            case drained([CheckedContinuation<Void, Never>])
            case none
        }
        let next = state.withLock { state -> Next in
            if state.phase == .open, !state.waiters.isEmpty {
                // Passed straight on: `lent` is unchanged.
                return .handOver(state.waiters.removeFirst().continuation)
            }
            state.lent -= 1
            state.idle.append(connection)
            if state.phase == .closing, state.lent == 0 {
                defer { state.drainWaiters = [] }
                return .drained(state.drainWaiters)
            }
            return .none
        }
        switch next {
        case .handOver(let waiter): waiter.resume(returning: connection)
        case .drained(let waiters): for waiter in waiters { waiter.resume() }
        case .none: break
        }
    }

    /// Refuses new leases, fails queued waiters, waits for lent connections and closes every
    /// connection. Idempotent; concurrent calls all return once the connections are closed.
    func close() async throws {
        enum Start {
            case first([Waiter], mustDrain: Bool)
            case waitForFirst, done
        }
        let start = state.withLock { state -> Start in
            switch state.phase {
            case .closed:
                return .done
            case .closing:
                return .waitForFirst
            case .open:
                state.phase = .closing
                defer { state.waiters = [] }
                return .first(state.waiters, mustDrain: state.lent > 0)
            }
        }
        switch start {
        case .done:
            return
        case .waitForFirst:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let finished = state.withLock { state -> Bool in
                    if state.phase == .closed { return true }
                    state.closedWaiters.append(continuation)
                    return false
                }
                if finished { continuation.resume() }
            }
            return
        case .first(let waiters, let mustDrain):
            for waiter in waiters { waiter.continuation.resume(throwing: Closed()) }
            if mustDrain {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let drained = state.withLock { state -> Bool in
                        if state.lent == 0 { return true }
                        state.drainWaiters.append(continuation)
                        return false
                    }
                    if drained { continuation.resume() }
                }
            }
        }
        var failure: (any Error)?
        for connection in connections {
            do { try await connection.close() } catch { failure = failure ?? error }
        }
        let closedWaiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.phase = .closed
            defer { state.closedWaiters = [] }
            return state.closedWaiters
        }
        for waiter in closedWaiters { waiter.resume() }
        if let failure { throw failure }
    }
}
