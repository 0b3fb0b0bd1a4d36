import Synchronization

/// The in-process counterpart of PostgreSQL's `pg_notify` doorbell: after every committed state
/// change each subscriber is handed the newest event seq. Like NOTIFY it carries no data;
/// listeners read `events(after:limit:)` from the last seq they handled.
///
/// A subscriber that falls behind keeps only the newest seq (it reads everything up to it
/// anyway), so a slow listener never holds memory or blocks a writer.
final class EventDoorbell: Sendable {
    private struct State {
        var subscribers: [UInt64: AsyncStream<Int64>.Continuation] = [:]
        var nextID: UInt64 = 0
        var finished = false
    }

    private let state = Mutex(State())

    func subscribe() -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        let registered = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.subscribers[id] = continuation
            return true
        }
        if !registered { continuation.finish() }
        return stream
    }

    /// Called with the writer connection still held, so seqs reach subscribers in commit order.
    func ring(_ seq: Int64) {
        let subscribers = state.withLock { Array($0.subscribers) }
        var gone: [UInt64] = []
        for (id, subscriber) in subscribers {
            if case .terminated = subscriber.yield(seq) { gone.append(id) }
        }
        if !gone.isEmpty {
            state.withLock { state in for id in gone { state.subscribers.removeValue(forKey: id) } }
        }
    }

    /// Ends every stream (store shutdown); later subscriptions end at once.
    func finish() {
        let subscribers = state.withLock { state -> [AsyncStream<Int64>.Continuation] in
            state.finished = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
