import FarameshCore
import NIOCore

/// The MCP client of one Streamable HTTP session: each POSTed request gets its own SSE stream
/// (progress, then the response, then the stream ends); server messages that belong to no
/// request go to the standalone GET stream, else to the newest open request stream.
package actor HTTPClientChannel: ClientChannel {
    private var requests: [JSONValue: AsyncStream<ByteBuffer>.Continuation] = [:]
    private var order: [JSONValue] = []
    private var standalone: AsyncStream<ByteBuffer>.Continuation?

    package init() {}

    /// The stream of `id`'s answer; open it before handing the request to the session.
    package func openRequest(_ id: JSONValue) -> AsyncStream<ByteBuffer> {
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        self.requests[id] = continuation
        self.order.append(id)
        continuation.onTermination = { _ in Task { await self.dropRequest(id) } }
        return stream
    }

    /// The standalone stream, nil when one is already open (a session has at most one).
    package func openStandalone() -> AsyncStream<ByteBuffer>? {
        guard self.standalone == nil else { return nil }
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
        self.standalone = continuation
        continuation.onTermination = { _ in Task { await self.dropStandalone() } }
        return stream
    }

    private func dropRequest(_ id: JSONValue) {
        self.requests[id] = nil
        self.order.removeAll { $0 == id }
    }

    private func dropStandalone() { self.standalone = nil }

    package func send(_ message: [UInt8], route: ClientRoute) async {
        let frame = Self.frame(message)
        switch route {
        case .response(let id):
            if let continuation = self.requests.removeValue(forKey: id) {
                self.order.removeAll { $0 == id }
                continuation.yield(frame)
                continuation.finish()
            } else {
                self.standalone?.yield(frame)
            }
        case .related(let id):
            if let continuation = self.requests[id] { continuation.yield(frame) } else { self.standalone?.yield(frame) }
        case .unrelated:
            if let standalone = self.standalone {
                standalone.yield(frame)
            } else if let newest = self.order.last, let continuation = self.requests[newest] {
                continuation.yield(frame)
            }
        }
    }

    package var hasOpenStreams: Bool { !self.requests.isEmpty || self.standalone != nil }

    /// An SSE comment on every open stream, so idle streams of held calls stay open.
    package func keepAlive() {
        let comment = ByteBuffer(string: ": keepalive\n\n")
        for (_, continuation) in self.requests { continuation.yield(comment) }
        self.standalone?.yield(comment)
    }

    package func closeAll() {
        for (_, continuation) in self.requests { continuation.finish() }
        self.requests.removeAll()
        self.order.removeAll()
        self.standalone?.finish()
        self.standalone = nil
    }

    /// `event: message` with one `data:` line per line of the message.
    static func frame(_ message: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(message.count + 32)
        buffer.writeString("event: message\n")
        var start = 0
        for index in 0...message.count where index == message.count || message[index] == UInt8(ascii: "\n") {
            var end = index
            if end > start, message[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            buffer.writeString("data: ")
            buffer.writeBytes(message[start..<end])
            buffer.writeString("\n")
            start = index + 1
        }
        buffer.writeString("\n")
        return buffer
    }
}
