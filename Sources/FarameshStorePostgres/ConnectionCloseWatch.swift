import PostgresNIO
import Synchronization

/// Tells the calls waiting on one connection that it has closed.
///
/// One watch per connection registers a single callback on its close future, so a
/// long-lived session does not pile up a callback per call.
final class ConnectionCloseWatch: Sendable {
    private struct State {
        var closed = false
        var nextID = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { [self] _ in
            let waiting = state.withLock { state in
                state.closed = true
                defer { state.waiting = [:] }
                return Array(state.waiting.values)
            }
            for end in waiting { end() }
        }
    }

    /// Calls `end` once the connection closes (at once when it has); the result stops watching.
    @Sendable
    func watch(_ end: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let id: Int? = state.withLock { state in
            guard !state.closed else { return nil }
            defer { state.nextID += 1 }
            state.waiting[state.nextID] = end
            return state.nextID
        }
        guard let id else {
            end()
            return {}
        }
        return { [self] in _ = state.withLock { $0.waiting.removeValue(forKey: id) } }
    }
}
