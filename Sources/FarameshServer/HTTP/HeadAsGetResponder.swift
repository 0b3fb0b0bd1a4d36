import HTTPTypes
import Hummingbird

/// `HEAD` on every `GET` route: the request is routed as `GET` (same authentication, same
/// validation, same status and headers, Content-Length included) and the body is dropped.
/// It wraps the router rather than being a middleware, because the router picks the route by
/// method before any middleware runs. Routes that would open something long-lived (the event
/// stream) look at `AppRequestContext.isHeadRequest`.
struct HeadAsGetResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == AppRequestContext {
    typealias Context = AppRequestContext
    let inner: Inner

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await self.inner.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var context = context
        context.isHeadRequest = true
        let response = try await self.inner.respond(to: Request(head: head, body: request.body), context: context)
        return Response(status: response.status, headers: response.headers, body: ResponseBody())
    }
}
