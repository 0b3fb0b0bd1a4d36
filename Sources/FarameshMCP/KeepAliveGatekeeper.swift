import FarameshAPI
import FarameshClient
import FarameshCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The proxy's client of a plain-`http` gatekeeper: HTTP/1.1 on reused keep-alive connections
/// (TCP_NODELAY), one request per connection at a time, no pool state machine or body streams.
///
/// An allowed call waits for two of these requests (submit, start), so their cost is the
/// proxy's added latency; AsyncHTTPClient spent most of the proxy's CPU per call. Connections
/// idle longer than `maxIdle` are closed before reuse (the server closes them after 60 s).
package final class KeepAliveGatekeeper: GatekeeperAPI {
    static let maxIdle: Duration = .seconds(30)
    static let maxIdleConnections = 4

    package let configuration: FarameshClientConfiguration
    let host: String
    let port: Int
    let pathPrefix: String
    let group: any EventLoopGroup
    private let headers: HTTPHeaders
    private let pool = Mutex(Pool())

    private struct Pool {
        var idle: [(channel: any Channel, since: ContinuousClock.Instant)] = []
        var closed = false
    }

    /// Nil unless the base URL is `http://` (TLS gatekeepers use `FarameshClient`).
    package init?(
        configuration: FarameshClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        guard let components = URLComponents(string: configuration.baseURL.text),
            components.scheme?.lowercased() == "http", var host = components.host, !host.isEmpty
        else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.configuration = configuration
        self.host = host
        self.port = components.port ?? 80
        var prefix = components.percentEncodedPath
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.pathPrefix = prefix
        self.group = group
        var headers = HTTPHeaders()
        let hostHeader = host.contains(":") ? "[\(host)]" : host
        headers.add(name: "Host", value: components.port.map { "\(hostHeader):\($0)" } ?? hostHeader)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: configuration.userAgent)
        if let token = configuration.token, !token.isEmpty {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        self.headers = headers
    }

    // MARK: - API

    package func submit(
        _ request: SubmitActionRequest,
        idempotencyKey: String?,
        startIfAllowed: Bool
    ) async throws -> Submission {
        var extra: [(String, String)] = []
        if let idempotencyKey { extra.append(("Idempotency-Key", idempotencyKey)) }
        if startIfAllowed { extra.append(("Faramesh-Start", "if-allowed")) }
        let answer = try await self.exchange(.POST, "/v1/actions", body: request.jsonBytes, extraHeaders: extra)
        return Submission(
            action: try Self.decode(answer),
            started: answer.headers.first(name: "Faramesh-Started") == "true"
        )
    }

    package func start(_ reference: String) async throws -> ActionResponse {
        try await self.send(.POST, Self.actionPath(reference) + "/start", body: Array("{}".utf8))
    }

    package func action(_ reference: String) async throws -> ActionResponse {
        try await self.send(.GET, Self.actionPath(reference), body: nil)
    }

    package func result(_ reference: String, _ body: ResultRequest) async throws -> ActionResponse {
        try await self.send(.POST, Self.actionPath(reference) + "/result", body: body.jsonBytes)
    }

    package func shutdown() async throws {
        let idle = self.pool.withLock { pool in
            pool.closed = true
            defer { pool.idle.removeAll() }
            return pool.idle.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }

    static func actionPath(_ reference: String) -> String {
        "/v1/actions/" + BaseURL.encode(reference)
    }

    // MARK: - Transport

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws -> ActionResponse {
        try Self.decode(try await self.exchange(method, path, body: body))
    }

    private func exchange(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]?,
        extraHeaders: [(String, String)] = []
    ) async throws -> GatekeeperAnswer {
        var head = HTTPRequestHead(
            version: .http1_1,
            method: method,
            uri: self.pathPrefix + path,
            headers: self.headers
        )
        for (name, value) in extraHeaders { head.headers.add(name: name, value: value) }
        var buffer: ByteBuffer?
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
            buffer = ByteBuffer(bytes: body)
        }
        return try await self.exchange(head, body: buffer)
    }

    private func exchange(_ head: HTTPRequestHead, body: ByteBuffer?) async throws -> GatekeeperAnswer {
        try Task.checkCancellation()
        let channel = try await self.connection()
        let promise = channel.eventLoop.makePromise(of: GatekeeperAnswer.self)
        let timeout = self.configuration.requestTimeout
        let timer = channel.eventLoop.scheduleTask(in: Self.timeAmount(timeout)) {
            promise.fail(FarameshClientError.timedOut(url: self.configuration.baseURL.text, after: timeout))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(GatekeeperExchange(head: head, body: body, answer: promise), promise: nil)
        let answer: GatekeeperAnswer
        do {
            answer = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch {
            timer.cancel()
            channel.close(promise: nil)
            throw self.transportError(error)
        }
        timer.cancel()
        if answer.keepAlive { self.release(channel) } else { channel.close(promise: nil) }
        return answer
    }

    /// An idle connection, or a new one.
    private func connection() async throws -> any Channel {
        let now = ContinuousClock.now
        let (reusable, stale): ((any Channel)?, [any Channel]) = self.pool.withLock { pool in
            var stale: [any Channel] = []
            while let entry = pool.idle.popLast() {
                if entry.channel.isActive, now - entry.since < Self.maxIdle { return (entry.channel, stale) }
                stale.append(entry.channel)
            }
            return (nil, stale)
        }
        for channel in stale { channel.close(promise: nil) }
        if let reusable { return reusable }
        do {
            return try await ClientBootstrap(group: self.group)
                .connectTimeout(Self.timeAmount(self.configuration.connectTimeout))
                .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            GatekeeperExchangeHandler(maxBody: FarameshClient.maxResponseBytes)
                        )
                    }
                }
                .connect(host: self.host, port: self.port).get()
        } catch ChannelError.connectTimeout {
            throw FarameshClientError.unreachable(
                url: self.configuration.baseURL.text,
                reason: "connection timed out after \(Self.format(self.configuration.connectTimeout))"
            )
        } catch {
            throw FarameshClientError.unreachable(
                url: self.configuration.baseURL.text,
                reason: FarameshClient.reason(String(describing: error))
            )
        }
    }

    private func release(_ channel: any Channel) {
        let keep = self.pool.withLock { pool in
            guard !pool.closed, pool.idle.count < Self.maxIdleConnections else { return false }
            pool.idle.append((channel, ContinuousClock.now))
            return true
        }
        if !keep { channel.close(promise: nil) }
    }

    private func transportError(_ error: any Error) -> any Error {
        if error is FarameshClientError || error is CancellationError { return error }
        if let error = error as? GatekeeperExchangeHandler.Failure {
            return FarameshClientError.unreachable(url: self.configuration.baseURL.text, reason: error.reason)
        }
        return FarameshClientError.unreachable(
            url: self.configuration.baseURL.text,
            reason: FarameshClient.reason(String(describing: error))
        )
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)s" : "\(millis)ms"
    }

    // MARK: - Decoding (as FarameshClient)

    static func decode(_ answer: GatekeeperAnswer) throws -> ActionResponse {
        guard (200..<300).contains(answer.status) else { throw self.serverError(answer) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(answer.body)
        } catch {
            throw FarameshClientError.unexpectedResponse(status: answer.status, message: "the body is not JSON")
        }
        do {
            return try ActionResponse(json: json)
        } catch {
            throw FarameshClientError.unexpectedResponse(status: answer.status, message: String(describing: error))
        }
    }

    static func serverError(_ answer: GatekeeperAnswer) -> FarameshClientError {
        if let json = try? JSONParser.parse(answer.body), let error = try? ErrorResponse(json: json) {
            return .server(status: answer.status, error: error)
        }
        let text = String(decoding: answer.body.prefix(200), as: UTF8.self)
            .unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
            .trimmingCharacters(in: .whitespaces)
        return .unexpectedResponse(status: answer.status, message: text.isEmpty ? "empty body" : text)
    }
}

