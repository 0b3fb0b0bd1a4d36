import FarameshStore
import Logging
import ServiceLifecycle
import Synchronization

/// Limits and timings of the live event stream.
package struct EventHubConfiguration: Sendable, Hashable {
    /// Heartbeat comment interval on idle streams (keeps proxies from closing them; also how
    /// soon a vanished client is noticed at the latest).
    package var heartbeat: Duration
    /// Safety-net read of the feed when no doorbell rang (a notification lost with a replica
    /// that died right after its commit is caught up within this).
    package var pollInterval: Duration
    /// Open streams per replica; more are refused with 503 (there is no per-address cap).
    package var maxClients: Int
    /// How many frames a client may fall behind the newest one before it counts as too slow and
    /// is disconnected (it resumes with Last-Event-ID). Bursts (a caught-up backlog) fit.
    package var clientBuffer: Int
    /// Recent frames kept in memory, shared by every client: what clients read from, and what
    /// reconnecting clients resume from without a database read.
    package var replayCapacity: Int
    /// Rows per feed read.
    package var readBatch: Int
    /// How long a gap may stay open before the hub pays for a horizon to resolve it.
    package var gapGrace: Duration
    /// Least time between two feed reads: under a high commit rate every replica reads batches
    /// instead of one query per notification (costs at most this much latency).
    package var minReadInterval: Duration
    /// How long a new stream waits for a starting hub before answering 503.
    package var startWait: Duration

    package init(
        heartbeat: Duration = .seconds(15),
        pollInterval: Duration = .seconds(1),
        maxClients: Int = 10_000,
        clientBuffer: Int = 10_000,
        replayCapacity: Int = 10_000,
        readBatch: Int = 500,
        gapGrace: Duration = .milliseconds(50),
        minReadInterval: Duration = .milliseconds(5),
        startWait: Duration = .seconds(5)
    ) {
        self.heartbeat = heartbeat
        self.pollInterval = pollInterval
        self.maxClients = maxClients
        self.clientBuffer = clientBuffer
        self.replayCapacity = replayCapacity
        self.readBatch = readBatch
        self.gapGrace = gapGrace
        self.minReadInterval = minReadInterval
        self.startWait = startWait
    }
}

