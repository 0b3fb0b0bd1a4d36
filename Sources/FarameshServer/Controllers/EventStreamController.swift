import FarameshAPI
import FarameshCore
import FarameshStore
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/events`: live action events as Server-Sent Events.
///
/// Frames are `id: <seq>` + `data: <EventStreamMessage JSON>`; the stream starts with
/// `retry: 1000` and sends `: ping` comments on idle. Any token role may stream (frames never
/// carry approval tokens); an agent token's stream carries only the actions of the agent ids it
/// may act as. Resume with `Last-Event-ID` (or `?last_event_id=`) on any replica:
/// every event after it arrives once, in seq order. A client too slow to take its frames is
/// disconnected (it resumes where it stopped); on graceful shutdown streams end cleanly so
/// clients reconnect to another replica.
struct EventStreamController: Sendable {
    typealias Context = AppRequestContext

    static let catchUpPage = 500
    static let retryMilliseconds = 1_000
    static let heartbeatBytes = ByteBuffer(string: ": ping\n\n")

    let hub: EventHub

    static let streamHeaders: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        .accelBuffering: "no",
    ]

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(use: self.stream)
    }

    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        var (filter, lastEventID): (EventStreamFilter, Int64?)
        do {
            (filter, lastEventID) = try EventStreamFilter.parse(rawQuery: request.uri.query)
            filter.agentScope = identity.readScope
            if let header = request.headers[.lastEventID], !header.isEmpty {
                lastEventID = try EventStreamFilter.eventID(header, field: "Last-Event-ID")
            }
        } catch {
            throw APIError.validation(error)
        }
        if context.isHeadRequest {
            // HEAD: the stream's headers, without subscribing (no body will be written).
            return Response(status: .ok, headers: Self.streamHeaders)
        }
        let subscription: EventHub.Subscription
        do {
            subscription = try await self.hub.subscribe(filter: filter, lastEventID: lastEventID)
        } catch {
            switch error {
            case .notStarted:
                throw APIError.unavailable("The live event feed is not available yet; try again shortly")
            case .stopped:
                throw APIError.unavailable("This replica is shutting down; reconnect to another one")
            case .tooManyClients(let limit):
                throw APIError(
                    .serviceUnavailable,
                    .serviceUnavailable,
                    "This replica already serves \(limit) event streams; try again later or another replica",
                    headers: [.retryAfter: "5"]
                )
            }
        }
        let hub = self.hub
        return Response(
            status: .ok,
            headers: Self.streamHeaders,
            body: ResponseBody { writer in
                try await Self.serve(subscription, hub: hub, request: request, writer: &writer)
            }
        )
    }

    /// Writes the stream until the client leaves, is too slow, or the server shuts down.
    static func serve(
        _ subscription: EventHub.Subscription,
        hub: EventHub,
        request: Request,
        writer: inout any ResponseBodyWriter
    ) async throws {
        let subscriber = subscription.subscriber
        defer { hub.remove(subscriber) }
        do {
            // Cancelled at once when the client closes its side (no waiting for a failed write).
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await withGracefulShutdownHandler {
                    try await StreamScope.run(cancelledWhenClosed: subscriber) {
                        try await Self.pump(subscription, feed: hub.feed, to: &writer)
                    }
                } onGracefulShutdown: {
                    subscriber.close(.shutdown)
                }
            }
        } catch {
            // Too slow (possibly stuck on a full socket; the hub counted it) or gone: drop the connection.
            if subscriber.closeReason == nil { hub.metrics.recordDisconnect(.clientGone) }
            throw error
        }
        if subscriber.closeReason == .tooSlow { throw StreamScope.Closed() }
        hub.metrics.recordDisconnect(.shutdown)
        try await writer.finish(nil)
    }

    /// The write loop: the resume backlog older than the hub's buffer (from the store), then
    /// everything from the buffer (recent and live frames) and heartbeats.
    static func pump(
        _ subscription: EventHub.Subscription,
        feed: any EventFeed,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let subscriber = subscription.subscriber
        try await writer.write(ByteBuffer(string: "retry: \(Self.retryMilliseconds)\n\n"))
        if let catchUp = subscription.catchUp {
            var after = catchUp.after
            while after < catchUp.through {
                let entries = try await feed.entries(after: after, through: catchUp.through, limit: Self.catchUpPage)
                guard let last = entries.last else { break }
                try await Self.write(EventFrame.frames(for: entries), filter: subscriber.filter, to: &writer)
                after = last.event.seq
            }
        }
        while true {
            switch await subscriber.next() {
            case .frames(let buffer, _):
                try await writer.write(buffer)
            case .heartbeat:
                try await writer.write(Self.heartbeatBytes)
            case .closed:
                return
            }
        }
    }

    private static func write(
        _ frames: [EventFrame],
        filter: EventStreamFilter,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        var buffer = ByteBuffer()
        for frame in frames where filter.matches(frame) {
            buffer.writeImmutableBuffer(frame.bytes)
            if buffer.readableBytes >= 64 * 1024 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }
}

/// Runs a stream's write loop in a child task that is cancelled when its subscriber is closed,
/// so a writer blocked on a client that stopped reading does not outlive its subscription.
enum StreamScope {
    struct Closed: Error, Sendable {}

    /// Carries the non-escaping write loop into the child task. Safe: the parent only waits in
    /// `group.next()` while the child runs, so the captured writer is never used concurrently
    /// (the same pattern as Hummingbird's `consumeWithCancellationOnInboundClose`).
    private struct Unchecked<Value>: @unchecked Sendable {
        let value: Value
    }

    static func run(cancelledWhenClosed subscriber: EventSubscriber, _ body: () async throws -> Void) async throws {
        try await withoutActuallyEscaping(body) { body in
            let operation = Unchecked(value: body)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await operation.value()
                    return true
                }
                group.addTask {
                    await subscriber.waitUntilClosed()
                    // A clean close (shutdown) lets the loop finish on its own; only an
                    // overflow must interrupt a write that may never complete.
                    if subscriber.closeReason == .tooSlow { throw Closed() }
                    return false
                }
                while let writerFinished = try await group.next() {
                    if writerFinished {
                        group.cancelAll()
                        return
                    }
                }
            }
        }
    }
}

extension HTTPField.Name {
    /// SSE resume header (the literal is a valid token, so the unwrap cannot fail).
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// Tells nginx not to buffer this response.
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
