import FarameshAPI
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// First handler after TLS: tells the connection's `ConnectionGuardHandler` that request bytes
/// arrived, so the head deadline starts at the first byte of a request rather than when the
/// whole head has been parsed.
final class InboundBytesNotifier: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    var onBytes: (() -> Void)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.onBytes?()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension InboundBytesNotifier: Sendable {}

/// Deadlines and the connection cap for one HTTP/1 connection, between the HTTP codec and
/// Hummingbird's request handling (it sees request and response parts).
///
/// - Before the first request, and while a request head arrives: `headerTimeout`.
/// - Between requests (keep-alive): `idleTimeout`.
/// - From the end of a head to the end of its body: `bodyTimeout`; answered `408` when the
///   route is still waiting for the body.
/// - While the server answers, and for `text/event-stream` responses: no deadline here.
///
/// It also answers HTTP parse errors outside a request with a JSON `400` (Hummingbird would send
/// an empty one), and closes the connection after a parse error inside one.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ConnectionLimits
    private let registry: ConnectionRegistry

    private var admitted = false
    private var headsRead = 0
    private var endsRead = 0
    private var responsesEnded = 0
    private var responseStarted = false
    private var streaming = false
    private var closeAfterResponse = false
    private var idleSince = NIODeadline.now()
    private var firstByteAt: NIODeadline?
    private var headAt = NIODeadline.now()
    private var deadline: NIODeadline?
    private var timer: Scheduled<Void>?

    init(limits: ConnectionLimits, registry: ConnectionRegistry) {
        self.limits = limits
        self.registry = registry
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if let notifier = try? context.pipeline.syncOperations.handler(type: InboundBytesNotifier.self) {
            notifier.onBytes = { [weak self] in self?.bytesArrived(context: context) }
        }
        if context.channel.isActive { self.admit(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // A refused connection is closed here; the handlers after this one never see it active.
        if self.admit(context: context) { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    /// Registers the connection with the cap; false (and closed) when it is refused.
    @discardableResult
    private func admit(context: ChannelHandlerContext) -> Bool {
        guard !self.admitted else { return true }
        self.admitted = true
        let channel = context.channel
        let registry = self.registry
        channel.closeFuture.whenComplete { _ in registry.closed(channel) }
        self.idleSince = .now()
        guard registry.opened(channel) else {
            context.close(promise: nil)
            return false
        }
        self.evaluate(context: context)
        return true
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.headsRead += 1
            self.headAt = .now()
            self.firstByteAt = nil
            self.evaluate(context: context)
        case .body:
            break
        case .end:
            self.endsRead += 1
            self.evaluate(context: context)
        }
        context.fireChannelRead(data)
    }

    private func bytesArrived(context: ChannelHandlerContext) {
        guard self.firstByteAt == nil, self.headsRead == self.endsRead, self.headsRead == self.responsesEnded else {
            return
        }
        self.firstByteAt = .now()
        self.evaluate(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if self.headsRead > self.responsesEnded {
            // A route is running: it reads the error from the body and answers 400 itself
            // (`ErrorMiddleware`); the decoder cannot continue, so the connection ends after it.
            self.closeAfterResponse = true
            context.fireErrorCaught(error)
            return
        }
        self.answerAndClose(
            context: context,
            status: .badRequest,
            code: .badRequest,
            detail: "Malformed HTTP request (\(parseError))"
        )
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch self.unwrapOutboundIn(data) {
        case .head(let response):
            self.responseStarted = true
            if response.status == .ok, response.headerFields[.contentType]?.hasPrefix("text/event-stream") == true {
                self.streaming = true
                self.evaluate(context: context)
            }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            self.responsesEnded += 1
            self.responseStarted = false
            self.streaming = false
            if self.responsesEnded >= self.headsRead {
                self.idleSince = .now()
                self.firstByteAt = nil
            }
            if self.closeAfterResponse {
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
                return
            }
            self.evaluate(context: context)
            context.write(data, promise: promise)
        }
    }

    // MARK: deadlines

    private func evaluate(context: ChannelHandlerContext) {
        let phase: ConnectionRegistry.Phase
        let deadline: NIODeadline?
        if self.streaming {
            (phase, deadline) = (.stream, nil)
        } else if self.headsRead > self.endsRead {
            (phase, deadline) = (.body, self.headAt + .init(self.limits.bodyTimeout))
        } else if self.headsRead > self.responsesEnded {
            (phase, deadline) = (.responding, nil)
        } else if let first = self.firstByteAt {
            (phase, deadline) = (.head, first + .init(self.limits.headerTimeout))
        } else if self.headsRead == 0 {
            (phase, deadline) = (.idle, self.idleSince + .init(self.limits.headerTimeout))
        } else {
            (phase, deadline) = (.idle, self.idleSince + .init(self.limits.idleTimeout))
        }
        self.registry.update(context.channel, phase: phase)
        guard deadline != self.deadline else { return }
        self.deadline = deadline
        self.timer?.cancel()
        self.timer = nil
        guard let deadline else { return }
        self.timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.deadline = nil
            self.deadlinePassed(context: context)
        }
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if self.streaming || (self.headsRead > self.responsesEnded && self.headsRead == self.endsRead) {
            return
        }
        if self.headsRead > self.endsRead {
            self.registry.recordTimeout(.bodyTimeout)
            if self.responseStarted || self.responsesEnded >= self.headsRead {
                context.close(promise: nil)
            } else {
                self.answerAndClose(
                    context: context,
                    status: .requestTimeout,
                    code: .requestTimeout,
                    detail: "The request body did not arrive within \(Self.seconds(self.limits.bodyTimeout)) seconds"
                )
            }
        } else if self.firstByteAt != nil {
            self.registry.recordTimeout(.headerTimeout)
            self.answerAndClose(
                context: context,
                status: .requestTimeout,
                code: .requestTimeout,
                detail: "The request head did not arrive within \(Self.seconds(self.limits.headerTimeout)) seconds"
            )
        } else {
            self.registry.recordTimeout(self.headsRead == 0 ? .headerTimeout : .idleTimeout)
            context.close(promise: nil)
        }
    }

    /// Writes a JSON error with `Connection: close` straight to the codec and closes; anything
    /// the route writes later goes to a closed channel.
    private func answerAndClose(
        context: ChannelHandlerContext,
        status: HTTPResponse.Status,
        code: ErrorCode,
        detail: String
    ) {
        var writer = JSONWriter()
        ErrorResponse(detail: detail, code: code).write(to: &writer)
        let body = ByteBuffer(bytes: writer.bytes)
        let head = HTTPResponse(
            status: status,
            headerFields: [
                .contentType: JSONResponse.contentType,
                .contentLength: String(body.readableBytes),
                .connection: "close",
                .xContentTypeOptions: "nosniff",
            ]
        )
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return String(seconds) }
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}

@available(*, unavailable)
extension ConnectionGuardHandler: Sendable {}