/// Fans committed events out to this replica's SSE clients.
///
/// One task follows the store's commit doorbell (PostgreSQL LISTEN on a dedicated connection,
/// re-established with backoff); another reads the feed's stable prefix whenever the doorbell
/// rings, every `pollInterval` without one (a safety net for lost notifications), and at once
/// after each (re)connect (catch-up). Frames are encoded once into a shared buffer; each
/// subscriber only holds a position in it, so the hub never waits for a client, a burst costs
/// no per-client copies, and a client too far behind is disconnected. `/ready` is false until
/// the hub has started and whenever the doorbell is disconnected.
package final class EventHub: Service, Sendable {
    /// What `subscribe` hands a new stream.
    struct Subscription: Sendable {
        /// Reads the buffer from the first frame the client has not seen that is still in memory.
        let subscriber: EventSubscriber
        /// Read from the store first: events in (after, through], older than the buffer.
        let catchUp: (after: Int64, through: Int64)?
    }

    /// A read of the frame buffer.
    enum Read: Sendable {
        /// The frames from the position on (possibly none) and the position after them.
        case frames([EventFrame], next: Int)
        /// The position is no longer in the buffer.
        case evicted
    }

    enum SubscribeError: Error, Sendable {
        case notStarted
        case tooManyClients(limit: Int)
        case stopped
    }

    private struct State {
        var started = false
        var stopped = false
        var connected = false
        var cursor: Int64 = 0
        /// Recent frames, oldest first (live ones from `bufferHead` on); together they cover every
        /// seq in (bufferFrom, cursor]. Frame `i` of the live part has position `bufferBase + i`.
        var buffer: [EventFrame] = []
        var bufferHead = 0
        var bufferBase = 0
        var bufferFrom: Int64 = 0
        var bufferEnd: Int { self.bufferBase + self.buffer.count - self.bufferHead }
        var subscribers: [UInt64: EventSubscriber] = [:]
        var nextID: UInt64 = 0
        var startWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    let feed: any EventFeed
    let configuration: EventHubConfiguration
    let metrics: EventStreamMetrics
    let readiness: Readiness
    let logger: Logger
    /// Start reading only once this process has applied the migrations (the tables may not exist before).
    let waitForMigrations: Bool
    private let state = Mutex(State())
    private let wake = WakeSignal()

    package init(
        feed: any EventFeed,
        configuration: EventHubConfiguration = EventHubConfiguration(),
        metrics: ServerMetrics,
        readiness: Readiness,
        waitForMigrations: Bool = false,
        logger: Logger
    ) {
        self.feed = feed
        self.configuration = configuration
        self.metrics = EventStreamMetrics(metrics)
        self.readiness = readiness
        self.waitForMigrations = waitForMigrations
        self.logger = logger
        readiness.attachEventHub()
    }

    // MARK: service

    package func run() async throws {
        self.readiness.setEventFeedConnected(false)
        // The hub is placed before the HTTP server in the service group, so it is told to stop
        // only after the server has drained (streams end on the server's graceful shutdown).
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.followDoorbell() }
                group.addTask { await self.tickHeartbeats() }
                group.addTask { await self.readLoop() }
                await group.next()
                group.cancelAll()
            }
        }
        self.stop()
    }

    /// Ends every stream; later subscriptions fail.
    func stop() {
        let (subscribers, waiters) = self.state.withLock {
            state -> ([EventSubscriber], [CheckedContinuation<Void, Never>]) in
            state.stopped = true
            defer {
                state.subscribers = [:]
                state.startWaiters = [:]
            }
            return (Array(state.subscribers.values), Array(state.startWaiters.values))
        }
        for subscriber in subscribers { subscriber.close(.shutdown) }
        for waiter in waiters { waiter.resume() }
        self.metrics.setClients(0)
        self.readiness.setEventFeedConnected(false)
    }

    private func followDoorbell() async {
        while !Task.isCancelled {
            do {
                try await self.feed.followCommits { signal in
                    switch signal {
                    case .connected:
                        self.setConnected(true)
                        self.logger.info("event listener connected")
                        self.wake.ring()
                    case .commit:
                        self.wake.ring()
                    case .disconnected(let reason):
                        self.setConnected(false)
                        self.logger.warning("event listener disconnected", metadata: ["reason": "\(reason)"])
                    }
                }
            } catch {
                self.logger.warning("event listener failed", metadata: ["error.type": "\(type(of: error))"])
            }
            self.setConnected(false)
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func setConnected(_ connected: Bool) {
        let started = self.state.withLock { state -> Bool in
            state.connected = connected
            return state.started
        }
        self.readiness.setEventFeedConnected(connected && started)
        self.metrics.setListenerConnected(connected)
    }

    private func tickHeartbeats() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: self.configuration.heartbeat)
            } catch {
                return
            }
            let subscribers = self.state.withLock { Array($0.subscribers.values) }
            for subscriber in subscribers { subscriber.heartbeat() }
        }
    }

    private func readLoop() async {
        var position: EventFeedPosition?
        var holdSince: ContinuousClock.Instant?
        var lastRead: ContinuousClock.Instant?
        var failures = 0
        while self.waitForMigrations && !self.readiness.migrationsKnownCurrent {
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                return
            }
        }
        while !Task.isCancelled {
            do {
                guard let current = position else {
                    let head = try await self.feed.headPosition()
                    position = head
                    self.start(at: head.cursor)
                    failures = 0
                    continue
                }
                if let last = lastRead, ContinuousClock.now - last < self.configuration.minReadInterval {
                    try await Task.sleep(until: last + self.configuration.minReadInterval)
                }
                lastRead = ContinuousClock.now
                var next = current
                while true {
                    let batch = try await self.feed.stableEvents(after: next, limit: self.configuration.readBatch)
                    next = batch.position
                    self.deliver(batch.entries, cursor: next.cursor)
                    if !batch.full || next.hold != nil { break }
                }
                if next.hold != nil {
                    let since = holdSince ?? ContinuousClock.now
                    holdSince = since
                    if next.hold?.horizon == nil, ContinuousClock.now - since >= self.configuration.gapGrace {
                        next = try await self.feed.fixHorizon(of: next)
                    }
                    if ContinuousClock.now - since > .seconds(10) {
                        self.logger.warning(
                            "event delivery held back by a transaction that has not ended",
                            metadata: ["cursor": "\(next.cursor)"]
                        )
                        holdSince = ContinuousClock.now
                    }
                } else {
                    holdSince = nil
                }
                position = next
                failures = 0
                self.metrics.setFeedHeld(next.hold != nil)
                // While a gap is open nothing may ring when it resolves (a rollback): poll soon.
                await self.wake.wait(upTo: next.hold != nil ? .milliseconds(20) : self.configuration.pollInterval)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                self.metrics.recordFeedReadFailure()
                if failures == 1 || failures % 20 == 0 {
                    self.logger.warning(
                        "event feed read failed; retrying",
                        metadata: [
                            "error": "\(String(describing: error))", "attempt": "\(failures)",
                        ]
                    )
                }
                await self.wake.wait(upTo: .milliseconds(min(100 * (1 << min(failures - 1, 5)), 2_000)))
            }
        }
    }

    private func start(at cursor: Int64) {
        let (waiters, connected) = self.state.withLock { state -> ([CheckedContinuation<Void, Never>], Bool) in
            state.started = true
            state.cursor = cursor
            state.bufferFrom = cursor
            defer { state.startWaiters = [:] }
            return (Array(state.startWaiters.values), state.connected)
        }
        for waiter in waiters { waiter.resume() }
        self.readiness.setEventFeedConnected(connected)
        self.logger.info("event hub started", metadata: ["cursor": "\(cursor)"])
    }

    /// Encodes `entries` once, appends them to the buffer, wakes the subscribers and drops the
    /// ones that fell too far behind.
    func deliver(_ entries: [EventFeedEntry], cursor: Int64) {
        let frames = EventFrame.frames(for: entries)
        let capacity = max(self.configuration.replayCapacity, self.configuration.clientBuffer)
        let (subscribers, base, end) = self.state.withLock { state -> ([EventSubscriber], Int, Int) in
            if !frames.isEmpty { Self.append(frames, to: &state, capacity: capacity) }
            state.cursor = max(state.cursor, cursor)
            return (frames.isEmpty ? [] : Array(state.subscribers.values), state.bufferBase, state.bufferEnd)
        }
        guard !frames.isEmpty else { return }
        self.metrics.recordDelivered(frames)
        let limit = self.configuration.clientBuffer
        for subscriber in subscribers {
            let position = subscriber.position
            if position < base || end - position > limit {
                // Also cancels a write stuck on a client that stopped reading.
                subscriber.close(.tooSlow)
                self.remove(subscriber)
                self.metrics.recordDisconnect(.tooSlow)
                self.logger.info(
                    "event stream client too slow; disconnected",
                    metadata: ["subscriber": "\(subscriber.id)"]
                )
            } else {
                subscriber.wake()
            }
        }
    }

    private static func append(_ frames: [EventFrame], to state: inout State, capacity: Int) {
        state.buffer.append(contentsOf: frames)
        let live = state.buffer.count - state.bufferHead
        if live > capacity {
            let evict = live - capacity
            state.bufferFrom = state.buffer[state.bufferHead + evict - 1].seq
            state.bufferHead += evict
            state.bufferBase += evict
        }
        // Compact once the dead prefix dominates.
        if state.bufferHead > capacity {
            state.buffer.removeFirst(state.bufferHead)
            state.bufferHead = 0
        }
    }

    /// Frames from `position` on, at most `limit`.
    func frames(from position: Int, limit: Int) -> Read {
        self.state.withLock { state in
            guard position >= state.bufferBase else { return .evicted }
            let end = state.bufferEnd
            guard position < end else { return .frames([], next: position) }
            let upper = min(end, position + limit)
            let start = state.bufferHead + (position - state.bufferBase)
            return .frames(Array(state.buffer[start..<(start + upper - position)]), next: upper)
        }
    }

    // MARK: subscriptions

    /// Registers a stream that resumes after `lastEventID` (nil: from now).
    func subscribe(filter: EventStreamFilter, lastEventID: Int64?) async throws(SubscribeError) -> Subscription {
        if !(self.state.withLock { $0.started || $0.stopped }) {
            await self.waitForStart(upTo: self.configuration.startWait)
        }
        let result = self.state.withLock { state -> Result<Subscription, SubscribeError> in
            if state.stopped { return .failure(.stopped) }
            guard state.started else { return .failure(.notStarted) }
            guard state.subscribers.count < self.configuration.maxClients else {
                return .failure(.tooManyClients(limit: self.configuration.maxClients))
            }
            state.nextID += 1
            let start = lastEventID ?? state.cursor
            var catchUp: (after: Int64, through: Int64)?
            if start < state.bufferFrom { catchUp = (start, state.bufferFrom) }
            // The first live frame with a seq above what the client has seen (seqs ascend).
            let from = max(start, state.bufferFrom)
            var low = state.bufferHead
            var high = state.buffer.count
            while low < high {
                let mid = (low + high) / 2
                if state.buffer[mid].seq <= from { low = mid + 1 } else { high = mid }
            }
            let subscriber = EventSubscriber(
                id: state.nextID,
                hub: self,
                filter: filter,
                skipThrough: start,
                position: state.bufferBase + (low - state.bufferHead)
            )
            state.subscribers[subscriber.id] = subscriber
            return .success(Subscription(subscriber: subscriber, catchUp: catchUp))
        }
        switch result {
        case .success(let subscription):
            self.metrics.setClients(self.clientCount)
            return subscription
        case .failure(let error):
            if case .tooManyClients = error { self.metrics.recordRefused() }
            throw error
        }
    }

    func remove(_ subscriber: EventSubscriber) {
        let removed = self.state.withLock { $0.subscribers.removeValue(forKey: subscriber.id) != nil }
        if removed { self.metrics.setClients(self.clientCount) }
    }

    var clientCount: Int { self.state.withLock { $0.subscribers.count } }
    var isStarted: Bool { self.state.withLock { $0.started } }
    var cursor: Int64 { self.state.withLock { $0.cursor } }

    private func waitForStart(upTo limit: Duration) async {
        let id = self.state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let ready = self.state.withLock { state -> Bool in
                            if state.started || state.stopped || Task.isCancelled { return true }
                            state.startWaiters[id] = continuation
                            return false
                        }
                        if ready { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = self.state.withLock { $0.startWaiters.removeValue(forKey: id) }
                    waiter?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }
}
