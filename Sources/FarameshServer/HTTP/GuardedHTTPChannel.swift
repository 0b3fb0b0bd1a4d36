import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with an `InboundBytesNotifier` in front (after TLS when
/// TLS is on), so `ConnectionGuardHandler` sees when a request's first byte arrives.
struct GuardedHTTPChannel<Base: HTTPChannelHandler>: HTTPChannelHandler {
    typealias Value = Base.Value

    let base: Base

    var responder: HTTPChannelHandler.Responder { self.base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(InboundBytesNotifier())
        }.flatMap {
            self.base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await self.base.handle(value: value, logger: logger)
    }
}
