import NIOCore
import Synchronization

/// One SSE client's queue between the hub and the task writing its response.
///
/// The hub never waits for a client: `offer` appends (or, when the bounded queue would
/// overflow, closes the subscriber) and returns at once. The writer takes everything queued in
/// one go. A closed subscriber also cancels a writer stuck on a full socket (`waitUntilClosed`).
final class EventSubscriber: Sendable {
    enum CloseReason: String, Sendable {
        /// The client did not keep up: its queue overflowed.
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
        var queue: [ByteBuffer] = []
        var heartbeatDue = false
        var closed: CloseReason?
        var waiter: CheckedContinuation<Item, Never>?
        var closeWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextCloseWaiter: UInt64 = 0
    }

    let id: UInt64
    let filter: EventStreamFilter
    /// Frames at or below this seq are not for this client (it has seen them).
    let skipThrough: Int64
    let capacity: Int
    private let state = Mutex(State())

    init(id: UInt64, filter: EventStreamFilter, skipThrough: Int64, capacity: Int) {
        self.id = id
        self.filter = filter
        self.skipThrough = skipThrough
        self.capacity = max(1, capacity)
    }

    /// Queues the frames this client wants. Returns false when the subscriber is (now) closed.
    func offer(_ frames: [EventFrame]) -> Bool {
        var wanted: [ByteBuffer] = []
        for frame in frames where frame.seq > self.skipThrough && self.filter.matches(frame) {
            wanted.append(frame.bytes)
        }
        if wanted.isEmpty { return !self.isClosed }
        let (waiter, item, closeWaiters, open) = self.state.withLock { state -> (CheckedContinuation<Item, Never>?, Item?, [CheckedContinuation<Void, Never>], Bool) in
            guard state.closed == nil else { return (nil, nil, [], false) }
            if state.queue.count + wanted.count > self.capacity {
                state.closed = .tooSlow
                state.queue = []
                let waiters = Array(state.closeWaiters.values)
                state.closeWaiters = [:]
                let waiter = state.waiter
                state.waiter = nil
                return (waiter, .closed(.tooSlow), waiters, false)
            }
            state.queue.append(contentsOf: wanted)
            guard let waiter = state.waiter else { return (nil, nil, [], true) }
            state.waiter = nil
            return (waiter, Self.drain(&state), [], true)
        }
        if let waiter, let item { waiter.resume(returning: item) }
        for closeWaiter in closeWaiters { closeWaiter.resume() }
        return open
    }

    /// Asks for a heartbeat comment unless frames are waiting anyway.
    func heartbeat() {
        let resume = self.state.withLock { state -> CheckedContinuation<Item, Never>? in
            guard state.closed == nil, state.queue.isEmpty else { return nil }
            guard let waiter = state.waiter else {
                state.heartbeatDue = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        resume?.resume(returning: .heartbeat)
    }

    func close(_ reason: CloseReason) {
        let (waiter, closeWaiters) = self.state.withLock { state -> (CheckedContinuation<Item, Never>?, [CheckedContinuation<Void, Never>]) in
            guard state.closed == nil else { return (nil, []) }
            state.closed = reason
            let waiters = Array(state.closeWaiters.values)
            state.closeWaiters = [:]
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, waiters)
        }
        waiter?.resume(returning: .closed(reason))
        for closeWaiter in closeWaiters { closeWaiter.resume() }
    }

    var isClosed: Bool { self.state.withLock { $0.closed != nil } }
    var closeReason: CloseReason? { self.state.withLock { $0.closed } }

    /// The next thing to write. Frames queued before a close are still handed out first,
    /// except after an overflow (the client reconnects and resumes instead).
    /// Cancellation returns `.closed(.shutdown)`.
    func next() async -> Item {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item, Never>) in
                let ready = self.state.withLock { state -> Item? in
                    if !state.queue.isEmpty { return Self.drain(&state) }
                    if let reason = state.closed { return .closed(reason) }
                    if state.heartbeatDue {
                        state.heartbeatDue = false
                        return .heartbeat
                    }
                    if Task.isCancelled { return .closed(.shutdown) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Item, Never>? in
                let waiter = state.waiter
                state.waiter = nil
                return waiter
            }
            waiter?.resume(returning: .closed(.shutdown))
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

    private static func drain(_ state: inout State) -> Item {
        let frames = state.queue
        state.queue = []
        state.heartbeatDue = false
        if frames.count == 1 { return .frames(frames[0], count: 1) }
        var buffer = ByteBufferAllocator().buffer(capacity: frames.reduce(0) { $0 + $1.readableBytes })
        for frame in frames { buffer.writeImmutableBuffer(frame) }
        return .frames(buffer, count: frames.count)
    }
}