/// A complete answer of the gatekeeper.
struct GatekeeperAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var keepAlive: Bool
}

/// One request and the promise of its answer, written into a connection's pipeline.
struct GatekeeperExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var answer: EventLoopPromise<GatekeeperAnswer>
}

/// Turns a `GatekeeperExchange` into HTTP/1.1 request parts and collects the response into its
/// promise; a connection that closes or fails fails the open exchange.
final class GatekeeperExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = GatekeeperExchange
    typealias OutboundOut = HTTPClientRequestPart

    struct Failure: Error { var reason: String }

    private let maxBody: Int
    private var open: EventLoopPromise<GatekeeperAnswer>?
    private var status = 0
    private var headers = HTTPHeaders()
    private var keepAlive = true
    private var body: [UInt8] = []

    init(maxBody: Int) {
        self.maxBody = maxBody
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = self.unwrapOutboundIn(data)
        guard self.open == nil, context.channel.isActive else {
            exchange.answer.fail(Failure(reason: "connection closed by the server"))
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        self.open = exchange.answer
        self.status = 0
        self.body.removeAll(keepingCapacity: true)
        context.write(self.wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body { context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.write(self.wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
            self.headers = head.headers
            self.keepAlive = head.isKeepAlive
        case .body(let buffer):
            guard self.body.count + buffer.readableBytes <= self.maxBody else {
                self.fail(Failure(reason: "the answer is over \(self.maxBody) bytes"))
                context.close(promise: nil)
                return
            }
            self.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let open = self.open else { return }
            self.open = nil
            open.succeed(
                GatekeeperAnswer(status: self.status, headers: self.headers, body: self.body, keepAlive: self.keepAlive)
            )
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(Failure(reason: "connection closed by the server"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        guard let open = self.open else { return }
        self.open = nil
        open.fail(error)
    }
}
