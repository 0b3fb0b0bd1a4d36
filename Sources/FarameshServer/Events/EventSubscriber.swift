import NIOCore
import Synchronization

/// One SSE client's position in its hub's frame buffer.
///
/// Frames are kept once, in the hub; a subscriber only remembers how far it has read. The hub
/// never waits for a client: it appends, wakes the subscribers that wait, and closes every
/// subscriber that has fallen more than `clientBuffer` frames behind (or out of the buffer).
/// The write loop pulls everything it has not sent yet in one go. A closed subscriber also
/// cancels a writer stuck on a full socket (`waitUntilClosed`).
final class EventSubscriber: Sendable {
    enum CloseReason: String, Sendable {
        /// The client did not keep up: it fell too far behind the newest frame.
        case tooSlow = "too_slow"
        /// The server is shutting down (graceful shutdown or the hub stopped).
        case shutdown
    }

    enum Item: Sendable {
        case frames(ByteBuffer, count: Int)
        case heartbeat
        case closed(CloseReason)
    }

    private struct State {
        /// Position (in the hub's buffer) of the next frame to read.
        var position: Int
        var closed: CloseReason?
        var wakePending = false
        var heartbeatDue = false
        var waiter: CheckedContinuation<Void, Never>?
        var closeWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextCloseWaiter: UInt64 = 0
    }

    /// Most frames handed to the writer at once.
    static let maxFramesPerWrite = 256

    let id: UInt64
    let filter: EventStreamFilter
    /// Frames at or below this seq are not for this client (it has seen them).
    let skipThrough: Int64
    private let hub: EventHub
    private let state: Mutex<State>

    init(id: UInt64, hub: EventHub, filter: EventStreamFilter, skipThrough: Int64, position: Int) {
        self.id = id
        self.hub = hub
        self.filter = filter
        self.skipThrough = skipThrough
        self.state = Mutex(State(position: position))
    }

    var position: Int { self.state.withLock { $0.position } }
    var isClosed: Bool { self.state.withLock { $0.closed != nil } }
    var closeReason: CloseReason? { self.state.withLock { $0.closed } }

    /// New frames are in the hub's buffer.
    func wake() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.wakePending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Asks for a heartbeat comment (sent only when nothing else is due).
    func heartbeat() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.heartbeatDue = true
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func close(_ reason: CloseReason) {
        let (waiter, closeWaiters) = self.state.withLock {
            state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            guard state.closed == nil else { return (nil, []) }
            state.closed = reason
            let waiters = Array(state.closeWaiters.values)
            state.closeWaiters = [:]
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, waiters)
        }
        waiter?.resume()
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }

    /// The next thing to write: every frame for this client that it has not been given yet,
    /// a heartbeat when idle, or the reason the stream ends. Cancellation ends it (`.shutdown`).
    func next() async -> Item {
        while true {
            if let reason = self.closeReason { return .closed(reason) }
            if Task.isCancelled { return .closed(.shutdown) }
            let from = self.position
            switch self.hub.frames(from: from, limit: Self.maxFramesPerWrite) {
            case .evicted:
                self.close(.tooSlow)
                return .closed(.tooSlow)
            case .frames(let frames, let next):
                let moved = self.state.withLock { state -> Bool in
                    guard state.position == from else { return false }
                    state.position = next
                    return true
                }
                guard moved else { continue }
                if let item = self.item(frames) { return item }
                if !frames.isEmpty { continue }
            }
            // Caught up: wait for a wake, a heartbeat, a close or cancellation.
            let heartbeat = await self.waitForWork()
            if heartbeat { return .heartbeat }
        }
    }

    private func item(_ frames: [EventFrame]) -> Item? {
        var count = 0
        var single: ByteBuffer?
        var buffer: ByteBuffer?
        for frame in frames where frame.seq > self.skipThrough && self.filter.matches(frame) {
            count += 1
            if count == 1 {
                single = frame.bytes
            } else {
                if buffer == nil, let first = single {
                    buffer = ByteBufferAllocator().buffer(capacity: first.readableBytes * frames.count)
                    buffer?.writeImmutableBuffer(first)
                }
                buffer?.writeImmutableBuffer(frame.bytes)
            }
        }
        guard count > 0 else { return nil }
        self.state.withLock { $0.heartbeatDue = false }
        if let buffer { return .frames(buffer, count: count) }
        if let single { return .frames(single, count: 1) }
        return nil
    }

    /// Returns true when a heartbeat is due and nothing else happened.
    private func waitForWork() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if state.wakePending || state.closed != nil || state.heartbeatDue || Task.isCancelled {
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                let waiter = state.waiter
                state.waiter = nil
                return waiter
            }
            waiter?.resume()
        }
        return self.state.withLock { state -> Bool in
            if state.wakePending {
                state.wakePending = false
                return false
            }
            if state.heartbeatDue, state.closed == nil {
                state.heartbeatDue = false
                return true
            }
            return false
        }
    }

    /// Returns once the subscriber is closed (or the task is cancelled).
    func waitUntilClosed() async {
        let id = self.state.withLock { state -> UInt64 in
            state.nextCloseWaiter += 1
            return state.nextCloseWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = self.state.withLock { state -> Bool in
                    if state.closed != nil || Task.isCancelled { return true }
                    state.closeWaiters[id] = continuation
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.closeWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
