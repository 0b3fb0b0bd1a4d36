import NIOCore
import NIOPosix
import Synchronization

/// A plain TCP connection to a live test server that sends exactly the bytes it is given
/// (slow, partial or malformed requests) and records what comes back until the server closes.
struct RawConnection: Sendable {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            let read = buffer.readBytes(length: buffer.readableBytes) ?? []
            self.bytes.withLock { $0 += read }
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    let channel: any Channel
    let collector: Collector

    static func open(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    var received: String { String(decoding: self.collector.bytes.withLock { $0 }, as: UTF8.self) }
    var isOpen: Bool { self.channel.isActive }

    /// Waits until the server closes the connection; returns everything it sent.
    @discardableResult
    func waitForClose(within limit: Duration) async throws -> String {
        let channel = self.channel
        let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await channel.closeFuture.get()
                return true
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard closed else {
            throw TimedOut(description: "the server kept the connection open for \(limit); received: \(self.received)")
        }
        return self.received
    }

    /// Waits until `received` satisfies `condition`.
    func waitFor(within limit: Duration, _ condition: @Sendable (String) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(self.received) {
            guard ContinuousClock.now < deadline else {
                throw TimedOut(description: "not received within \(limit): \(self.received)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func close() {
        self.channel.close(promise: nil)
    }

    /// One complete HTTP/1.1 request, answered and closed (`Connection: close`).
    static func request(port: Int, _ text: String, within limit: Duration = .seconds(20)) async throws -> String {
        let connection = try await self.open(port: port)
        try await connection.send(text)
        return try await connection.waitForClose(within: limit)
    }
}
